/**
 * Blocking figures (issue 5) on PostgreSQL, through a real server process (the bundle that
 * `npm start` runs: `node scripts/build.mjs` first):
 *   - a spam flood from blocked contacts through the API channel's signed webhook: messages per
 *     second stored and hidden (target ≥ 2,000/s);
 *   - another conversation's GET …/messages p99, alone and during a flood of FLOOD_RATE blocked
 *     messages per second (target: at most 20% slower);
 *   - POST /contacts/:id/block for a contact whose conversation has 10,000 messages (target < 100 ms).
 * The "10 running workflows" wait for the Workflows module: a block stops them through the
 * `contact.blocked` event, after the block's commit, so they add nothing to the call measured here.
 *
 *   npm run bench -- blocking      # PostgreSQL at BENCH_DATABASE_URL or the local `test` server
 * Options (env): SPAMMERS (500), CONNECTIONS (32), FLOOD_SECONDS (10), FLOOD_RATE (2000), PROBE_SECONDS (10), ROUNDS (3),
 * OTHERS (1: conversations the probe reads), PROBE_RATE (0: one request at a time; n: n per second, open loop),
 * BURSTY=1 (the rated flood as autocannon's rate limit shapes it: flat out until each second's share
 * is spent; see bench/blocking-flood.ts), WEBHOOK_THREAD=1 (the flood goes to the webhook thread's port, WEBHOOK_PORT),
 * INSTRUMENTS_NICE=1 (flood generator at nice 19, probe at -10: needs root).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { benchWorkspace, inParallel } from './lib/workspace.js';
import { cpuMs, freshPostgresDatabase, median, percentile, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SPAMMERS = Number(process.env.SPAMMERS ?? 500);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const FLOOD_SECONDS = Number(process.env.FLOOD_SECONDS ?? 10);
const FLOOD_RATE = Number(process.env.FLOOD_RATE ?? 2000);
const PROBE_SECONDS = Number(process.env.PROBE_SECONDS ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PROBE_RATE = Number(process.env.PROBE_RATE ?? 0);
const OTHERS = Number(process.env.OTHERS ?? 1);
const BURSTY = process.env.BURSTY === '1';
/** WEBHOOK_THREAD=1: the server serves webhooks from a thread of its own on another port (WEBHOOK_PORT), and the flood goes there. */
const WEBHOOK_THREAD = process.env.WEBHOOK_THREAD === '1';
/** INSTRUMENTS_NICE=1: the flood generator runs at the lowest priority and the probe at a raised one, so that the instruments' own CPU weighs less on what they measure. */
const INSTRUMENTS_NICE = process.env.INSTRUMENTS_NICE === '1';
const SECRET = 'bench-blocking-shared-secret';
const port = 3930;
const base = `http://127.0.0.1:${port}`;
const webhookPort = WEBHOOK_THREAD ? port + 2 : port;
const workspace = benchWorkspace(base, SECRET);
const owner = { OWNER_EMAIL: 'bench-blocking@example.test', OWNER_PASSWORD: 'bench password' };

const round = (ms: number) => Math.round(ms * 100) / 100;

const summary = (latencies: number[]) => `${round(percentile(latencies, 50))} / ${round(percentile(latencies, 99))} (n=${latencies.length})`;

type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number };

function flood(channelId: string, identifiers: string[], seconds: number, rate: number): Promise<FloodResult> {
  const options = { url: `http://127.0.0.1:${webhookPort}/webhooks/api/${channelId}`, secret: SECRET, identifiers, connections: CONNECTIONS, duration: seconds, rate, bursty: BURSTY };
  const command = [process.execPath, '--import', 'tsx', 'bench/blocking-flood.ts'];
  if (INSTRUMENTS_NICE) command.unshift('nice', '-n', '19');
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, FLOOD: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').at(-1)!) as FloodResult) : reject(new Error(`flood exited ${code}`))));
  });
}

export async function run() {
  if (INSTRUMENTS_NICE) os.setPriority(-10); // the probe runs on this thread (Linux sets a priority per thread)
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, 'switchboard_bench_blocking');
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner,
    ...(WEBHOOK_THREAD ? { WEBHOOK_PORT: String(webhookPort) } : {}),
  });
  const sql = new pg.Client({ connectionString: databaseUrl });
  try {
    await waitFor(`${base}/readyz`);
    await sql.connect();
    const token = await workspace.login(owner.OWNER_EMAIL, owner.OWNER_PASSWORD);
    const channelId = await workspace.apiChannel(token);
    const contactWithHistory = (identifier: string, messages: number) => workspace.contactWithHistory(sql, channelId, identifier, messages);

    const others: Array<{ conversationId: string; contactId: string }> = [];
    for (let n = 0; n < OTHERS; n++) others.push(await contactWithHistory(`honest-customer-${n}`, 300));
    const big = await contactWithHistory('big-history', 10_000);
    const spammers = Array.from({ length: SPAMMERS }, (_, n) => `spammer-${n}`);
    await inParallel(spammers, 16, (identifier) => workspace.inbound(channelId, identifier, 'hello'));
    const { rows: spammerContacts } = await sql.query(`select contact_id from contact_channels where channel_id = $1 and identifier like 'spammer-%'`, [channelId]);
    await inParallel(spammerContacts, 8, (row: { contact_id: string }) => workspace.api(token, 'POST', `/api/v1/contacts/${row.contact_id}/block`));
    await sql.query('analyze');

    const hiddenCount = async () => Number((await sql.query('select count(*) from messages where hidden')).rows[0].count);
    const messagesPaths = others.map((other) => `/api/v1/conversations/${other.conversationId}/messages?limit=50`);
    await workspace.probe(token, messagesPaths, 2, PROBE_RATE); // warm-up

    const hiddenBefore = await hiddenCount();
    const cpuBefore = cpuMs(server.pid!);
    const started = performance.now();
    const maxFlood = await flood(channelId, spammers, FLOOD_SECONDS, 0);
    const seconds = (performance.now() - started) / 1000;
    const stored = (await hiddenCount()) - hiddenBefore;
    const serverCpu = cpuMs(server.pid!) - cpuBefore;
    results[`Spam flood from ${SPAMMERS} blocked contacts (${CONNECTIONS} connections, ${FLOOD_SECONDS} s): messages stored and hidden per second`] = Math.round(
      stored / FLOOD_SECONDS,
    );
    results['  webhook answers per second (autocannon) / non-2xx / errors'] = `${Math.round(maxFlood.perSecond)} / ${maxFlood.non2xx} / ${maxFlood.errors}`;
    results['  webhook latency p50 / p99, ms'] = `${maxFlood.latencyP50} / ${maxFlood.latencyP99}`;
    results['  wall time of the flood process (start-up included), s'] = round(seconds);
    results['  server process CPU per stored message, ms'] = round(serverCpu / stored);

    // Alone and during a flood, in turns: the machine drifts over minutes, and each condition gets the same share of it.
    const alone: number[] = [];
    const flooded: number[] = [];
    const floods: FloodResult[] = [];
    const ratios: string[] = [];
    for (let turn = 0; turn < ROUNDS; turn++) {
      const quiet = await workspace.probe(token, messagesPaths, PROBE_SECONDS, PROBE_RATE);
      const during = flood(channelId, spammers, PROBE_SECONDS + 2, FLOOD_RATE);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const loud = await workspace.probe(token, messagesPaths, PROBE_SECONDS, PROBE_RATE);
      floods.push(await during);
      alone.push(...quiet);
      flooded.push(...loud);
      ratios.push(`${Math.round((percentile(loud, 99) / percentile(quiet, 99) - 1) * 100)}%`);
    }
    const shape = `${BURSTY ? 'bursts (autocannon rate limit)' : 'paced evenly'}${WEBHOOK_THREAD ? ', to the webhook thread' : ''}`;
    const achieved = Math.round(floods.reduce((sum, f) => sum + f.perSecond, 0) / floods.length);
    const reads = PROBE_RATE > 0 ? `${PROBE_RATE}/s over ${OTHERS} conversations` : `one at a time, ${OTHERS} conversation(s)`;
    results[`Other conversations' GET …/messages (${reads}) alone, ${ROUNDS} × ${PROBE_SECONDS} s: p50 / p99, ms`] = summary(alone);
    results[`  during a flood at ${FLOOD_RATE}/s, ${shape} (${achieved}/s achieved), in turns with the above: p50 / p99, ms`] = summary(flooded);
    results["  the flood's own webhook latency p50 / p99 per turn, ms"] = floods.map((f) => `${f.latencyP50} / ${f.latencyP99}`).join('; ');
    results['  p99 change (each turn)'] = `${Math.round((percentile(flooded, 99) / percentile(alone, 99) - 1) * 100)}% (${ratios.join(', ')})`;

    const blockTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const startedBlock = performance.now();
      await workspace.api(token, 'POST', `/api/v1/contacts/${big.contactId}/block`);
      blockTimes.push(performance.now() - startedBlock);
      await workspace.api(token, 'POST', `/api/v1/contacts/${big.contactId}/unblock`);
      await workspace.api(token, 'POST', `/api/v1/conversations/${big.conversationId}/open`);
    }
    results['POST /contacts/:id/block, contact with 10,000 messages and an open conversation: median / max of 5, ms'] = `${round(median(blockTimes))} / ${round(Math.max(...blockTimes))}`;
    return results;
  } finally {
    await sql.end().catch(() => undefined);
    await stop(server);
  }
}
