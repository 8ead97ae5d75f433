/**
 * The load of bench/bots-webhooks.bench.ts, in its own process: webhooks of one bot provider
 * (Telegram, LINE or Viber) in its real format and authentication, one text message each from
 * `customers` contacts, paced evenly at `rate` a second for `duration` seconds over `connections`
 * keep-alive connections; every `duplicateEvery`-th request repeats an earlier one (the provider's
 * redelivery), which must not be stored twice. Prints one JSON line.
 *
 *   FLOOD='{"provider","url","secret","customers","connections","duration","rate","duplicateEvery","offset"}' npx tsx bench/bots-flood.ts
 */
import { lineSignature } from '../src/channels/line/line.channel.js';
import { viberSignature } from '../src/channels/viber/viber.channel.js';
import { pacedLoad, rawPost } from './lib/paced.js';

type FloodOptions = { provider: 'telegram' | 'line' | 'viber'; url: string; secret: string; customers: number; connections: number; duration: number; rate: number; duplicateEvery: number; offset: number };
const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
const url = new URL(options.url);
const now = Date.now();

/** One message, as the provider writes it, with the header that authenticates it. */
function request(n: number): { body: string; header: Record<string, string> } {
  const customer = n % options.customers;
  const id = options.offset + n;
  if (options.provider === 'telegram') {
    const body = JSON.stringify({
      update_id: id,
      message: { message_id: id, from: { id: 900_000 + customer, is_bot: false, first_name: 'Customer', last_name: String(customer), language_code: 'de' }, chat: { id: 900_000 + customer, type: 'private' }, date: Math.floor(now / 1000), text: `Where is my order ${n}?` },
    });
    return { body, header: { 'x-telegram-bot-api-secret-token': options.secret } };
  }
  if (options.provider === 'line') {
    const body = JSON.stringify({
      destination: 'Ubench',
      events: [{ type: 'message', mode: 'active', timestamp: now, webhookEventId: `01BENCH${id}`, deliveryContext: { isRedelivery: false }, source: { type: 'user', userId: `U${customer.toString(16).padStart(32, '0')}` }, replyToken: 'r', message: { id: String(id), type: 'text', text: `Where is my order ${n}?` } }],
    });
    return { body, header: { 'x-line-signature': lineSignature(options.secret, body) } };
  }
  // Viber's token past 2^53, as bare digits.
  const token = (4_000_000_000_000_000_000n + BigInt(id)).toString();
  const body = `{"event":"message","timestamp":${now},"chat_hostname":"SN-1","message_token":${token},"sender":{"id":"bench${customer}=","name":"Customer ${customer}","avatar":"https://media.viber.test/avatar/${customer}.jpg","country":"DE","language":"de","api_version":10},"message":{"type":"text","text":"Where is my order ${n}?"},"silent":false}`;
  return { body, header: { 'x-viber-content-signature': viberSignature(options.secret, body) } };
}

const total = Math.round(options.rate * options.duration);
const originals: number[] = [];
const requests = Array.from({ length: total }, (_, n) => {
  const repeat = options.duplicateEvery > 0 && n > 0 && n % options.duplicateEvery === 0;
  const which = repeat ? originals[Math.floor(originals.length / 2)]! : n;
  if (!repeat) originals.push(n);
  const { body, header } = request(which);
  return rawPost(url, { 'content-type': 'application/json', ...header }, body);
});

const result = await pacedLoad(url, requests, { rate: options.rate, connections: options.connections, keepAnswers: true });
let stored = 0;
let duplicates = 0;
for (const answer of result.answers) {
  for (const received of (JSON.parse(answer.toString('utf8')) as { received?: Array<{ duplicate: boolean }> }).received ?? []) {
    if (received.duplicate) duplicates++;
    else stored++;
  }
}
const { answers: _answers, ...figures } = result;
console.log(JSON.stringify({ ...figures, unique: originals.length, repeats: total - originals.length, stored, duplicates }));
