/**
 * The load of bench/meta-webhooks.bench.ts, in its own process so that generating it does not
 * delay the measurement: signed WhatsApp Cloud API webhooks in Meta's real format, one message
 * each from `customers` contacts, paced evenly at `rate` a second for `duration` seconds over
 * `connections` keep-alive connections. Every `duplicateEvery`-th request repeats an earlier
 * message (Meta's at-least-once delivery), which must not be stored twice. Prints one JSON line:
 * the load's figures and what the answers said was stored.
 *
 *   FLOOD='{"url","appSecret","phoneNumberId","customers","connections","duration","rate","duplicateEvery"}' npx tsx bench/meta-flood.ts
 */
import { metaSignature } from '../src/channels/meta/meta-platform.js';
import { pacedLoad, rawPost } from './lib/paced.js';

type FloodOptions = { url: string; appSecret: string; phoneNumberId: string; customers: number; connections: number; duration: number; rate: number; duplicateEvery: number; run: string };
const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
const url = new URL(options.url);
const timestamp = String(Math.floor(Date.now() / 1000));

/** A customer's WhatsApp id: a German mobile number, as Meta sends it (no `+`). The bench names them alike. */
const customerId = (n: number) => `49151${(10_000_000 + n).toString()}`;

function payload(n: number, wamid: string) {
  const from = customerId(n % options.customers);
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-BENCH',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550100100', phone_number_id: options.phoneNumberId },
              contacts: [{ profile: { name: `Customer ${n % options.customers}` }, wa_id: from }],
              messages: [{ from, id: wamid, timestamp, type: 'text', text: { body: `Where is my order ${n}?` } }],
            },
          },
        ],
      },
    ],
  });
}

const total = Math.round(options.rate * options.duration);
const originals: Array<{ n: number; wamid: string }> = [];
const requests = Array.from({ length: total }, (_, n) => {
  const repeat = options.duplicateEvery > 0 && n > 0 && n % options.duplicateEvery === 0;
  // A repeat is of a message sent a while before, as Meta retries one whose answer it missed.
  const message = repeat ? originals[Math.floor(originals.length / 2)]! : { n, wamid: `wamid.BENCH-${options.run}-${n}` };
  if (!repeat) originals.push(message);
  const body = payload(message.n, message.wamid);
  return rawPost(url, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(options.appSecret, body) }, body);
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
