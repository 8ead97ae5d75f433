/**
 * Telegram, LINE and Viber webhooks into one server process on PostgreSQL (issue 13): per
 * provider, a channel gets CUSTOMERS contacts' first messages (warm-up), then RATE signed
 * webhooks a second for SECONDS from those known contacts, every DUPLICATE_EVERY-th a repeat.
 * Reports answers per second, p50/p99 latency from when each request was due, whether every
 * message was stored exactly once (counted in the database), and the server's CPU per message.
 * Kept under a minute: short runs, so figures are indicative on the shared 2-core machine.
 *
 *   npm run bench -- bots-webhooks
 * Options (env): PROVIDERS (telegram,line,viber), RATE (1000), SECONDS (6), CUSTOMERS (300), CONNECTIONS (64), DUPLICATE_EVERY (50).
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../src/platform/db/client.js';
import { apiCall, cpuMs, freshPostgresDatabase, runFlood, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROVIDERS = (process.env.PROVIDERS ?? 'telegram,line,viber').split(',') as Array<'telegram' | 'line' | 'viber'>;
const RATE = Number(process.env.RATE ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 6);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 300);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const DUPLICATE_EVERY = Number(process.env.DUPLICATE_EVERY ?? 50);
const WARMUP_SECONDS = 3;
const DATABASE = 'switchboard_bench_issue_13_bots';
const port = 3970;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-bots@example.test', OWNER_PASSWORD: 'bench password' };

const SETTINGS = {
  telegram: { secret: 'bench-telegram-secret-token', settings: { botToken: '123456:AAHbench-bot-token-0123456789', secretToken: 'bench-telegram-secret-token', apiBaseUrl: 'http://127.0.0.1:9' } },
  line: { secret: 'bench-line-channel-secret', settings: { channelSecret: 'bench-line-channel-secret', channelAccessToken: 'unused', apiBaseUrl: 'http://127.0.0.1:9' } },
  viber: { secret: 'bench-viber-auth-token', settings: { authToken: 'bench-viber-auth-token', apiBaseUrl: 'http://127.0.0.1:9' } },
};

type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number; unique: number; repeats: number; stored: number; duplicates: number };
const round = (value: number) => Math.round(value * 100) / 100;

function flood(provider: string, channelId: string, rate: number, seconds: number, offset: number, duplicateEvery: number): Promise<FloodResult> {
  const options = { provider, url: `${base}/webhooks/${provider}/${channelId}`, secret: SETTINGS[provider as keyof typeof SETTINGS].secret, customers: CUSTOMERS, connections: CONNECTIONS, duration: seconds, rate, duplicateEvery, offset };
  return runFlood<FloodResult>('bench/bots-flood.ts', options);
}

const api = (token: string, method: string, route: string, body?: unknown) => apiCall(base, token, method, route, body);

export async function run() {
  const results: Record<string, unknown> = { 'load average at start (1 min; the machine has 2 cores and is shared)': os.loadavg()[0]!.toFixed(2) };
  const databaseUrl = await freshPostgresDatabase(adminUrl, DATABASE);
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner });
  const database = await openDatabase({ databaseUrl });
  try {
    await waitFor(`${base}/readyz`);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    for (const provider of PROVIDERS) {
      const channel = await api(token, 'POST', '/api/v1/channels', { type: provider, name: `Bench ${provider}`, settings: SETTINGS[provider].settings });
      const warmup = await flood(provider, channel.id, Math.ceil(CUSTOMERS / WARMUP_SECONDS), WARMUP_SECONDS, 1_000_000, 0);
      if (warmup.non2xx > 0) throw new Error(`${provider} warm-up refused: ${JSON.stringify(warmup)}`);
      const cpuBefore = cpuMs(server.pid!);
      const started = performance.now();
      const result = await flood(provider, channel.id, RATE, SECONDS, 2_000_000, DUPLICATE_EVERY);
      const wall = (performance.now() - started) / 1000;
      const serverCpu = cpuMs(server.pid!) - cpuBefore;
      const [counted] = rowsOf<{ stored: number; distinct_ids: number }>(
        await database.db.execute(sql`select count(*)::int as stored, count(distinct provider_message_id)::int as distinct_ids from messages where channel_id = ${channel.id} and direction = 'in'`),
      );
      const expected = warmup.unique + result.unique;
      results[`${provider}: signed webhooks paced at ${RATE}/s for ${SECONDS} s (${CONNECTIONS} connections, ${CUSTOMERS} known contacts): answered per second`] = Math.round(result.perSecond);
      results[`  ${provider}: answer latency p50 / p99, ms (from when each request was due)`] = `${result.latencyP50} / ${result.latencyP99}`;
      results[`  ${provider}: non-2xx / unanswered after 30 s`] = `${result.non2xx} / ${result.errors}`;
      results[`  ${provider}: unique messages sent (with warm-up) / stored / distinct ids; repeats sent / answered as duplicates`] =
        `${expected} / ${counted!.stored} / ${counted!.distinct_ids}; ${result.repeats} / ${result.duplicates}`;
      results[`  ${provider}: each stored exactly once`] = counted!.stored === expected && counted!.distinct_ids === expected && result.duplicates === result.repeats ? 'yes' : 'NO';
      results[`  ${provider}: server process CPU per message (all threads), ms`] = round(serverCpu / result.requests);
      results[`  ${provider}: server CPU use during the run, cores`] = round(serverCpu / 1000 / wall);
    }
  } finally {
    await database.close();
    await stop(server);
  }
  return results;
}
