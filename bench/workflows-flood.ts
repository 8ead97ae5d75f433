/**
 * The load of bench/workflows.bench.ts, in its own process so that generating it does not delay
 * the measurement: the API channel's signed webhooks, one text message each from `customers`
 * known contacts (`wf-<n>`), each saying `text`, paced evenly at `rate` a second for `duration`
 * seconds over `connections` keep-alive connections. Prints one JSON line: the load's figures.
 *
 *   FLOOD='{"url","secret","customers","connections","duration","rate","text","run"}' npx tsx bench/workflows-flood.ts
 */
import { signBody } from '../src/channels/api/api.channel.js';
import { pacedLoad, rawPost } from './lib/paced.js';

type FloodOptions = { url: string; secret: string; customers: number; connections: number; duration: number; rate: number; text: string; run: string };
const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
const url = new URL(options.url);
const total = Math.round(options.rate * options.duration);
const requests = Array.from({ length: total }, (_, n) => {
  const identifier = `wf-${n % options.customers}`;
  const body = JSON.stringify({ contact: { identifier, name: identifier }, message: { id: `${options.run}-${n}`, text: `${options.text} (${n})` } });
  return rawPost(url, { 'content-type': 'application/json', 'x-switchboard-signature': signBody(options.secret, body) }, body);
});
const { answers: _answers, ...figures } = await pacedLoad(url, requests, { rate: options.rate, connections: options.connections });
console.log(JSON.stringify(figures));
