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
 * is spent; see bench/blocking-flood.ts), WEBHOOK_THREAD=1 (the flood goes to the webhook thread's port, WEBHOOK_PORT).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { freshPostgresDatabase, median, percentile, spawnServer, stop, waitFor } from './lib/server.js';

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
const SECRET = 'bench-blocking-shared-secret';
const port = 3930;
const base = `http://127.0.0.1:${port}`;
const webhookPort = WEBHOOK_THREAD ? port + 2 : port;
const owner = { OWNER_EMAIL: 'bench-blocking@example.test', OWNER_PASSWORD: 'bench password' };

const round = (ms: number) => Math.round(ms * 100) / 100;

/** CPU time a process has used so far (Linux /proc): tells the server's cost per message apart from the machine's load. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function api(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

async function inbound(channelId: string, identifier: string, text: string) {
  const { signBody } = await import('../src/channels/api/api.channel.js');
  const body = JSON.stringify({ contact: { identifier, name: identifier }, message: { id: `${identifier}-${Date.now()}-${Math.random()}`, text } });
  const response = await fetch(`${base}/webhooks/api/${channelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(SECRET, body) },
    body,
  });
  if (!response.ok) throw new Error(`webhook: ${response.status} ${await response.text()}`);
}

/** Runs `task` over `items`, `concurrency` at a time. */
async function inParallel<T>(items: T[], concurrency: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

/**
 * Reads of other conversations' newest 50 messages for `seconds`, over keep-alive connections with
 * node:http (fetch cost the shared cores more). With PROBE_RATE 0, one request at a time, as fast
 * as the server answers (a closed loop: the probe is most of the load). With PROBE_RATE n, n
 * requests a second spread over the conversations, each due at its own moment and timed from then,
 * like a team of agents opening conversations (an open loop).
 */
async function probe(token: string, paths: string[], seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: PROBE_RATE > 0 ? 16 : 1 });
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const request = http.get(`${base}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode!));
      });
      request.once('error', reject);
    });
  const latencies: number[] = [];
  const timed = async (path: string, due: number) => {
    const status = await get(path);
    if (status !== 200) throw new Error(`probe: ${status}`);
    latencies.push(performance.now() - due);
  };
  const started = performance.now();
  const until = started + seconds * 1000;
  if (PROBE_RATE === 0) {
    for (let n = 0; performance.now() < until; n++) await timed(paths[n % paths.length]!, performance.now());
  } else {
    const sent: Promise<void>[] = [];
    const total = Math.round(PROBE_RATE * seconds);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        // Request k is due at k / rate seconds: by now, every one up to floor(elapsed × rate) is.
        const due = Math.min(total, Math.floor(((performance.now() - started) * PROBE_RATE) / 1000) + 1);
        while (sent.length < due) sent.push(timed(paths[sent.length % paths.length]!, started + (sent.length * 1000) / PROBE_RATE));
        if (sent.length >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await Promise.all(sent);
  }
  agent.destroy();
  return latencies;
}

const summary = (latencies: number[]) => `${round(percentile(latencies, 50))} / ${round(percentile(latencies, 99))} (n=${latencies.length})`;

type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number };

function flood(channelId: string, identifiers: string[], seconds: number, rate: number): Promise<FloodResult> {
  const options = { url: `http://127.0.0.1:${webhookPort}/webhooks/api/${channelId}`, secret: SECRET, identifiers, connections: CONNECTIONS, duration: seconds, rate, bursty: BURSTY };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/blocking-flood.ts'], {
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
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, 'switchboard_bench_blocking');
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner,
    ...(WEBHOOK_THREAD ? { WEBHOOK_PORT: String(webhookPort) } : {}),
  });
  const sql = new pg.Client({ connectionString: databaseUrl });
  try {
    await waitFor(`${base}/readyz`);
    await sql.connect();
    const { token } = (await (
      await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD }),
      })
    ).json()) as { token: string };
    const channel = (await api(token, 'POST', '/api/v1/channels', { type: 'api', name: 'Bench', settings: { webhookUrl: 'http://127.0.0.1:9/unused', secret: SECRET } })) as { id: string };

    /** A contact writes once; more of its history is added in SQL (10k webhook calls would only slow the setup). */
    async function contactWithHistory(identifier: string, messages: number) {
      await inbound(channel.id, identifier, 'first message');
      const { rows } = await sql.query(
        `select v.id as conversation_id, v.contact_id, v.workspace_id from conversations v
         join contact_channels cc on cc.contact_id = v.contact_id where cc.channel_id = $1 and cc.identifier = $2`,
        [channel.id, identifier],
      );
      const { conversation_id: conversationId, contact_id: contactId, workspace_id: workspaceId } = rows[0];
      await sql.query(
        `insert into messages (id, workspace_id, conversation_id, channel_id, direction, type, text, status, provider_message_id, search_vector, created_at, updated_at)
         select gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, case when i % 3 = 0 then 'out' else 'in' end, 'message', 'history message ' || i,
                case when i % 3 = 0 then 'sent' else 'received' end, 'seed-' || $2::text || '-' || i, to_tsvector('simple', 'history message ' || i),
                now() - make_interval(secs => i), now() - make_interval(secs => i)
         from generate_series(1, $4::int) i`,
        [workspaceId, conversationId, channel.id, messages],
      );
      return { conversationId: conversationId as string, contactId: contactId as string };
    }

    const others: Array<{ conversationId: string; contactId: string }> = [];
    for (let n = 0; n < OTHERS; n++) others.push(await contactWithHistory(`honest-customer-${n}`, 300));
    const big = await contactWithHistory('big-history', 10_000);
    const spammers = Array.from({ length: SPAMMERS }, (_, n) => `spammer-${n}`);
    await inParallel(spammers, 16, (identifier) => inbound(channel.id, identifier, 'hello'));
    const { rows: spammerContacts } = await sql.query(`select contact_id from contact_channels where channel_id = $1 and identifier like 'spammer-%'`, [channel.id]);
    await inParallel(spammerContacts, 8, (row: { contact_id: string }) => api(token, 'POST', `/api/v1/contacts/${row.contact_id}/block`));
    await sql.query('analyze');

    const hiddenCount = async () => Number((await sql.query('select count(*) from messages where hidden')).rows[0].count);
    const messagesPaths = others.map((other) => `/api/v1/conversations/${other.conversationId}/messages?limit=50`);
    await probe(token, messagesPaths, 2); // warm-up

    const hiddenBefore = await hiddenCount();
    const cpuBefore = cpuMs(server.pid!);
    const started = performance.now();
    const maxFlood = await flood(channel.id, spammers, FLOOD_SECONDS, 0);
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
      const quiet = await probe(token, messagesPaths, PROBE_SECONDS);
      const during = flood(channel.id, spammers, PROBE_SECONDS + 2, FLOOD_RATE);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const loud = await probe(token, messagesPaths, PROBE_SECONDS);
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
      await api(token, 'POST', `/api/v1/contacts/${big.contactId}/block`);
      blockTimes.push(performance.now() - startedBlock);
      await api(token, 'POST', `/api/v1/contacts/${big.contactId}/unblock`);
      await api(token, 'POST', `/api/v1/conversations/${big.conversationId}/open`);
    }
    results['POST /contacts/:id/block, contact with 10,000 messages and an open conversation: median / max of 5, ms'] = `${round(median(blockTimes))} / ${round(Math.max(...blockTimes))}`;
    return results;
  } finally {
    await sql.end().catch(() => undefined);
    await stop(server);
  }
}
