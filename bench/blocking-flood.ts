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
import autocannon from 'autocannon';
import { signBody } from '../src/channels/api/api.channel.js';
import { pacedLoad, rawPost } from './lib/paced.js';

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

/** An open loop over raw keep-alive sockets (bench/lib/paced.ts): each request due at its own moment, built and signed before the clock starts. */
async function paced(): Promise<FloodResult> {
  const url = new URL(options.url);
  const requests = Array.from({ length: Math.round(options.rate * options.duration) }, () => {
    const { body, headers } = nextRequest();
    return rawPost(url, headers, body);
  });
  const { answers: _answers, ...figures } = await pacedLoad(url, requests, { rate: options.rate, connections: options.connections });
  return figures;
}

const result = options.rate && !options.bursty ? await paced() : await withAutocannon();
console.log(JSON.stringify(result));
