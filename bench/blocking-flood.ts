/**
 * The spam flood of bench/blocking.bench.ts, in its own process so that generating load does not
 * delay the latency probe's timers: signed API-channel webhooks from the given identifiers, each
 * with a new message id, for `duration` seconds. Prints the figures as one JSON line.
 *
 * - `rate` 0: as fast as `connections` connections go (autocannon), for the flood's capacity.
 * - `rate` N: N requests per second, paced evenly (a few every millisecond) over up to
 *   `connections` keep-alive connections, as a flood arriving from the network does. autocannon's
 *   own rate limit is not used for this: each connection sends flat out until its share of the
 *   second is spent and then waits for the next second, so "2,000/s" would be 5,000/s bursts for
 *   0.4 s of every second. `bursty: true` measures that shape anyway.
 *
 *   FLOOD='{"url","secret","identifiers","connections","duration","rate","bursty"?}' npx tsx bench/blocking-flood.ts
 */
import net from 'node:net';
import autocannon from 'autocannon';
import { signBody } from '../src/channels/api/api.channel.js';

type FloodOptions = { url: string; secret: string; identifiers: string[]; connections: number; duration: number; rate: number; bursty?: boolean };
type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number };

const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
let sent = 0;
const run = `${process.pid}-${Date.now().toString(36)}`;

function nextRequest() {
  const n = sent++;
  const identifier = options.identifiers[n % options.identifiers.length]!;
  const body = JSON.stringify({ contact: { identifier }, message: { id: `flood-${run}-${n}`, text: `CHEAP FOLLOWERS ${n} at spam.example` } });
  return { body, headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(options.secret, body) } };
}

async function withAutocannon(): Promise<FloodResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    overallRate: options.rate || undefined,
    requests: [{ setupRequest: (request) => ({ ...request, ...nextRequest() }) }],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}

/**
 * Open loop over raw keep-alive sockets: each request is due at its own moment, and its latency
 * counts from then (no coordinated omission). Requests are built and signed before the clock
 * starts and answers are only framed, not parsed, so the generator takes as little of the two
 * cores as it can: on this machine the flood arrives from the same box, not from the network.
 */
async function paced(): Promise<FloodResult> {
  const url = new URL(options.url);
  const total = Math.round(options.rate * options.duration);
  const requests = Array.from({ length: total }, () => {
    const { body, headers } = nextRequest();
    const head = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: ${headers['content-type']}\r\nx-switchboard-signature: ${headers['x-switchboard-signature']}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return Buffer.from(head + body);
  });
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  type Connection = { socket: net.Socket; due: number; buffered: Buffer };
  const idle: Connection[] = [];
  const waiting: number[] = [];
  let next = 0;
  const write = (connection: Connection, due: number) => {
    connection.due = due;
    connection.socket.write(requests[next++]!);
  };
  const connections = await Promise.all(
    Array.from({ length: options.connections }, () => new Promise<Connection>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => resolve(connection));
      socket.setNoDelay(true);
      const connection: Connection = { socket, due: 0, buffered: Buffer.alloc(0) };
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        connection.buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
        const headEnd = connection.buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = connection.buffered.subarray(0, headEnd).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (connection.buffered.length < headEnd + 4 + length) return;
        connection.buffered = connection.buffered.subarray(headEnd + 4 + length);
        if (!head.startsWith('HTTP/1.1 2')) non2xx++;
        latencies.push(performance.now() - connection.due);
        const due = waiting.shift();
        if (due === undefined) idle.push(connection);
        else write(connection, due);
      });
    })),
  );
  idle.push(...connections);
  for (const { socket } of connections) socket.on('error', () => errors++);
  const started = performance.now();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Request k is due at k / rate seconds: by now, every one up to floor(elapsed × rate) is.
      const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const at = started + (issued * 1000) / options.rate;
        const connection = idle.pop();
        if (connection) write(connection, at);
        else waiting.push(at);
      }
      if (issued >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const deadline = performance.now() + 10_000;
  while (latencies.length + errors < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  errors += total - latencies.length - errors;
  const seconds = (performance.now() - started) / 1000;
  for (const { socket } of connections) socket.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]! * 100) / 100;
  return { requests: issued, perSecond: issued / seconds, non2xx, errors, latencyP50: at(50), latencyP99: at(99) };
}

const result = options.rate && !options.bursty ? await paced() : await withAutocannon();
console.log(JSON.stringify(result));
