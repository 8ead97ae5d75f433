/**
 * The issue-19 reads against a database filled by bench/seed-inbox.ts, through a real server
 * process over HTTP, one request at a time: the dashboard (owner), the inbox counts (owner and an
 * agent), and a one-word contact search by the start of an email address and by its domain.
 * Beside each latency, the server process's CPU time per request (Linux /proc).
 *
 *   DATABASE_URL=postgres://… npx tsx bench/dashboard.bench.ts        (REPEAT, default 40)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.js';
import { cpuMs, login, startSourceServer } from './lib/server.js';

const REPEAT = Number(process.env.REPEAT ?? 40);
const PORT = Number(process.env.BENCH_PORT ?? 3927);
const config = loadConfig({ ...process.env, PORT: String(PORT) }, []);
const manifest = JSON.parse(readFileSync(process.env.BENCH_MANIFEST ?? path.join(config.dataDir, 'inbox-bench.json'), 'utf8')) as {
  password: string;
  ownerEmail: string;
  agentEmails: string[];
  conversations: number;
  messages: number;
  engine: string;
};
const base = `http://127.0.0.1:${PORT}`;

const round = (ms: number) => Math.round(ms * 10) / 10;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { p50: round(at(50)), p95: round(at(95)) };
}

async function get(url: string, token: string) {
  const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function run(): Promise<Record<string, unknown>> {
  const server = await startSourceServer(PORT);
  try {
    const owner = await login(base, manifest.ownerEmail, manifest.password);
    const agent = await login(base, manifest.agentEmails[0]!, manifest.password);
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const cases: Array<[string, string, string]> = [
      ['dashboard (owner)', `/api/v1/dashboard?todayStart=${midnight.toISOString()}`, owner],
      ['inbox counts (owner)', '/api/v1/conversations/counts', owner],
      ['inbox counts (agent)', '/api/v1/conversations/counts', agent],
      ['contacts: email start "customer4711"', '/api/v1/contacts?q=customer4711&limit=50', owner],
      ['contacts: email domain "example.com"', '/api/v1/contacts?q=example.com&limit=50', owner],
      ['inbox search: email start "customer4711"', '/api/v1/conversations?inbox=all&q=customer4711&limit=30', owner],
    ];
    const results: Record<string, unknown> = { database: `${manifest.engine}: ${manifest.conversations} conversations, ${manifest.messages} messages` };
    for (const [label, url, token] of cases) {
      for (let i = 0; i < 3; i++) await get(url, token);
      const samples: number[] = [];
      const cpuBefore = cpuMs(server.pid);
      for (let i = 0; i < REPEAT; i++) {
        const started = performance.now();
        await get(url, token);
        samples.push(performance.now() - started);
      }
      const cpuPerRequest = round((cpuMs(server.pid) - cpuBefore) / REPEAT);
      const { p50, p95 } = percentiles(samples);
      results[label] = `p50 ${p50} ms, p95 ${p95} ms, server CPU ${cpuPerRequest} ms/request`;
    }
    return results;
  } finally {
    server.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [figure, value] of Object.entries(await run())) console.log(`| ${figure} | ${value} |`);
}
