/**
 * The spam flood of bench/blocking.bench.ts, in its own process so that generating load does not
 * delay the latency probe's timers: signed API-channel webhooks from the given identifiers, each
 * with a new message id, for DURATION seconds at RATE per second (unlimited when 0). Prints the
 * autocannon figures as one JSON line.
 *
 *   FLOOD='{"url","secret","identifiers","connections","duration","rate"}' npx tsx bench/blocking-flood.ts
 */
import autocannon from 'autocannon';
import { signBody } from '../src/channels/api/api.channel.js';

type FloodOptions = { url: string; secret: string; identifiers: string[]; connections: number; duration: number; rate: number };

const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
let sent = 0;
const run = `${process.pid}-${Date.now().toString(36)}`;

const result = await autocannon({
  url: options.url,
  method: 'POST',
  connections: options.connections,
  duration: options.duration,
  overallRate: options.rate || undefined,
  requests: [
    {
      setupRequest(request) {
        const n = sent++;
        const identifier = options.identifiers[n % options.identifiers.length]!;
        const body = JSON.stringify({ contact: { identifier }, message: { id: `flood-${run}-${n}`, text: `CHEAP FOLLOWERS ${n} at spam.example` } });
        return { ...request, body, headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(options.secret, body) } };
      },
    },
  ],
});

console.log(
  JSON.stringify({
    requests: result.requests.total,
    perSecond: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  }),
);
