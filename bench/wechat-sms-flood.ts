/**
 * The load of bench/wechat-sms.bench.ts, in its own process: signed webhooks in the providers' real
 * formats, one text message each from `customers` contacts, paced evenly at `rate` a second for
 * `duration` seconds over `connections` keep-alive connections; every `duplicateEvery`-th repeats
 * an earlier message (WeChat retries a `MsgId`, Twilio a `MessageSid`). Prints one JSON line.
 *
 *   FLOOD='{"provider":"wechat"|"sms","url","secret","accountSid"?,…}' npx tsx bench/wechat-sms-flood.ts
 */
import { signTwilio, signWechat, wechatXml } from '../test/simulators/wechat-sms.js';
import { pacedLoad } from './lib/paced.js';

type FloodOptions = {
  provider: 'wechat' | 'sms';
  url: string;
  /** WeChat's token, or Twilio's auth token. */
  secret: string;
  accountSid?: string;
  customers: number;
  connections: number;
  duration: number;
  rate: number;
  duplicateEvery: number;
  run: string;
};
const options = JSON.parse(process.env.FLOOD ?? '{}') as FloodOptions;
const url = new URL(options.url);

/** A raw HTTP/1.1 POST to a path with its query (WeChat signs in the query). */
function raw(pathAndQuery: string, headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.from(`POST ${pathAndQuery} HTTP/1.1\r\nhost: ${url.host}\r\n${lines}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The `n`-th message's provider id: WeChat's numeric MsgId, Twilio's SM + 32 hex digits; the run is in each. */
const runNumber = Number.parseInt(options.run.replace(/\D/g, '').slice(-6) || '0', 10);
const providerId = (n: number) =>
  options.provider === 'wechat' ? `${900_000 + runNumber}${n.toString().padStart(9, '0')}` : `SM${runNumber.toString(16).padStart(8, '0')}${n.toString(16).padStart(24, '0')}`;

function request(n: number, id: string): Buffer {
  const customer = n % options.customers;
  if (options.provider === 'wechat') {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(n);
    const query = new URLSearchParams({ signature: signWechat(options.secret, timestamp, nonce), timestamp, nonce, openid: `oBench${customer}` });
    const body = wechatXml({ to: 'gh_bench', from: `oBench${customer}`, at: new Date(), fields: { Content: `Where is my order ${n}?` }, msgId: id });
    return raw(`${url.pathname}?${query}`, { 'content-type': 'text/xml' }, body);
  }
  const params: Record<string, string> = {
    MessageSid: id,
    SmsSid: id,
    AccountSid: options.accountSid!,
    From: `+49151${(10_000_000 + customer).toString()}`,
    To: '+14155550100',
    Body: `Where is my order ${n}?`,
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
  };
  return raw(url.pathname, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(options.secret, options.url, params) }, new URLSearchParams(params).toString());
}

const total = Math.round(options.rate * options.duration);
const originals: Array<{ n: number; id: string }> = [];
const requests = Array.from({ length: total }, (_, n) => {
  const repeat = options.duplicateEvery > 0 && n > 0 && n % options.duplicateEvery === 0;
  const message = repeat ? originals[Math.floor(originals.length / 2)]! : { n, id: providerId(n) };
  if (!repeat) originals.push(message);
  return request(message.n, message.id);
});

const { answers: _answers, ...figures } = await pacedLoad(url, requests, { rate: options.rate, connections: options.connections });
console.log(JSON.stringify({ ...figures, unique: originals.length, repeats: total - originals.length, ids: originals.map((message) => message.id) }));
