/**
 * What the security headers cost a request (src/platform/http/security-headers.ts): helmet's
 * middleware built once at start and applied to each response, against building it for each
 * request as @fastify/helmet 13 does (its onRequest hook calls `helmet(options)` every time).
 * CPU time per request, over ITERATIONS applications to a stand-in response.
 *
 *   npm run bench -- security-headers
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { createSecurityHeaders, securityHeaderOptions } from '../src/platform/http/security-headers.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 200_000);

function response(): ServerResponse {
  const headers = new Map<string, unknown>();
  return { setHeader: (name: string, value: unknown) => headers.set(name, value), removeHeader: (name: string) => headers.delete(name) } as unknown as ServerResponse;
}

/** CPU microseconds per call of `apply`, after a warm-up. */
function cpuMicroseconds(apply: () => void): number {
  for (let i = 0; i < 10_000; i++) apply();
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) apply();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ITERATIONS;
}

export async function run() {
  const request = {} as IncomingMessage;
  const res = response();
  const prebuilt = createSecurityHeaders('https://inbox.example.test');
  // The same options, built per request: what @fastify/helmet does with them.
  const options = securityHeaderOptions(true, false);
  const prebuiltCost = cpuMicroseconds(() => prebuilt(request, res, false));
  const perRequestCost = cpuMicroseconds(() => helmet(options)(request, res, () => undefined));
  return {
    'prebuilt (ours), CPU per request': `${prebuiltCost.toFixed(2)} µs`,
    'built per request (@fastify/helmet 13), CPU per request': `${perRequestCost.toFixed(2)} µs`,
    iterations: ITERATIONS,
  };
}
