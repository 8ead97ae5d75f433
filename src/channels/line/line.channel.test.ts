import { describe, expect, it } from 'vitest';
import type { ChannelContext, HttpRequest, OutboundMessage, WebhookRequest } from '../channel-registry.js';
import { lineChannel, type LineSettings, lineSignature, SIGNATURE_HEADER } from './line.channel.js';

const settings: LineSettings = { channelSecret: 'line-channel-secret', channelAccessToken: 'line-token', apiBaseUrl: 'https://line.example.test' };
const signed = (body: unknown, secret = settings.channelSecret): WebhookRequest => {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { rawBody: raw, headers: { [SIGNATURE_HEADER]: lineSignature(secret, raw) }, query: {}, url: 'https://inbox.example.test/webhooks/line/x' };
};
const messageEvent = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  mode: 'active',
  timestamp: 1462629479859,
  webhookEventId: '01FZ74A0TDDPYRVKNK77XKC3ZR',
  deliveryContext: { isRedelivery: false },
  source: { type: 'user', userId: 'U4af4980629' },
  replyToken: 'reply-token',
  message: { id: '325708', ...message },
  ...extra,
});
const parse = (events: unknown[]) => lineChannel.parseWebhook(signed({ destination: 'Ubot', events }), settings);

function fakeContext(answers: Array<{ status: number; json?: unknown; headers?: Record<string, string> }>) {
  const calls: Array<{ url: string; request: HttpRequest; json: any }> = [];
  const context: ChannelContext = {
    webhookUrl: '', // none known: connection tests read the account only
    async http(url, req = {}) {
      calls.push({ url, request: req, json: req.body ? JSON.parse(String(req.body)) : undefined });
      const answer = answers.shift() ?? { status: 200, json: { sentMessages: [{ id: '461230966842064897' }] } };
      return { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers }, body: Buffer.from(JSON.stringify(answer.json ?? {})) };
    },
    state: { get: async () => undefined, set: async () => undefined, increment: async () => 1 },
    now: () => new Date(),
    resolveHost: async (host: string) => host,
  };
  return { context, calls };
}
const outbound = (text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({ id: '01938a6e-0000-7000-8000-000000000001', text, createdAt: new Date(), recipient: { identifier: 'U4af4980629' }, ...extra });

describe('LINE webhooks', () => {
  it('verifies the base64 HMAC-SHA256 of the raw body with the channel secret', () => {
    const request = signed({ events: [] });
    expect(lineChannel.verifyWebhook(request, settings)).toBe(true);
    expect(lineChannel.verifyWebhook(signed({ events: [] }, 'another-secret'), settings)).toBe(false);
    expect(lineChannel.verifyWebhook({ ...request, rawBody: Buffer.from('{"events": []}') }, settings)).toBe(false);
    expect(lineChannel.verifyWebhook({ ...request, headers: {} }, settings)).toBe(false);
  });

  it('a text: the contact is the user id, deduped by webhookEventId; the name comes from the profile later', () => {
    expect(parse([messageEvent({ type: 'text', text: 'Hello' })]).messages).toEqual([
      { providerMessageId: '01FZ74A0TDDPYRVKNK77XKC3ZR', contact: { identifier: 'U4af4980629' }, sentAt: new Date(1462629479859), text: 'Hello' },
    ]);
  });

  it('files, a location and a sticker are content; an unknown type says what it was', () => {
    const kinds = parse([
      messageEvent({ type: 'image', contentProvider: { type: 'line' } }),
      messageEvent({ type: 'file', fileName: 'menu.pdf', fileSize: 2138 }),
      messageEvent({ type: 'location', title: 'Shop', address: 'Tokyo', latitude: 35.6, longitude: 139.7 }),
      messageEvent({ type: 'sticker', packageId: '1', stickerId: '1' }),
      messageEvent({ type: 'hologram' }),
    ]).messages;
    expect(kinds.map((m) => [m.text, m.content, m.media])).toEqual([
      ['', { kind: 'image' }, [{ kind: 'image', ref: 'line:325708' }]],
      ['', { kind: 'document', fileName: 'menu.pdf' }, [{ kind: 'document', ref: 'line:325708', fileName: 'menu.pdf' }]],
      ['Shop\nTokyo', { kind: 'location', latitude: 35.6, longitude: 139.7, name: 'Shop', address: 'Tokyo' }, undefined],
      ['', { kind: 'sticker' }, undefined],
      ['', { kind: 'unsupported', providerType: 'hologram' }, undefined],
    ]);
  });

  it('an empty events list (the console’s check), follows, groups and standby are acknowledged, nothing stored', () => {
    expect(parse([])).toEqual({ messages: [], receipts: [], ignored: [] });
    const events = parse([
      { type: 'follow', timestamp: 1, webhookEventId: 'e1', source: { type: 'user', userId: 'U1' } },
      messageEvent({ type: 'text', text: 'in a group' }, { source: { type: 'group', groupId: 'G1', userId: 'U1' } }),
      messageEvent({ type: 'text', text: 'standby' }, { mode: 'standby' }),
    ]);
    expect(events).toEqual({ messages: [], receipts: [], ignored: ['event:follow', 'source:group', 'mode:standby'] });
  });

  it('malformed JSON and broken shapes are a 400', () => {
    expect(() => lineChannel.parseWebhook(signed('{"events":'), settings)).toThrow(expect.objectContaining({ code: 'invalid_json' }));
    expect(() => parse([{ type: 'message' }])).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => lineChannel.parseWebhook(signed({ events: 'none' }), settings)).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
  });
});

describe('LINE sends', () => {
  it('pushes to the user with the message id as retry key, so a retried push is delivered once', async () => {
    const { context, calls } = fakeContext([]);
    expect(await lineChannel.send(outbound('hi'), settings, context)).toEqual({ ok: true, providerMessageId: '461230966842064897' });
    expect(calls[0]).toMatchObject({
      url: 'https://line.example.test/v2/bot/message/push',
      request: { method: 'POST', headers: { authorization: 'Bearer line-token', 'x-line-retry-key': '01938a6e-0000-7000-8000-000000000001' } },
      json: { to: 'U4af4980629', messages: [{ type: 'text', text: 'hi' }] },
    });
    const repeat = fakeContext([{ status: 409, json: { message: 'The retry key is already accepted' }, headers: { 'x-line-accepted-request-id': 'req-1' } }]);
    expect(await lineChannel.send(outbound('hi'), settings, repeat.context)).toEqual({ ok: true, providerMessageId: 'req-1' });
  });

  it('the monthly limit fails for good; other 429s and 5xx are retried; a bad request fails with LINE’s words', async () => {
    const monthly = fakeContext([{ status: 429, json: { message: 'You have reached your monthly limit.' } }]);
    expect(await lineChannel.send(outbound('x'), settings, monthly.context)).toEqual({ ok: false, error: 'You have reached your monthly limit.', retryable: false, code: 'line:monthly_limit' });
    const rate = fakeContext([{ status: 429, json: { message: 'Too Many Requests' } }]);
    expect(await lineChannel.send(outbound('x'), settings, rate.context)).toMatchObject({ ok: false, retryable: true });
    const bad = fakeContext([{ status: 400, json: { message: 'The request body has 1 error(s)', details: [{ message: 'Failed to send messages', property: 'to' }] } }]);
    expect(await lineChannel.send(outbound('x'), settings, bad.context)).toEqual({ ok: false, error: 'The request body has 1 error(s) — to: Failed to send messages', retryable: false, code: 'line:400' });
  });

  it('images go inline, other files as links in the text', async () => {
    const { context, calls } = fakeContext([]);
    const attachments = [{ id: 'a', name: 'p.png', contentType: 'image/png', size: 1, url: 'https://x.test/a' }, { id: 'b', name: 'x.pdf', contentType: 'application/pdf', size: 1, url: 'https://x.test/b' }];
    await lineChannel.send(outbound('See', { attachments }), settings, context);
    expect(calls[0]!.json.messages).toEqual([{ type: 'text', text: 'See\n\nx.pdf: https://x.test/b' }, { type: 'image', originalContentUrl: 'https://x.test/a', previewImageUrl: 'https://x.test/a' }]);
  });

  it('bot info for the test; the profile for a new contact', async () => {
    const { context, calls } = fakeContext([{ status: 200, json: { userId: 'Ubot', basicId: '@123abcde', displayName: 'Shop' } }, { status: 200, json: { displayName: 'Ana', pictureUrl: 'https://profile.line-scdn.net/x', language: 'ja', userId: 'U1' } }]);
    expect(await lineChannel.testConnection!(settings, context)).toEqual({ ok: true, detail: 'Shop (@123abcde)' });
    expect(await lineChannel.fetchProfile!('U1', settings, context)).toEqual({ name: 'Ana', avatarUrl: 'https://profile.line-scdn.net/x', language: 'ja' });
    expect(calls.map((c) => [c.url, c.request.headers?.authorization])).toEqual([
      ['https://line.example.test/v2/bot/info', 'Bearer line-token'],
      ['https://line.example.test/v2/bot/profile/U1', 'Bearer line-token'],
    ]);
  });
});
