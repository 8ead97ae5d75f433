/**
 * Inbox benchmarks against a database filled by bench/seed-inbox.ts, through a real server
 * process over HTTP and WebSocket:
 *   - inbox first page (several inboxes and roles), latest 50 messages, conversation search: p50/p95/p99
 *   - WebSocket fan-out: CLIENTS connections while inbound messages arrive at RATE per second;
 *     latency from the webhook POST to each client receiving `message.created`: p50/p95/p99
 *
 *   DATABASE_URL=postgres://… npx tsx bench/inbox.bench.ts
 *   DATA_DIR=/tmp/sb-bench npx tsx bench/inbox.bench.ts
 * Options (env): NEW_CONTACTS=1, REPEAT (per query, default 60), CLIENTS (200), RATE (200), SECONDS (10, measured after WARMUP, 3), ONLY=fanout|queries.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { signBody } from '../src/channels/api/api.channel.js';
import { loadConfig } from '../src/platform/config.js';
import { cpuMs, login, startSourceServer } from './lib/server.js';

const REPEAT = Number(process.env.REPEAT ?? 60);
const CLIENTS = Number(process.env.CLIENTS ?? 200);
const RATE = Number(process.env.RATE ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 10);
/** NEW_CONTACTS=1: every run's 2,000 contacts are new (first messages); otherwise they are known after the first run. */
const NEW_CONTACTS = process.env.NEW_CONTACTS === '1';
/** Seconds of the same traffic before measuring: new database connections, cold caches and the JIT. */
const WARMUP = Number(process.env.WARMUP ?? 3);
const PORT = Number(process.env.BENCH_PORT ?? 3917);

const config = loadConfig({ ...process.env, PORT: String(PORT) }, []);
const manifest = JSON.parse(readFileSync(process.env.BENCH_MANIFEST ?? path.join(config.dataDir, 'inbox-bench.json'), 'utf8')) as {
  password: string;
  ownerEmail: string;
  agentEmails: string[];
  teamIds: string[];
  channelId: string;
  secret: string;
  conversations: number;
  messages: number;
  engine: string;
};
const base = `http://127.0.0.1:${PORT}`;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}
const round = (ms: number) => Math.round(ms * 10) / 10;

async function timed(url: string, token: string): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function measure(label: string, token: string, urls: string[]) {
  for (const url of urls.slice(0, 5)) await timed(url, token);
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) for (const url of urls) samples.push((await timed(url, token)).ms);
  const result = percentiles(samples);
  console.log(`${label.padEnd(34)} n=${result.n}  p50 ${result.p50} ms  p95 ${result.p95} ms  p99 ${result.p99} ms  max ${result.max} ms`);
  return result;
}

/** Each `message.created` of a frame (one event, or an array of those sent together) and the marker in its text. */
const CREATED = /"type":"message\.created"[^]*?(fanout-\d+-\d+)/g;

async function fanOut(tokens: string[]) {
  // Message ids are new on every run: a provider id seen before is (rightly) a duplicate.
  const run = Date.now();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${tokens[i % tokens.length]}`);
    // Only what the measurement needs: a full JSON.parse of every frame would make the clients the bottleneck.
    socket.on('message', (raw: Buffer) => {
      const now = performance.now();
      for (const [, marker] of raw.toString('latin1').matchAll(CREATED)) {
        const at = sentAt.get(marker!);
        if (at !== undefined) latencies.push(now - at);
      }
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    sockets.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));

  const webhookMs: number[] = [];
  let failures = 0;
  const warmup = RATE * WARMUP;
  const total = warmup + RATE * SECONDS;
  let sequence = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  // Paced by the clock: message n goes out at n / RATE seconds, whatever the previous ones took.
  while (sequence < total) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    while (sequence < Math.min(due, total)) {
      const marker = `fanout-${run}-${++sequence}`;
      const body = JSON.stringify({
        contact: { identifier: `fanout-contact-${NEW_CONTACTS ? `${run}-` : ''}${sequence % 2000}`, name: `Fan Out ${sequence % 2000}` },
        message: { id: marker, text: `Benchmark ${marker} where is my order` },
      });
      const t0 = performance.now();
      const measured = sequence > warmup;
      if (measured) sentAt.set(marker, t0);
      const request = fetch(`${base}/webhooks/api/${manifest.channelId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(manifest.secret, body) },
        body,
      }).then(
        async (response) => {
          await response.arrayBuffer();
          if (!response.ok) failures++;
          else if (measured) webhookMs.push(performance.now() - t0);
        },
        () => {
          failures++;
        },
      );
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const expected = (total - warmup) * CLIENTS;
  for (let i = 0; i < 100 && latencies.length < expected; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const socket of sockets) socket.close();

  const fan = percentiles(latencies);
  const hook = percentiles(webhookMs);
  console.log(`fan-out ${CLIENTS} clients, ${total} messages in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), the first ${warmup} not measured`);
  console.log(`  deliveries ${fan.n}/${expected}  p50 ${fan.p50} ms  p95 ${fan.p95} ms  p99 ${fan.p99} ms  max ${fan.max} ms`);
  console.log(`  webhook answer  p50 ${hook.p50} ms  p95 ${hook.p95} ms  p99 ${hook.p99} ms  failed ${failures}`);
}

async function main() {
  console.log(`engine ${manifest.engine}: ${manifest.conversations} conversations, ${manifest.messages} messages`);
  const server = await startSourceServer(PORT);
  try {
    const owner = await login(base, manifest.ownerEmail, manifest.password);
    const agents = [];
    for (const email of manifest.agentEmails) agents.push(await login(base, email, manifest.password));
    const agent = agents[0]!;

    if (process.env.ONLY !== 'fanout') await queries(owner, agent);
    if (process.env.ONLY === 'queries') return;
    const cpuBefore = [process.cpuUsage(), cpuMs(server.pid)] as const;
    const started = performance.now();
    await fanOut([owner, ...agents]);
    const wall = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(cpuBefore[0]);
    console.log(
      `  CPU during fan-out: server ${((cpuMs(server.pid) - cpuBefore[1]) / 1000 / wall).toFixed(2)} cores, ` +
        `clients and load ${((clientCpu.user + clientCpu.system) / 1e6 / wall).toFixed(2)} cores (machine: ${os.cpus().length} cores)`,
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

async function queries(owner: string, agent: string) {
    await measure('inbox first page (owner, all)', owner, ['/api/v1/conversations?inbox=all&limit=50']);
    await measure('inbox first page (owner, open)', owner, ['/api/v1/conversations?inbox=all&status=open&limit=50']);
    await measure('inbox first page (agent, mine)', agent, ['/api/v1/conversations?inbox=mine&limit=50']);
    await measure('inbox first page (unassigned)', agent, ['/api/v1/conversations?inbox=unassigned&status=open&limit=50']);
    await measure('inbox first page (team)', agent, [`/api/v1/conversations?inbox=team:${manifest.teamIds[0]}&limit=50`]);

    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body }: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await timed(
        `/api/v1/conversations?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        owner,
      );
      ids.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    const sample = Array.from({ length: 20 }, (_, i) => ids[Math.floor((i * ids.length) / 20)]!);
    await measure('latest 50 messages', agent, sample.map((id) => `/api/v1/conversations/${id}/messages?limit=50`));

    const terms = ['order', 'refund', 'rechnung', 'w17', 'w31234', 'w49999', 'order parcel', 'Schmidt 42', 'customer123@', '+491500000', 'nosuchword'];
    for (const q of terms) await measure(`search "${q}"`, agent, [`/api/v1/conversations?q=${encodeURIComponent(q)}&limit=50`]);
    await measure('search, all queries', agent, terms.map((q) => `/api/v1/conversations?q=${encodeURIComponent(q)}&limit=50`));
}

await main();
