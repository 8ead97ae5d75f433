/**
 * WhatsApp webhooks into one server process (issue 12): signed Cloud API webhooks in Meta's real
 * format, one message each, paced evenly at RATE a second (an open loop: each answer is timed from
 * when its request was due), from CUSTOMERS known contacts, every DUPLICATE_EVERY-th a repeat of
 * an earlier message. Targets: on PostgreSQL ≥ 1,000 messages/s sustained with p99 answer < 50 ms,
 * each stored exactly once; on PGlite ≥ 300/s. Beside each rate, the server's CPU time per message.
 * The messages are counted in the database afterwards: each unique one once, no repeat stored.
 *
 *   npm run bench -- meta-webhooks        # PostgreSQL at BENCH_DATABASE_URL or the local `test` server, then PGlite
 * Options (env): ENGINES (postgres,pglite), RATE_POSTGRES (1000), RATE_PGLITE (300), SECONDS (20), CUSTOMERS (1000),
 * CONNECTIONS (64), DUPLICATE_EVERY (50), WARMUP_SECONDS (10: the customers' first messages, spread over it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../src/platform/db/client.js';
import { apiCall, cpuMs, freshPostgresDatabase, runFlood, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENGINES = (process.env.ENGINES ?? 'postgres,pglite').split(',');
const RATES: Record<string, number> = { postgres: Number(process.env.RATE_POSTGRES ?? 1000), pglite: Number(process.env.RATE_PGLITE ?? 300) };
const SECONDS = Number(process.env.SECONDS ?? 20);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 1000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const DUPLICATE_EVERY = Number(process.env.DUPLICATE_EVERY ?? 50);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 10);
/** The branch's own database: other benchmarks run on the same server. */
const DATABASE = 'switchboard_bench_issue_12_meta';
const APP_SECRET = 'bench-meta-app-secret';
const PHONE_NUMBER_ID = '106540352242922';
const port = 3960;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-meta@example.test', OWNER_PASSWORD: 'bench password' };

type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number; unique: number; repeats: number; stored: number; duplicates: number };

const round = (value: number) => Math.round(value * 100) / 100;

function flood(channelId: string, rate: number, seconds: number, run: string, duplicateEvery: number): Promise<FloodResult> {
  const options = { url: `${base}/webhooks/whatsapp/${channelId}`, appSecret: APP_SECRET, phoneNumberId: PHONE_NUMBER_ID, customers: CUSTOMERS, connections: CONNECTIONS, duration: seconds, rate, duplicateEvery, run };
  return runFlood<FloodResult>('bench/meta-flood.ts', options);
}

const api = (token: string, method: string, route: string, body?: unknown) => apiCall(base, token, method, route, body);

/** How many of this run's messages the database holds, and how many distinct provider ids among them. */
async function countStored(database: Awaited<ReturnType<typeof openDatabase>>, channelId: string, run: string) {
  const result = await database.db.execute(sql`
    select count(*)::int as stored, count(distinct provider_message_id)::int as distinct_ids from messages
    where channel_id = ${channelId} and direction = 'in' and provider_message_id like ${`wamid.BENCH-${run}-%`}`);
  return rowsOf<{ stored: number; distinct_ids: number }>(result)[0]!;
}

async function measure(engine: string, results: Record<string, unknown>) {
  const dataDir = engine === 'pglite' ? mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-meta-')) : undefined;
  const databaseUrl = engine === 'postgres' ? await freshPostgresDatabase(adminUrl, DATABASE) : '';
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, ...(dataDir ? { DATA_DIR: dataDir } : {}), WEB_DIST_DIR: '/nonexistent', ...owner });
  let stopped = false;
  try {
    await waitFor(`${base}/readyz`);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const channel = await api(token, 'POST', '/api/v1/channels', {
      type: 'whatsapp',
      name: 'Bench',
      settings: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'unused', appSecret: APP_SECRET, apiBaseUrl: 'http://127.0.0.1:9' },
    });

    // The customers write once first: the measured messages are those of known contacts, as most are.
    // A first message takes the full path (a new contact and conversation), so this goes slower.
    const warmupRate = Math.ceil(CUSTOMERS / WARMUP_SECONDS);
    const warmup = await flood(channel.id, warmupRate, WARMUP_SECONDS, 'warmup', 0);
    if (warmup.non2xx > 0) throw new Error(`warm-up refused: ${JSON.stringify(warmup)}`);
    // Answers the generator stopped waiting for still arrive: let them, so they do not load the measured run.
    if (warmup.errors > 0) await new Promise((resolve) => setTimeout(resolve, 30_000));
    const label = engine === 'postgres' ? 'PostgreSQL' : 'PGlite';
    results[`${label}: warm-up, ${CUSTOMERS} new contacts' first messages at ${warmupRate}/s: answered per second, p50 / p99 ms, unanswered after 30 s`] =
      `${Math.round(warmup.perSecond)}, ${warmup.latencyP50} / ${warmup.latencyP99}, ${warmup.errors}`;

    const rate = RATES[engine]!;
    const run = `${engine}-${Date.now().toString(36)}`;
    const cpuBefore = cpuMs(server.pid!);
    const started = performance.now();
    const result = await flood(channel.id, rate, SECONDS, run, DUPLICATE_EVERY);
    const wall = (performance.now() - started) / 1000;
    const serverCpu = cpuMs(server.pid!) - cpuBefore;

    let counted: { stored: number; distinct_ids: number };
    if (engine === 'postgres') {
      const database = await openDatabase({ databaseUrl });
      counted = await countStored(database, channel.id, run);
      await database.close();
    } else {
      // The embedded database is the server's own: counted once the server has stopped.
      await stop(server);
      stopped = true;
      const database = await openDatabase({ dataDir });
      counted = await countStored(database, channel.id, run);
      await database.close();
    }

    results[`${label}: signed WhatsApp webhooks paced at ${rate}/s for ${SECONDS} s (${CONNECTIONS} connections, ${CUSTOMERS} known contacts): answered per second`] = Math.round(result.perSecond);
    // Over the time the load took to be answered in full: a server that falls behind answers for longer.
    const floodSeconds = result.requests / result.perSecond;
    results[`  ${label}: messages stored per second (counted in the database, over the time until the last answer)`] = Math.round(counted.stored / floodSeconds);
    results[`  ${label}: answer latency p50 / p99, ms (from when each request was due)`] = `${result.latencyP50} / ${result.latencyP99}`;
    results[`  ${label}: non-2xx / unanswered after 30 s`] = `${result.non2xx} / ${result.errors}`;
    results[`  ${label}: unique messages sent / stored / distinct ids stored; repeats sent / answered as duplicates`] =
      `${result.unique} / ${counted.stored} / ${counted.distinct_ids}; ${result.repeats} / ${result.duplicates}`;
    results[`  ${label}: each stored exactly once`] = counted.stored === result.unique && counted.distinct_ids === counted.stored && result.duplicates === result.repeats ? 'yes' : 'NO';
    results[`  ${label}: server process CPU per message (all threads), ms`] = round(serverCpu / result.requests);
    results[`  ${label}: server CPU use during the run, cores`] = round(serverCpu / 1000 / wall);
  } finally {
    if (!stopped) await stop(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run() {
  const results: Record<string, unknown> = { 'load average at start (1 min; the machine has 2 cores and is shared)': os.loadavg()[0]!.toFixed(2) };
  for (const engine of ENGINES) await measure(engine, results);
  return results;
}
