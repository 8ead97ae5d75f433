import { z } from 'zod';
import { badRequest } from '../../platform/errors.js';
import type { ChannelModule, InboundContent, InboundMessage, MediaKind, MessageReceipt, OutboundMessage, WebhookEvents } from '../channel-registry.js';
import { templateWindow } from '../messaging-window.rules.js';
import { download, fromUnixSeconds, graphCall, metaHandshake, parseMetaBody, testGraphCall, verifyMetaSignature } from '../meta/meta-platform.js';
import { mediaKind, sendParts } from '../meta/meta-send.js';

/**
 * WhatsApp Cloud API (../shared/CHANNELS.md, "WhatsApp"). The contact is its `wa_id`, the
 * number without `+`; replies go to that identity. Free text for 24 h after the contact's last
 * message, templates at any time; a business may write first, with a template, to a contact's phone.
 */
const settingsSchema = z.strictObject({
  phoneNumberId: z.string().trim().regex(/^\d{1,40}$/, 'the number id Meta shows under WhatsApp → API setup (digits)'),
  accessToken: z.string().trim().min(1).max(4000),
  appSecret: z.string().trim().min(8, 'at least 8 characters').max(500),
  verifyToken: z.string().trim().min(8, 'at least 8 characters').max(200),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://graph.facebook.com'),
});
export type WhatsAppSettings = z.infer<typeof settingsSchema>;

export const WHATSAPP_TEXT_LIMIT = 4096;

const media = z.object({ id: z.string().min(1).max(500), mime_type: z.string().max(200).optional(), caption: z.string().max(20_000).optional(), filename: z.string().max(500).optional() });

const message = z.object({
  from: z.string().min(1).max(50),
  id: z.string().min(1).max(500),
  timestamp: z.union([z.string().regex(/^\d{1,13}$/), z.number()]),
  type: z.string().max(50),
  text: z.object({ body: z.string().max(20_000) }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().max(1000).optional(), address: z.string().max(1000).optional() }).optional(),
  contacts: z
    .array(
      z.object({
        name: z.object({ formatted_name: z.string().max(500).optional() }).loose().optional(),
        phones: z.array(z.object({ phone: z.string().max(100).optional(), wa_id: z.string().max(50).optional() }).loose()).max(20).optional(),
      }),
    )
    .max(20)
    .optional(),
  interactive: z
    .object({
      button_reply: z.object({ title: z.string().max(1000) }).loose().optional(),
      list_reply: z.object({ title: z.string().max(1000) }).loose().optional(),
    })
    .loose()
    .optional(),
  button: z.object({ text: z.string().max(1000) }).loose().optional(),
  reaction: z.object({ emoji: z.string().max(50).optional() }).loose().optional(),
});

const status = z.object({
  id: z.string().min(1).max(500),
  status: z.string().max(50),
  errors: z
    .array(z.object({ code: z.number(), title: z.string().max(1000).optional(), message: z.string().max(1000).optional(), error_data: z.object({ details: z.string().max(2000).optional() }).loose().optional() }))
    .max(10)
    .optional(),
});

const messagesValue = z.object({
  metadata: z.object({ phone_number_id: z.string().max(100) }).loose(),
  contacts: z.array(z.object({ profile: z.object({ name: z.string().max(500).optional() }).loose().optional(), wa_id: z.string().max(50) })).max(100).optional(),
  messages: z.array(message).max(1000).optional(),
  statuses: z.array(status).max(1000).optional(),
});

const payload = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.object({ changes: z.array(z.object({ field: z.string().max(100), value: z.unknown() })).max(100) })).max(100),
});

const mediaTypes = ['image', 'video', 'audio', 'document', 'sticker'] as const;

/** One WhatsApp message as our message: text, a caption with its file, or what it is in data. */
function inbound(item: z.infer<typeof message>, name: string | undefined): InboundMessage {
  const base = { providerMessageId: item.id, contact: { identifier: item.from, name, phone: item.from }, sentAt: fromUnixSeconds(item.timestamp) };
  const kind = mediaTypes.find((type) => type === item.type);
  const file = kind && item[kind];
  if (kind && file) {
    const mediaKind: MediaKind = kind === 'document' ? 'document' : kind;
    const content: InboundContent = { kind: mediaKind, fileName: file.filename };
    return { ...base, text: file.caption ?? '', content, media: [{ kind: mediaKind, ref: file.id, contentType: file.mime_type, fileName: file.filename }] };
  }
  if (item.type === 'text' && item.text) return { ...base, text: item.text.body };
  if (item.type === 'location' && item.location) {
    const { latitude, longitude, name: place, address } = item.location;
    return { ...base, text: [place, address].filter(Boolean).join('\n'), content: { kind: 'location', latitude, longitude, name: place, address } };
  }
  if (item.type === 'contacts' && item.contacts) {
    const contacts = item.contacts.map((card) => ({ name: card.name?.formatted_name ?? '', phones: (card.phones ?? []).flatMap((p) => (p.phone ? [p.phone] : [])) }));
    return { ...base, text: contacts.map((card) => [card.name, ...card.phones].filter(Boolean).join(' ')).join('\n'), content: { kind: 'contacts', contacts } };
  }
  const answered = item.interactive?.button_reply?.title ?? item.interactive?.list_reply?.title ?? item.button?.text;
  if (answered) return { ...base, text: answered };
  if (item.type === 'reaction' && item.reaction?.emoji) return { ...base, text: item.reaction.emoji };
  return { ...base, text: '', content: { kind: 'unsupported', providerType: item.type } };
}

function receipt(item: z.infer<typeof status>): MessageReceipt | undefined {
  if (item.status !== 'sent' && item.status !== 'delivered' && item.status !== 'read' && item.status !== 'failed') return undefined;
  if (item.status !== 'failed') return { providerMessageId: item.id, status: item.status };
  const error = item.errors?.[0];
  const words = error ? [error.title ?? error.message, error.error_data?.details].filter(Boolean).join(': ') : '';
  return {
    providerMessageId: item.id,
    status: 'failed',
    error: error ? `${words || 'WhatsApp refused the message'} (${error.code})` : 'WhatsApp reported the message failed',
    errorCode: error ? `whatsapp:${error.code}` : undefined,
  };
}

/** What WhatsApp shows inline; other files go as documents. */
const inline = { image: ['image/jpeg', 'image/png'], video: ['video/mp4', 'video/3gpp'], audio: ['audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg'] };

function parts(message: OutboundMessage, to: string): unknown[] {
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
  if (message.template) {
    const { name, language, parameters } = message.template;
    const components = parameters.length > 0 ? [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] : [];
    return [{ ...envelope, type: 'template', template: { name, language: { code: language }, components } }];
  }
  const files = (message.attachments ?? []).map((attachment) => ({ attachment, kind: mediaKind(attachment.contentType, inline) }));
  const text = message.text.trim() === '' ? undefined : message.text;
  // A caption carries the text with the first file, where WhatsApp allows one (not on audio).
  const captioned = text !== undefined && files[0] !== undefined && files[0].kind !== 'audio';
  const result: unknown[] = text !== undefined && !captioned ? [{ ...envelope, type: 'text', text: { body: text, preview_url: true } }] : [];
  files.forEach(({ attachment, kind }, index) => {
    const type = kind === 'file' ? 'document' : kind;
    const caption = captioned && index === 0 ? { caption: text } : {};
    const fileName = type === 'document' ? { filename: attachment.name } : {};
    result.push({ ...envelope, type, [type]: { link: attachment.url, ...caption, ...fileName } });
  });
  return result;
}

const readMessageId = (json: unknown) => (json as { messages?: Array<{ id?: string }> } | undefined)?.messages?.[0]?.id;

export const whatsappChannel: ChannelModule<WhatsAppSettings> = {
  type: 'whatsapp',
  settingsSchema,
  secretKeys: ['accessToken', 'appSecret'],
  form: [
    { key: 'phoneNumberId', kind: 'text', required: true },
    { key: 'accessToken', kind: 'secret', required: true },
    { key: 'appSecret', kind: 'secret', required: true },
    { key: 'verifyToken', kind: 'generated', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://graph.facebook.com' },
  ],
  maxTextLength: WHATSAPP_TEXT_LIMIT,
  templates: { placeholders: 'numbered', categories: ['MARKETING', 'UTILITY', 'AUTHENTICATION'], namePattern: /^[a-z0-9_]{1,512}$/, maxBodyLength: 1024 },
  // A number in E.164 is a wa_id once its `+` is gone.
  firstContact: { field: 'phone', identifier: (phone) => phone.replace(/^\+/, '') },

  verifyWebhook: (request, settings) => verifyMetaSignature(request, settings.appSecret),
  handshake: (request, settings) => metaHandshake(request, settings.verifyToken),

  parseWebhook(request, settings): WebhookEvents {
    const body = parseMetaBody(request, 'whatsapp_business_account', payload);
    const events: WebhookEvents = { messages: [], receipts: [], ignored: [] };
    for (const change of body.entry.flatMap((entry) => entry.changes)) {
      if (change.field !== 'messages') {
        events.ignored.push(`field:${change.field}`);
        continue;
      }
      const parsed = messagesValue.safeParse(change.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        // Malformed, not merely unknown: the sender should hear it, and nothing of it is stored.
        throw badRequest('invalid_payload', `entry.changes.value.${issue.path.join('.')}: ${issue.message}`);
      }
      const value = parsed.data;
      // One app's webhook hears every number of the business account; this channel is one number.
      if (value.metadata.phone_number_id !== settings.phoneNumberId) {
        events.ignored.push('other-phone-number');
        continue;
      }
      const names = new Map((value.contacts ?? []).map((contact) => [contact.wa_id, contact.profile?.name]));
      for (const item of value.messages ?? []) events.messages.push(inbound(item, names.get(item.from)));
      for (const item of value.statuses ?? []) {
        const update = receipt(item);
        if (update) events.receipts.push(update);
        else events.ignored.push(`status:${item.status}`);
      }
    }
    return events;
  },

  windowPolicy: (input) => templateWindow(input, 24),

  async send(message, settings, context) {
    return sendParts('whatsapp', context, {
      baseUrl: settings.apiBaseUrl,
      path: `${settings.phoneNumberId}/messages`,
      token: settings.accessToken,
      parts: parts(message, message.recipient.identifier),
      readId: readMessageId,
    });
  },

  testConnection: (settings, context) =>
    testGraphCall('whatsapp', context, { baseUrl: settings.apiBaseUrl, path: `${settings.phoneNumberId}?fields=display_phone_number,verified_name`, token: settings.accessToken }, (json) => {
      const number = json as { display_phone_number?: string; verified_name?: string } | undefined;
      if (!number?.display_phone_number) return undefined;
      return number.verified_name ? `${number.display_phone_number} (${number.verified_name})` : number.display_phone_number;
    }),

  /** GET /{media-id} answers a short-lived URL, which is downloaded with the same token. */
  async fetchMedia(item, settings, context, maxBytes) {
    const { response, json } = await graphCall(context, { baseUrl: settings.apiBaseUrl, path: encodeURIComponent(item.ref), token: settings.accessToken });
    const found = json as { url?: string; mime_type?: string; file_size?: number } | undefined;
    if (response.status !== 200 || !found?.url) throw new Error(`Meta answered ${response.status} for media ${item.ref}`);
    const file = await download(context, found.url, settings.accessToken, maxBytes);
    return { content: file.content, contentType: found.mime_type ?? file.contentType, fileName: item.fileName };
  },
};
