import { describe, expect, it } from 'vitest';
import type { ChannelContext, HttpRequest, OutboundMessage, WebhookRequest } from '../channel-registry.js';
import { SECRET_HEADER, telegramChannel, type TelegramSettings } from './telegram.channel.js';

const settings: TelegramSettings = { botToken: '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345', secretToken: 'a-secret-token-of-ours', apiBaseUrl: 'https://tg.example.test' };
const request = (body: unknown, secret: string | null = settings.secretToken): WebhookRequest => ({
  rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  headers: secret === null ? {} : { [SECRET_HEADER]: secret },
  query: {},
  url: 'https://inbox.example.test/webhooks/telegram/x',
});
const from = { id: 1111111, is_bot: false, first_name: 'Ana', last_name: 'Lima', username: 'ana', language_code: 'de' };
const update = (message: Record<string, unknown>, updateId = 10000) => ({ update_id: updateId, message: { message_id: 1365, from, chat: { id: 1111111, type: 'private' }, date: 1441645532, ...message } });
const parse = (body: unknown) => telegramChannel.parseWebhook(request(body), settings);

/** A context whose network answers from a script and records what was asked. */
function fakeContext(answers: Array<{ status: number; json: unknown }>) {
  const calls: Array<{ url: string; request: HttpRequest; json: any }> = [];
  const context: ChannelContext = {
    async http(url, req = {}) {
      calls.push({ url, request: req, json: req.body ? JSON.parse(String(req.body)) : undefined });
      const answer = answers.shift() ?? { status: 200, json: { ok: true, result: { message_id: 1 } } };
      return { status: answer.status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(answer.json)) };
    },
    state: { get: async () => undefined, set: async () => undefined, increment: async () => 1 },
    now: () => new Date('2026-06-01T00:00:00Z'),
    resolveHost: async (host: string) => host,
    webhookUrl: 'https://inbox.example.test/webhooks/telegram/c1',
  };
  return { context, calls };
}
const outbound = (text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({ id: 'm1', text, createdAt: new Date(), recipient: { identifier: '1111111' }, ...extra });

describe('Telegram webhooks', () => {
  it('accepts our secret token only, compared whole', () => {
    const body = update({ text: 'hi' });
    expect(telegramChannel.verifyWebhook(request(body), settings)).toBe(true);
    expect(telegramChannel.verifyWebhook(request(body, 'a-secret-token-of-ourS'), settings)).toBe(false);
    expect(telegramChannel.verifyWebhook(request(body, 'a-secret-token-of-our'), settings)).toBe(false);
    expect(telegramChannel.verifyWebhook(request(body, null), settings)).toBe(false);
  });

  it('a text: the contact is the chat, with its name and language; the update id is what dedupes', () => {
    expect(parse(update({ text: 'hi' })).messages).toEqual([
      { providerMessageId: '10000', contact: { identifier: '1111111', name: 'Ana Lima', language: 'de' }, sentAt: new Date(1441645532_000), text: 'hi' },
    ]);
  });

  it.each([
    ['the largest photo size, caption as text', { photo: [{ file_id: 'small' }, { file_id: 'large' }], caption: 'look' }, 'look', { kind: 'image' }, [{ kind: 'image', ref: 'large' }]],
    ['a voice note', { voice: { file_id: 'v1', mime_type: 'audio/ogg' } }, '', { kind: 'audio' }, [{ kind: 'audio', ref: 'v1', contentType: 'audio/ogg' }]],
    ['a document', { document: { file_id: 'd1', file_name: 'invoice.pdf' } }, '', { kind: 'document', fileName: 'invoice.pdf' }, [{ kind: 'document', ref: 'd1', fileName: 'invoice.pdf' }]],
  ])('%s', (_name, fields, text, content, media) => {
    expect(parse(update(fields)).messages[0]).toMatchObject({ text, content, media });
  });

  it('a location, a venue, a sticker and a shared contact are content, never an empty message', () => {
    const kinds = [
      update({ location: { latitude: 52.5, longitude: 13.4 } }),
      update({ venue: { location: { latitude: 1, longitude: 2 }, title: 'Shop', address: 'Main St 1' } }),
      update({ sticker: { file_id: 's1', emoji: '😀' } }),
      update({ contact: { phone_number: '+4915112345678', first_name: 'Bo' } }),
      update({ dice: { emoji: '🎲', value: 3 } }),
    ].map((body) => parse(body).messages[0]);
    expect(kinds.map((m) => [m!.text, m!.content])).toEqual([
      ['', { kind: 'location', latitude: 52.5, longitude: 13.4 }],
      ['Shop\nMain St 1', { kind: 'location', latitude: 1, longitude: 2, name: 'Shop', address: 'Main St 1' }],
      ['😀', { kind: 'sticker' }],
      ['Bo +4915112345678', { kind: 'contacts', contacts: [{ name: 'Bo', phones: ['+4915112345678'] }] }],
      ['', { kind: 'unsupported', providerType: 'dice' }],
    ]);
  });

  it('edited messages, channel posts, groups and other bots are acknowledged and ignored', () => {
    expect(parse({ update_id: 1, edited_message: update({ text: 'x' }).message })).toEqual({ messages: [], receipts: [], ignored: ['update:edited_message'] });
    expect(parse({ update_id: 2, channel_post: { message_id: 1, chat: { id: -100, type: 'channel' }, date: 1, text: 'x' } }).ignored).toEqual(['update:channel_post']);
    expect(parse({ update_id: 3, message: { ...update({ text: 'x' }).message, chat: { id: -5, type: 'group' } } }).ignored).toEqual(['chat:group']);
    expect(parse({ update_id: 4, message: { ...update({ text: 'x' }).message, from: { ...from, is_bot: true } } }).messages).toEqual([]);
  });

  it('malformed JSON or a broken shape is a 400', () => {
    expect(() => parse('{"update_id":')).toThrow(expect.objectContaining({ code: 'invalid_json' }));
    expect(() => parse({ update_id: 'ten' })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => parse({ update_id: 5, message: { message_id: 1 } })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
  });
});

describe('Telegram sends', () => {
  it('sendMessage to the chat with the text', async () => {
    const { context, calls } = fakeContext([{ status: 200, json: { ok: true, result: { message_id: 77 } } }]);
    expect(await telegramChannel.send(outbound('Hello'), settings, context)).toEqual({ ok: true, providerMessageId: '77' });
    expect(calls).toEqual([{ url: `https://tg.example.test/bot${settings.botToken}/sendMessage`, request: expect.objectContaining({ method: 'POST' }), json: { chat_id: '1111111', text: 'Hello' } }]);
  });

  it('403 blocked by the user fails for good with that reason; 429 is retried after retry_after; 5xx is retried', async () => {
    const blocked = fakeContext([{ status: 403, json: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }]);
    expect(await telegramChannel.send(outbound('x'), settings, blocked.context)).toEqual({ ok: false, error: 'bot was blocked by the user', retryable: false, code: 'telegram:403' });
    const limited = fakeContext([{ status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 35', parameters: { retry_after: 35 } } }]);
    expect(await telegramChannel.send(outbound('x'), settings, limited.context)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 35_000, code: 'telegram:429' });
    const down = fakeContext([{ status: 502, json: { ok: false, error_code: 502, description: 'Bad Gateway' } }]);
    expect(await telegramChannel.send(outbound('x'), settings, down.context)).toMatchObject({ ok: false, retryable: true });
  });

  it('a file goes by its URL with the text as caption', async () => {
    const { context, calls } = fakeContext([]);
    const attachments = [{ id: 'a', name: 'p.png', contentType: 'image/png', size: 10, url: 'https://inbox.example.test/a' }, { id: 'b', name: 'x.pdf', contentType: 'application/pdf', size: 10, url: 'https://inbox.example.test/b' }];
    await telegramChannel.send(outbound('See', { attachments }), settings, context);
    expect(calls.map((c) => [c.url.split('/').at(-1), c.json])).toEqual([
      ['sendPhoto', { chat_id: '1111111', photo: 'https://inbox.example.test/a', caption: 'See' }],
      ['sendDocument', { chat_id: '1111111', document: 'https://inbox.example.test/b' }],
    ]);
  });

  it('test connection: getMe, then setWebhook to this channel with our secret token', async () => {
    const { context, calls } = fakeContext([{ status: 200, json: { ok: true, result: { id: 1, is_bot: true, username: 'shop_bot' } } }, { status: 200, json: { ok: true, result: true } }]);
    expect(await telegramChannel.testConnection!(settings, context)).toEqual({ ok: true, detail: '@shop_bot, webhook set' });
    expect(calls[1]!.json).toEqual({ url: 'https://inbox.example.test/webhooks/telegram/c1', secret_token: settings.secretToken, allowed_updates: ['message'] });
    const bad = fakeContext([{ status: 401, json: { ok: false, error_code: 401, description: 'Unauthorized' } }]);
    expect(await telegramChannel.testConnection!(settings, bad.context)).toEqual({ ok: false, error: 'Unauthorized' });
  });

  it('settings: a bot token of the right shape; the secret token as Telegram allows it', () => {
    expect(telegramChannel.settingsSchema.safeParse({ botToken: 'nope', secretToken: settings.secretToken }).success).toBe(false);
    expect(telegramChannel.settingsSchema.safeParse({ botToken: settings.botToken, secretToken: 'has spaces in it!!' }).success).toBe(false);
    expect(telegramChannel.settingsSchema.parse({ botToken: settings.botToken, secretToken: settings.secretToken })).toEqual({ ...settings, apiBaseUrl: 'https://api.telegram.org' });
  });
});
