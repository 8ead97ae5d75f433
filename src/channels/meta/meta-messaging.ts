import { z } from 'zod';
import type { ChannelIdentity, ChannelModule, InboundMedia, InboundMessage, MediaKind, OutboundMessage, SettingsField, WebhookEvents } from '../channel-registry.js';
import { humanAgentWindow } from '../messaging-window.rules.js';
import { download, fromUnixMillis, graphCall, metaHandshake, parseMetaBody, testGraphCall, verifyMetaSignature } from './meta-platform.js';
import { mediaKind, sendParts } from './meta-send.js';

/**
 * Messenger and Instagram speak the same Messenger Platform format: `entry[].messaging[]` events
 * in, the Send API out, a 24-hour window and the HUMAN_AGENT tag for a person's reply up to
 * 7 days after the contact's last message (../shared/CHANNELS.md). Each provider's folder gives
 * its own settings, limits and profile fields to `metaMessagingChannel`.
 */
export const HUMAN_AGENT = 'HUMAN_AGENT';

type BaseSettings = { appSecret: string; verifyToken: string; apiBaseUrl: string };

export type MessagingSpec<Settings extends BaseSettings> = {
  type: string;
  object: 'page' | 'instagram';
  settingsSchema: z.ZodType<Settings>;
  secretKeys: readonly string[];
  form: readonly SettingsField[];
  maxTextLength: number;
  /** The page or Instagram account this channel is: `entry[].id` and the send path. */
  accountId(settings: Settings): string;
  token(settings: Settings): string;
  /** Tags Meta retired: refused before any call, whatever the window (`tag_not_allowed`). */
  retiredTags: readonly string[];
  /** `GET /{id}?fields=…` for the contact's profile, and how its answer reads. */
  profileFields: string;
  profileOf(json: unknown): Omit<ChannelIdentity, 'identifier'> | undefined;
  /** `GET /{account}?fields=…` for "test connection", and what it says in words. */
  accountFields: string;
  describeAccount(json: unknown): string | undefined;
};

const attachment = z
  .object({
    type: z.string().max(50),
    payload: z
      .object({ url: z.string().max(4000).optional(), coordinates: z.object({ lat: z.number(), long: z.number() }).optional(), title: z.string().max(1000).optional() })
      .loose()
      .nullable()
      .optional(),
    title: z.string().max(1000).optional(),
  })
  .loose();

const messaging = z
  .object({
    sender: z.object({ id: z.string().min(1).max(100) }),
    recipient: z.object({ id: z.string().min(1).max(100) }),
    timestamp: z.number().optional(),
    message: z
      .object({
        mid: z.string().min(1).max(500),
        text: z.string().max(20_000).optional(),
        is_echo: z.boolean().optional(),
        is_deleted: z.boolean().optional(),
        is_unsupported: z.boolean().optional(),
        sticker_id: z.number().optional(),
        attachments: z.array(attachment).max(20).optional(),
      })
      .loose()
      .optional(),
    delivery: z.object({ mids: z.array(z.string().max(500)).max(1000).optional(), watermark: z.number().optional() }).loose().optional(),
    read: z.object({ watermark: z.number().optional(), mid: z.string().max(500).optional() }).loose().optional(),
    postback: z.object({ title: z.string().max(1000).optional(), mid: z.string().max(500).optional() }).loose().optional(),
  })
  .loose();

const payloadOf = (object: string) =>
  z.object({
    object: z.literal(object),
    entry: z
      .array(
        z
          .object({
            id: z.string().max(100),
            messaging: z.array(messaging).max(1000).optional(),
            changes: z.array(z.object({ field: z.string().max(100) }).loose()).max(100).optional(),
            standby: z.array(z.unknown()).max(1000).optional(),
          })
          .loose(),
      )
      .max(100),
  });

const mediaKinds: Record<string, MediaKind> = { image: 'image', video: 'video', audio: 'audio', file: 'document' };

function inbound(event: z.infer<typeof messaging>, message: NonNullable<z.infer<typeof messaging>['message']>): InboundMessage {
  const base = { providerMessageId: message.mid, contact: { identifier: event.sender.id }, sentAt: event.timestamp === undefined ? undefined : fromUnixMillis(event.timestamp) };
  const text = message.text ?? '';
  const attachments = message.attachments ?? [];
  const media: InboundMedia[] = attachments.flatMap((item) => {
    const kind: MediaKind | undefined = message.sticker_id !== undefined && item.type === 'image' ? 'sticker' : mediaKinds[item.type];
    return kind && item.payload?.url ? [{ kind, ref: item.payload.url }] : [];
  });
  if (media.length > 0) return { ...base, text, content: { kind: media[0]!.kind }, media };
  const first = attachments[0];
  if (first?.type === 'location' && first.payload?.coordinates) {
    const { lat, long } = first.payload.coordinates;
    const name = first.title ?? first.payload.title;
    return { ...base, text: text || name || '', content: { kind: 'location', latitude: lat, longitude: long, name } };
  }
  if (first) return { ...base, text, content: { kind: 'unsupported', providerType: first.type } };
  if (message.is_unsupported || text === '') return { ...base, text, content: { kind: 'unsupported', providerType: 'unsupported' } };
  return { ...base, text };
}

/** What the Send API gets for a reply: a text and its files, one message each (the Send API takes one attachment a message). */
function parts(message: OutboundMessage, inline: Parameters<typeof mediaKind>[1]): Array<Record<string, unknown>> {
  const result: Array<Record<string, unknown>> = [];
  if (message.text.trim() !== '') result.push({ text: message.text });
  for (const attachment of message.attachments ?? []) {
    result.push({ attachment: { type: mediaKind(attachment.contentType, inline), payload: { url: attachment.url, is_reusable: false } } });
  }
  return result;
}

const inline = {
  image: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
  video: ['video/mp4', 'video/quicktime', 'video/webm'],
  audio: ['audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/ogg'],
};

const readMessageId = (json: unknown) => (json as { message_id?: string } | undefined)?.message_id;

export function metaMessagingChannel<Settings extends BaseSettings>(spec: MessagingSpec<Settings>): ChannelModule<Settings> {
  const payload = payloadOf(spec.object);
  const retired = new Set(spec.retiredTags);

  return {
    type: spec.type,
    settingsSchema: spec.settingsSchema,
    secretKeys: spec.secretKeys,
    form: spec.form,
    maxTextLength: spec.maxTextLength,

    verifyWebhook: (request, settings) => verifyMetaSignature(request, settings.appSecret),
    handshake: (request, settings) => metaHandshake(request, settings.verifyToken),

    parseWebhook(request, settings): WebhookEvents {
      const body = parseMetaBody(request, spec.object, payload);
      const events: WebhookEvents = { messages: [], receipts: [], ignored: [] };
      const account = spec.accountId(settings);
      for (const entry of body.entry) {
        if (entry.id !== account) {
          events.ignored.push('other-account');
          continue;
        }
        for (const change of entry.changes ?? []) events.ignored.push(`field:${change.field}`);
        if (entry.standby) events.ignored.push('standby');
        for (const event of entry.messaging ?? []) {
          const { message, delivery, read, postback } = event;
          if (message?.is_echo) events.ignored.push('echo');
          else if (message?.is_deleted) events.ignored.push('deleted');
          else if (message) events.messages.push(inbound(event, message));
          else if (postback?.title) {
            const id = postback.mid ?? `postback:${event.sender.id}:${event.timestamp ?? 0}`;
            events.messages.push({ providerMessageId: id, contact: { identifier: event.sender.id }, text: postback.title, sentAt: event.timestamp === undefined ? undefined : fromUnixMillis(event.timestamp) });
          } else if (delivery) {
            for (const mid of delivery.mids ?? []) events.receipts.push({ providerMessageId: mid, status: 'delivered' });
            if (delivery.watermark !== undefined) events.receipts.push({ identifier: event.sender.id, status: 'delivered', watermark: fromUnixMillis(delivery.watermark) });
          } else if (read?.watermark !== undefined) events.receipts.push({ identifier: event.sender.id, status: 'read', watermark: fromUnixMillis(read.watermark) });
          else if (read?.mid) events.receipts.push({ providerMessageId: read.mid, status: 'read' });
          else events.ignored.push(`event:${Object.keys(event).find((key) => !['sender', 'recipient', 'timestamp'].includes(key)) ?? 'empty'}`);
        }
      }
      return events;
    },

    windowPolicy: (input) => humanAgentWindow(input, { hours: 24, tag: HUMAN_AGENT, tagDays: 7 }),

    checkOutbound({ tag }) {
      if (tag && retired.has(tag)) {
        return { code: 'tag_not_allowed', message: `Meta retired the message tag ${tag} on 2026-04-27: only ${HUMAN_AGENT} remains, for a person's reply within 7 days` };
      }
      return null;
    },

    async send(message, settings, context) {
      const envelope = message.tag
        ? { recipient: { id: message.recipient.identifier }, messaging_type: 'MESSAGE_TAG', tag: message.tag }
        : { recipient: { id: message.recipient.identifier }, messaging_type: 'RESPONSE' };
      return sendParts(spec.type, context, {
        baseUrl: settings.apiBaseUrl,
        path: `${spec.accountId(settings)}/messages`,
        token: spec.token(settings),
        parts: parts(message, inline).map((part) => ({ ...envelope, message: part })),
        readId: readMessageId,
      });
    },

    testConnection: (settings, context) =>
      testGraphCall(spec.type, context, { baseUrl: settings.apiBaseUrl, path: `${spec.accountId(settings)}?fields=${spec.accountFields}`, token: spec.token(settings) }, spec.describeAccount),

    async fetchProfile(identifier, settings, context) {
      const { response, json } = await graphCall(context, { baseUrl: settings.apiBaseUrl, path: `${encodeURIComponent(identifier)}?fields=${spec.profileFields}`, token: spec.token(settings) });
      if (response.status !== 200) throw new Error(`Meta answered ${response.status} for the profile`);
      return spec.profileOf(json);
    },

    /** Messenger's and Instagram's files are URLs on Meta's CDN, fetched as they are. */
    async fetchMedia(item, _settings, context, maxBytes) {
      return download(context, item.ref, undefined, maxBytes);
    },
  };
}
