import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../channel-registry.js';
import { instagramChannel } from '../instagram/instagram.channel.js';
import { messengerChannel, type MessengerSettings } from './messenger.channel.js';

const settings: MessengerSettings = { pageId: '1234567890', pageAccessToken: 'page-token', appSecret: 'app-secret', verifyToken: 'verify-token', apiBaseUrl: 'https://graph.example.test' };
const page = (...messaging: unknown[]): WebhookRequest => ({
  rawBody: Buffer.from(JSON.stringify({ object: 'page', entry: [{ id: '1234567890', time: 1, messaging }] })),
  headers: {},
  query: {},
  url: '',
});
const from = { sender: { id: 'PSID-1' }, recipient: { id: '1234567890' }, timestamp: 1458692752478 };
const parse = (request: WebhookRequest) => messengerChannel.parseWebhook(request, settings);

describe('Messenger webhooks', () => {
  it('a text from a PSID, at the provider’s time in milliseconds', () => {
    expect(parse(page({ ...from, message: { mid: 'm_1', text: 'hello' } })).messages).toEqual([
      { providerMessageId: 'm_1', contact: { identifier: 'PSID-1' }, sentAt: new Date(1458692752478), text: 'hello' },
    ]);
  });

  it.each([
    ['an image', [{ type: 'image', payload: { url: 'https://cdn/x.jpg' } }], { kind: 'image' }, [{ kind: 'image', ref: 'https://cdn/x.jpg' }]],
    ['a file', [{ type: 'file', payload: { url: 'https://cdn/x.pdf' } }], { kind: 'document' }, [{ kind: 'document', ref: 'https://cdn/x.pdf' }]],
    ['a location', [{ type: 'location', title: 'Home', payload: { coordinates: { lat: 1, long: 2 } } }], { kind: 'location', latitude: 1, longitude: 2, name: 'Home' }, undefined],
    ['a shared post', [{ type: 'fallback', payload: { url: 'https://example.test/post' } }], { kind: 'unsupported', providerType: 'fallback' }, undefined],
  ])('%s', (_name, attachments, content, media) => {
    const [parsed] = parse(page({ ...from, message: { mid: 'm_2', attachments } })).messages;
    expect(parsed!.content).toEqual(content);
    expect(parsed!.media).toEqual(media);
  });

  it('a sticker is a sticker, not a photo', () => {
    const [parsed] = parse(page({ ...from, message: { mid: 'm_3', sticker_id: 369239263222822, attachments: [{ type: 'image', payload: { url: 'https://cdn/like.png' } }] } })).messages;
    expect(parsed!.content).toEqual({ kind: 'sticker' });
  });

  it('echoes, another page and events it does not act on are ignored; a postback is the button’s title', () => {
    const events = parse(
      page(
        { ...from, message: { mid: 'm_echo', text: 'ours', is_echo: true } },
        { ...from, postback: { title: 'Get started', payload: 'START', mid: 'm_pb' } },
        { ...from, reaction: { mid: 'm_1', action: 'react', emoji: '❤' } },
      ),
    );
    expect(events.messages).toEqual([{ providerMessageId: 'm_pb', contact: { identifier: 'PSID-1' }, text: 'Get started', sentAt: new Date(1458692752478) }]);
    expect(events.ignored).toEqual(['echo', 'event:reaction']);
    expect(messengerChannel.parseWebhook(page({ ...from, message: { mid: 'm', text: 'x' } }), { ...settings, pageId: '999' }).ignored).toEqual(['other-account']);
  });

  it('delivery by mids and watermark; read by watermark', () => {
    const events = parse(page({ ...from, delivery: { mids: ['m_a', 'm_b'], watermark: 1458668856253 } }, { ...from, read: { watermark: 1458668856999 } }));
    expect(events.receipts).toEqual([
      { providerMessageId: 'm_a', status: 'delivered' },
      { providerMessageId: 'm_b', status: 'delivered' },
      { identifier: 'PSID-1', status: 'delivered', watermark: new Date(1458668856253) },
      { identifier: 'PSID-1', status: 'read', watermark: new Date(1458668856999) },
    ]);
  });
});

describe('Messenger’s outbound refusals', () => {
  it.each([
    ['ACCOUNT_UPDATE', 'tag_not_allowed'],
    ['CONFIRMED_EVENT_UPDATE', 'tag_not_allowed'],
    ['POST_PURCHASE_UPDATE', 'tag_not_allowed'],
    ['HUMAN_AGENT', null],
  ])('the tag %s: %s', (tag, code) => {
    expect(messengerChannel.checkOutbound!({ text: 'x', tag })?.code ?? null).toBe(code);
  });

  it('Instagram has the same window, and no retired tags to refuse', () => {
    expect(instagramChannel.checkOutbound!({ text: 'x', tag: 'ACCOUNT_UPDATE' })).toBeNull();
    expect(instagramChannel.maxTextLength).toBe(1000);
    expect(messengerChannel.maxTextLength).toBe(2000);
  });
});
