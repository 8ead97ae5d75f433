import { describe, expect, it } from 'vitest';
import type { ChannelContext, HttpRequest, OutboundMessage, WebhookRequest } from '../channel-registry.js';
import { whatsappChannel, type WhatsAppSettings } from './whatsapp.channel.js';

const settings: WhatsAppSettings = { phoneNumberId: '106540352242922', accessToken: 'token', appSecret: 'app-secret', verifyToken: 'verify-token', apiBaseUrl: 'https://graph.example.test' };
const webhook = (value: Record<string, unknown>, field = 'messages'): WebhookRequest => ({
  rawBody: Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100100', phone_number_id: '106540352242922' }, ...value } }] }],
    }),
  ),
  headers: {},
  query: {},
  url: 'https://inbox.example.test/webhooks/whatsapp/x',
});
const message = (fields: Record<string, unknown>) =>
  webhook({ contacts: [{ profile: { name: 'Ana' }, wa_id: '16315551181' }], messages: [{ from: '16315551181', id: 'wamid.1', timestamp: '1504902988', ...fields }] });
const parse = (request: WebhookRequest) => whatsappChannel.parseWebhook(request, settings);

describe('WhatsApp inbound messages', () => {
  it('a text: the contact is the wa_id, with its profile name and the number as its phone; the time is the provider’s', () => {
    expect(parse(message({ type: 'text', text: { body: 'hi' } })).messages).toEqual([
      { providerMessageId: 'wamid.1', contact: { identifier: '16315551181', name: 'Ana', phone: '16315551181' }, sentAt: new Date(1504902988_000), text: 'hi' },
    ]);
  });

  it.each([
    ['an image with its caption', { type: 'image', image: { id: 'm1', mime_type: 'image/jpeg', caption: 'look' } }, 'look', { kind: 'image' }, [{ kind: 'image', ref: 'm1', contentType: 'image/jpeg' }]],
    ['a voice note', { type: 'audio', audio: { id: 'm2', mime_type: 'audio/ogg; codecs=opus' } }, '', { kind: 'audio' }, [{ kind: 'audio', ref: 'm2', contentType: 'audio/ogg; codecs=opus' }]],
    ['a video', { type: 'video', video: { id: 'm3' } }, '', { kind: 'video' }, [{ kind: 'video', ref: 'm3' }]],
    ['a document with its file name', { type: 'document', document: { id: 'm4', filename: 'invoice.pdf', mime_type: 'application/pdf' } }, '', { kind: 'document', fileName: 'invoice.pdf' }, [{ kind: 'document', ref: 'm4', fileName: 'invoice.pdf', contentType: 'application/pdf' }]],
    ['a sticker', { type: 'sticker', sticker: { id: 'm5', mime_type: 'image/webp' } }, '', { kind: 'sticker' }, [{ kind: 'sticker', ref: 'm5', contentType: 'image/webp' }]],
  ])('%s: the file is fetched later, the text is the caption', (_name, fields, text, content, media) => {
    const [parsed] = parse(message(fields)).messages;
    expect(parsed).toMatchObject({ text, content, media });
  });

  it.each([
    ['a location', { type: 'location', location: { latitude: 1.5, longitude: 2.5 } }, '', { kind: 'location', latitude: 1.5, longitude: 2.5 }],
    ['a button answer', { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes please' } } }, 'Yes please', undefined],
    ['a list answer', { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'l1', title: 'Tomorrow' } } }, 'Tomorrow', undefined],
    ['a template button', { type: 'button', button: { text: 'Stop promotions', payload: 'STOP' } }, 'Stop promotions', undefined],
    ['a reaction', { type: 'reaction', reaction: { message_id: 'wamid.0', emoji: '👍' } }, '👍', undefined],
    ['a type nobody knows yet', { type: 'holo_message', holo_message: {} }, '', { kind: 'unsupported', providerType: 'holo_message' }],
    ['an image without its object', { type: 'image' }, '', { kind: 'unsupported', providerType: 'image' }],
  ])('%s', (_name, fields, text, content) => {
    const [parsed] = parse(message(fields)).messages;
    expect(parsed!.text).toBe(text);
    expect(parsed!.content).toEqual(content);
  });
});

describe('WhatsApp statuses and what is ignored', () => {
  it('sent, delivered and read; a failure with its reason and code; statuses it does not know are ignored', () => {
    const events = parse(
      webhook({
        statuses: [
          { id: 'w1', status: 'sent', timestamp: '1' },
          { id: 'w1', status: 'delivered', timestamp: '2' },
          { id: 'w1', status: 'read', timestamp: '3' },
          { id: 'w2', status: 'failed', timestamp: '4', errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'More than 24 hours.' } }] },
          { id: 'w3', status: 'deleted', timestamp: '5' },
        ],
      }),
    );
    expect(events.receipts).toEqual([
      { providerMessageId: 'w1', status: 'sent' },
      { providerMessageId: 'w1', status: 'delivered' },
      { providerMessageId: 'w1', status: 'read' },
      { providerMessageId: 'w2', status: 'failed', error: 'Re-engagement message: More than 24 hours. (131047)', errorCode: 'whatsapp:131047' },
    ]);
    expect(events.ignored).toEqual(['status:deleted']);
  });

  it('another field, and another number of the same business account, are ignored', () => {
    expect(parse(webhook({ event: 'APPROVED' }, 'message_template_status_update'))).toEqual({ messages: [], receipts: [], ignored: ['field:message_template_status_update'] });
    const other = whatsappChannel.parseWebhook(message({ type: 'text', text: { body: 'x' } }), { ...settings, phoneNumberId: '999' });
    expect(other).toEqual({ messages: [], receipts: [], ignored: ['other-phone-number'] });
  });

  it.each([
    ['not JSON', '{', 'invalid_json'],
    ['a Messenger payload', JSON.stringify({ object: 'page', entry: [] }), 'unsupported_object'],
    ['a message without an id', JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { metadata: { phone_number_id: '1' }, messages: [{ from: '1', timestamp: '1', type: 'text' }] } }] }] }), 'invalid_payload'],
  ])('%s is refused with %s', (_name, body, code) => {
    expect(() => parse({ rawBody: Buffer.from(body), headers: {}, query: {}, url: '' })).toThrow(expect.objectContaining({ status: 400, code }));
  });
});

describe('sending on WhatsApp', () => {
  function recording(answers: Array<{ status: number; json: unknown }>) {
    const calls: Array<{ url: string; request: HttpRequest; json: any }> = [];
    const context: ChannelContext = {
      async http(url, request = {}) {
        calls.push({ url, request, json: JSON.parse(String(request.body)) });
        const next = answers.shift() ?? { status: 200, json: { messages: [{ id: `wamid.${calls.length}` }] } };
        return { status: next.status, headers: {}, body: Buffer.from(JSON.stringify(next.json)) };
      },
      state: { get: async () => undefined, set: async () => undefined, increment: async () => 1 },
      now: () => new Date(),
      resolveHost: async (host: string) => host,
      webhookUrl: 'https://example.test/webhooks/whatsapp/1',
    };
    return { calls, context };
  }
  const base: OutboundMessage = { id: 'm', text: 'See the photo', createdAt: new Date(), recipient: { identifier: '16315551181' } };
  const photo = { id: 'a1', name: 'box.jpg', contentType: 'image/jpeg', size: 10, url: 'https://inbox.example.test/a1' };
  const invoice = { id: 'a2', name: 'invoice.pdf', contentType: 'application/pdf', size: 10, url: 'https://inbox.example.test/a2' };

  it('a text with files goes as the first file with the text as its caption, then the others as their own messages; the first id is the reply’s', async () => {
    const { calls, context } = recording([]);
    const result = await whatsappChannel.send({ ...base, attachments: [photo, invoice] }, settings, context);
    expect(result).toEqual({ ok: true, providerMessageId: 'wamid.1' });
    expect(calls.map((call) => call.url)).toEqual(['https://graph.example.test/v23.0/106540352242922/messages', 'https://graph.example.test/v23.0/106540352242922/messages']);
    expect(calls.map((call) => [call.json.type, call.json[call.json.type]])).toEqual([
      ['image', { link: photo.url, caption: 'See the photo' }],
      ['document', { link: invoice.url, filename: 'invoice.pdf' }],
    ]);
  });

  it('a template without placeholders has no components', async () => {
    const { calls, context } = recording([]);
    await whatsappChannel.send({ ...base, template: { name: 'hello_world', language: 'en_US', parameters: [], body: 'Hello World', fields: {} } }, settings, context);
    expect(calls[0]!.json.template).toEqual({ name: 'hello_world', language: { code: 'en_US' }, components: [] });
  });

  it('when a later part is refused, the reply fails without a retry: the first part went out already', async () => {
    const { calls, context } = recording([{ status: 200, json: { messages: [{ id: 'wamid.first' }] } }, { status: 503, json: { error: { message: 'Unavailable', code: 2 } } }]);
    const result = await whatsappChannel.send({ ...base, attachments: [photo, invoice] }, settings, context);
    expect(calls).toHaveLength(2);
    expect(result).toMatchObject({ ok: false, retryable: false, error: 'Part 2 of 2 was not sent (the earlier parts were): Unavailable (2)' });
  });
});
