import { describe, expect, it } from 'vitest';
import type { ChannelContext, HttpRequest, OutboundMessage, WebhookRequest } from '../channel-registry.js';
import { decideSend, type WindowInput } from '../messaging-window.rules.js';
import { chatbotCounter, SIGNATURE_HEADER, viberChannel, type ViberSettings, viberSignature, viberWindow } from './viber.channel.js';

const settings: ViberSettings = { authToken: '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9', apiBaseUrl: 'https://viber.example.test', commercialTerms: false };
const signed = (body: string, token = settings.authToken): WebhookRequest => ({
  rawBody: Buffer.from(body),
  headers: { [SIGNATURE_HEADER]: viberSignature(token, body) },
  query: {},
  url: 'https://inbox.example.test/webhooks/viber/x',
});
const parse = (body: string) => viberChannel.parseWebhook(signed(body), settings);
const HOUR = 3600_000;

describe('Viber webhooks', () => {
  it('verifies the hex HMAC-SHA256 of the raw body with the auth token', () => {
    const body = '{"event":"webhook","timestamp":1457764197627,"message_token":241256543215}';
    expect(viberChannel.verifyWebhook(signed(body), settings)).toBe(true);
    expect(viberChannel.verifyWebhook(signed(body, 'another-token-entirely'), settings)).toBe(false);
    expect(viberChannel.verifyWebhook({ ...signed(body), rawBody: Buffer.from(body.replace('webhook', 'Webhook')) }, settings)).toBe(false);
    expect(viberChannel.verifyWebhook({ ...signed(body), headers: {} }, settings)).toBe(false);
  });

  it('a message: the token past 2^53 kept digit for digit; the contact with name, avatar, country (UK is GB) and language', () => {
    const body = '{"event":"message","timestamp":1457764197627,"chat_hostname":"SN-376_","message_token":4912661846655238145,"sender":{"id":"01234567890A=","name":"John McClane","avatar":"https://avatar.example.com/a.jpg","country":"UK","language":"en","api_version":1},"message":{"type":"text","text":"a message to the service"},"silent":false}';
    expect(parse(body).messages).toEqual([
      {
        providerMessageId: '4912661846655238145',
        contact: { identifier: '01234567890A=', name: 'John McClane', avatarUrl: 'https://avatar.example.com/a.jpg', country: 'GB', language: 'en' },
        sentAt: new Date(1457764197627),
        text: 'a message to the service',
      },
    ]);
  });

  it('a picture with its caption, a file, a location, a sticker and a contact are content', () => {
    const event = (message: Record<string, unknown>) => `{"event":"message","timestamp":1,"message_token":5,"sender":{"id":"u1"},"message":${JSON.stringify(message)}}`;
    const parsed = [
      { type: 'picture', text: 'broken box', media: 'https://dl.viber.test/p.jpg' },
      { type: 'file', media: 'https://dl.viber.test/f', file_name: 'invoice.pdf', size: 10 },
      { type: 'location', location: { lat: 52.5, lon: 13.4 } },
      { type: 'sticker', sticker_id: 46105, media: 'https://dl.viber.test/s.png' },
      { type: 'contact', contact: { name: 'Bo', phone_number: '+4915112345678' } },
    ].map((message) => parse(event(message)).messages[0]!);
    expect(parsed.map((m) => [m.text, m.content, m.media])).toEqual([
      ['broken box', { kind: 'image' }, [{ kind: 'image', ref: 'https://dl.viber.test/p.jpg' }]],
      ['', { kind: 'document', fileName: 'invoice.pdf' }, [{ kind: 'document', ref: 'https://dl.viber.test/f', fileName: 'invoice.pdf' }]],
      ['', { kind: 'location', latitude: 52.5, longitude: 13.4 }, undefined],
      ['', { kind: 'sticker' }, undefined],
      ['Bo +4915112345678', { kind: 'contacts', contacts: [{ name: 'Bo', phones: ['+4915112345678'] }] }, undefined],
    ]);
  });

  it('delivered and seen move the status; failed carries Viber’s words; webhook and subscriptions are acknowledged', () => {
    expect(parse('{"event":"delivered","timestamp":1,"message_token":4912661846655238145,"user_id":"u1"}').receipts).toEqual([{ providerMessageId: '4912661846655238145', status: 'delivered' }]);
    expect(parse('{"event":"seen","timestamp":1,"message_token":4912661846655238145,"user_id":"u1"}').receipts).toEqual([{ providerMessageId: '4912661846655238145', status: 'read' }]);
    expect(parse('{"event":"failed","timestamp":1,"message_token":7,"user_id":"u1","desc":"failure description"}').receipts).toEqual([
      { providerMessageId: '7', status: 'failed', error: 'Viber: failure description', errorCode: 'viber:failed' },
    ]);
    for (const kind of ['webhook', 'subscribed', 'unsubscribed', 'conversation_started']) expect(parse(`{"event":"${kind}","timestamp":1,"message_token":1}`).ignored).toEqual([`event:${kind}`]);
  });

  it('malformed JSON and broken shapes are a 400', () => {
    expect(() => parse('{"event":')).toThrow(expect.objectContaining({ code: 'invalid_json' }));
    expect(() => parse('{"event":"message","timestamp":1,"message_token":1}')).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => parse('{"event":"seen","message_token":"not-digits"}')).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => parse('[1,2]')).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
  });
});

describe('the Viber window (pure)', () => {
  const now = new Date('2026-06-30T23:59:59.999Z');
  const input = (lastInboundAt: Date | null, used = 0, at = now): WindowInput => ({ lastInboundAt, outboundSinceInbound: 0, automated: false, now: at, counters: { [chatbotCounter(at)]: used } });

  it.each([
    ['just inside the session', new Date(now.getTime() - 24 * HOUR + 1), 'open'],
    ['exactly 24 h after the contact’s message', new Date(now.getTime() - 24 * HOUR), 'chatbot_initiated'],
    ['a contact who never wrote', null, 'chatbot_initiated'],
  ] as const)('%s: %s', (_name, last, reason) => {
    expect(viberWindow(input(last), false).reason).toBe(reason);
  });

  it('the 10,000th chatbot-initiated message goes; the 10,001st is refused (quota_exceeded) unless on commercial terms', () => {
    const last = new Date(now.getTime() - 30 * HOUR);
    expect(viberWindow(input(last, 9_999), false)).toMatchObject({ freeText: true, reason: 'chatbot_initiated', quota: { used: 9_999, limit: 10_000, paid: false } });
    const spent = viberWindow(input(last, 10_000), false);
    expect(spent).toMatchObject({ freeText: false, reason: 'quota_exceeded', closesAt: new Date('2026-07-01T00:00:00Z') });
    expect(decideSend(spent, {})).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'quota_exceeded' }) });
    expect(viberWindow(input(last, 10_000), true)).toMatchObject({ freeText: true, reason: 'chatbot_initiated', quota: { paid: true } });
  });

  it('the count is per calendar month in UTC: a millisecond later the next month starts from its own counter', () => {
    expect(chatbotCounter(now)).toBe('chatbot-initiated:2026-06');
    const july = new Date(now.getTime() + 1);
    expect(chatbotCounter(july)).toBe('chatbot-initiated:2026-07');
    // June's 10,000 do not count in July.
    expect(viberWindow({ ...input(null, 0, july), counters: { [chatbotCounter(now)]: 10_000 } }, false)).toMatchObject({ freeText: true, quota: { used: 0 } });
    expect(viberChannel.windowCounters!(july)).toEqual(['chatbot-initiated:2026-07']);
  });
});

describe('Viber sends', () => {
  function fakeContext(answers: Array<{ status: number; body: string }>, counted = 0) {
    const calls: Array<{ url: string; request: HttpRequest; json: any }> = [];
    const values = new Map<string, unknown>([[chatbotCounter(new Date('2026-06-15T00:00:00Z')), counted]]);
    const context: ChannelContext = {
      webhookUrl: '', // none known: connection tests read the account only
      async http(url, req = {}) {
        calls.push({ url, request: req, json: req.body ? JSON.parse(String(req.body)) : undefined });
        const answer = answers.shift() ?? { status: 200, body: '{"status":0,"status_message":"ok","message_token":5741311803571721087}' };
        return { status: answer.status, headers: {}, body: Buffer.from(answer.body) };
      },
      state: {
        get: async <T>(key: string) => values.get(key) as T | undefined,
        set: async (key, value) => void values.set(key, value),
        increment: async (key, by = 1) => {
          const next = Number(values.get(key) ?? 0) + by;
          values.set(key, next);
          return next;
        },
      },
      now: () => new Date('2026-06-15T00:00:00Z'),
      resolveHost: async (host: string) => host,
    };
    return { context, calls, values };
  }
  const info = { status: 200, body: '{"status":0,"status_message":"ok","id":"pa:1","name":"Simulated Shop"}' };
  const outbound = (lastInboundAt: Date | null): OutboundMessage => ({ id: 'm1', text: 'Hello', createdAt: new Date(), recipient: { identifier: '01234567890A=' }, lastInboundAt });
  const inSession = new Date('2026-06-14T12:00:00Z');
  const pastSession = new Date('2026-06-13T12:00:00Z');

  it('send_message with the auth token and the account’s name as sender; the token kept exactly; a session reply is not counted', async () => {
    const { context, calls, values } = fakeContext([info]);
    expect(await viberChannel.send(outbound(inSession), settings, context)).toEqual({ ok: true, providerMessageId: '5741311803571721087' });
    expect(calls[1]).toMatchObject({
      url: 'https://viber.example.test/pa/send_message',
      request: { headers: { 'x-viber-auth-token': settings.authToken } },
      json: { receiver: '01234567890A=', min_api_version: 1, sender: { name: 'Simulated Shop' }, type: 'text', text: 'Hello' },
    });
    expect(values.get('chatbot-initiated:2026-06')).toBe(0);
  });

  it('past the session each message counts; the 10,001st is refused before any call, and nothing is counted for it', async () => {
    const { context, values } = fakeContext([info], 9_999);
    expect((await viberChannel.send(outbound(pastSession), settings, context)).ok).toBe(true);
    expect(values.get('chatbot-initiated:2026-06')).toBe(10_000);
    const next = fakeContext([info], 10_000);
    expect(await viberChannel.send(outbound(pastSession), settings, next.context)).toMatchObject({ ok: false, retryable: false, code: 'viber:quota_exceeded' });
    expect(next.calls).toEqual([]);
    expect(next.values.get('chatbot-initiated:2026-06')).toBe(10_000);
    const paid = fakeContext([info], 10_000);
    expect((await viberChannel.send(outbound(pastSession), { ...settings, commercialTerms: true }, paid.context)).ok).toBe(true);
  });

  it('status 23 fails for good and gives its count back; 12 (too many requests) is retried', async () => {
    const exceeded = fakeContext([info, { status: 200, body: '{"status":23,"status_message":"freeMessagesExceeded"}' }], 5);
    expect(await viberChannel.send(outbound(pastSession), settings, exceeded.context)).toEqual({ ok: false, error: 'freeMessagesExceeded (23)', retryable: false, code: 'viber:23' });
    expect(exceeded.values.get('chatbot-initiated:2026-06')).toBe(5);
    const busy = fakeContext([info, { status: 200, body: '{"status":12,"status_message":"tooManyRequests"}' }]);
    expect(await viberChannel.send(outbound(inSession), settings, busy.context)).toMatchObject({ ok: false, retryable: true, code: 'viber:12' });
  });

  it('test connection: the account, then set_webhook to this channel', async () => {
    const { context, calls, values } = fakeContext([info, { status: 200, body: '{"status":0,"status_message":"ok","event_types":["delivered"]}' }]);
    expect(await viberChannel.testConnection!(settings, { ...context, webhookUrl: 'https://inbox.example.test/webhooks/viber/c1' })).toEqual({ ok: true, detail: 'Simulated Shop, webhook set' });
    expect(calls[1]!.json).toMatchObject({ url: 'https://inbox.example.test/webhooks/viber/c1', send_name: true, send_photo: true });
    expect(values.get('senderName')).toBe('Simulated Shop');
    const bad = fakeContext([{ status: 200, body: '{"status":2,"status_message":"invalidAuthToken"}' }]);
    expect(await viberChannel.testConnection!(settings, bad.context)).toEqual({ ok: false, error: 'invalidAuthToken (2)' });
  });
});
