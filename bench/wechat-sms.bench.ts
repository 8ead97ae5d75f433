/**
 * WeChat and SMS (Twilio) webhooks into one server process (issue 13), on PostgreSQL: signed
 * webhooks in each provider's real format (WeChat's XML with its query signature, Twilio's form
 * with X-Twilio-Signature over PUBLIC_URL), one message each, paced evenly at RATE a second (an
 * open loop), from CUSTOMERS known contacts, every DUPLICATE_EVERY-th a repeat. Targets: ≥ 1,000
 * messages/s with p99 answer < 50 ms, each stored exactly once; beside it the server's CPU time
 * per message. Kept under a minute: SECONDS (8) per provider after a short warm-up.
 *
 *   npm run bench -- wechat-sms
 * Options (env): RATE (1000), SECONDS (8), CUSTOMERS (300), CONNECTIONS (64), DUPLICATE_EVERY (50), WARMUP_SECONDS (3).
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../src/platform/db/client.js';
import { apiCall, cpuMs, freshPostgresDatabase, login, runFlood, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RATE = Number(process.env.RATE ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 8);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 300);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const DUPLICATE_EVERY = Number(process.env.DUPLICATE_EVERY ?? 50);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 3);
const DATABASE = 'switchboard_bench_issue_13_wechat_sms';
const WECHAT_TOKEN = 'BenchToken13';
const TWILIO = { accountSid: `AC${'b'.repeat(32)}`, authToken: 'bench-twilio-auth-token-0000' };
const port = 3985;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-wechat-sms@example.test', OWNER_PASSWORD: 'bench password' };

type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number; unique: number; repeats: number; ids: string[] };

const round = (value: number) => Math.round(value * 100) / 100;

function flood(options: Record<string, unknown>): Promise<FloodResult> {
  return runFlood<FloodResult>('bench/wechat-sms-flood.ts', options);
}

const api = (token: string, method: string, route: string, body?: unknown) => apiCall(base, token, method, route, body);

export async function run() {
  const results: Record<string, unknown> = { 'load average at start (1 min; the machine has 2 cores and is shared)': os.loadavg()[0]!.toFixed(2) };
  const databaseUrl = await freshPostgresDatabase(adminUrl, DATABASE);
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), PUBLIC_URL: base, DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner });
  const database = await openDatabase({ databaseUrl });
  try {
    await waitFor(`${base}/readyz`);
    const token = await login(base, owner.OWNER_EMAIL, owner.OWNER_PASSWORD);
    const channels = {
      wechat: await api(token, 'POST', '/api/v1/channels', {
        type: 'wechat',
        name: 'Bench WeChat',
        settings: { appId: 'wxbench', appSecret: 'unused-secret', token: WECHAT_TOKEN, apiBaseUrl: 'http://127.0.0.1:9' },
      }),
      sms: await api(token, 'POST', '/api/v1/channels', {
        type: 'sms',
        name: 'Bench SMS',
        settings: { ...TWILIO, fromNumber: '+14155550100', apiBaseUrl: 'http://127.0.0.1:9' },
      }),
    };
    for (const provider of ['wechat', 'sms'] as const) {
      const channel = channels[provider];
      const common = { provider, url: `${base}/webhooks/${provider}/${channel.id}`, secret: provider === 'wechat' ? WECHAT_TOKEN : TWILIO.authToken, accountSid: TWILIO.accountSid, customers: CUSTOMERS, connections: CONNECTIONS };
      const label = provider === 'wechat' ? 'WeChat' : 'SMS (Twilio)';
      // The customers write once first: the measured messages are those of known contacts, as most are.
      const warmupRate = Math.ceil(CUSTOMERS / WARMUP_SECONDS);
      const warmup = await flood({ ...common, rate: warmupRate, duration: WARMUP_SECONDS, duplicateEvery: 0, run: `${provider}1` });
      if (warmup.non2xx > 0) throw new Error(`${label} warm-up refused: ${JSON.stringify({ ...warmup, ids: undefined })}`);
      if (warmup.errors > 0) await new Promise((resolve) => setTimeout(resolve, 15_000));

      const cpuBefore = cpuMs(server.pid!);
      const started = performance.now();
      const result = await flood({ ...common, rate: RATE, duration: SECONDS, duplicateEvery: DUPLICATE_EVERY, run: `${provider}2` });
      const wall = (performance.now() - started) / 1000;
      const serverCpu = cpuMs(server.pid!) - cpuBefore;
      const counted = rowsOf<{ stored: number; distinct_ids: number }>(
        await database.db.execute(sql`
          select count(*)::int as stored, count(distinct provider_message_id)::int as distinct_ids from messages
          where channel_id = ${channel.id} and direction = 'in' and provider_message_id = any(string_to_array(${result.ids.join(',')}, ','))`),
      )[0]!;

      results[`${label}: signed webhooks paced at ${RATE}/s for ${SECONDS} s (${CONNECTIONS} connections, ${CUSTOMERS} known contacts): answered per second`] = Math.round(result.perSecond);
      results[`  ${label}: answer latency p50 / p99, ms (from when each request was due)`] = `${result.latencyP50} / ${result.latencyP99}`;
      results[`  ${label}: non-2xx / unanswered`] = `${result.non2xx} / ${result.errors}`;
      results[`  ${label}: unique sent / stored / distinct ids stored; repeats sent`] = `${result.unique} / ${counted.stored} / ${counted.distinct_ids}; ${result.repeats}`;
      results[`  ${label}: each stored exactly once`] = counted.stored === result.unique && counted.distinct_ids === counted.stored ? 'yes' : 'NO';
      results[`  ${label}: server process CPU per message (all threads), ms`] = round(serverCpu / result.requests);
      results[`  ${label}: server CPU use during the run, cores`] = round(serverCpu / 1000 / wall);
    }
  } finally {
    await database.close();
    await stop(server);
  }
  return results;
}
