import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sameBytes } from '../../platform/constant-time.js';
import { AppError, badRequest } from '../../platform/errors.js';
import type { ChannelContext, ChannelModule, HttpResponse, InboundMessage, SendResult, WebhookEvents, WebhookRequest } from '../channel-registry.js';
import { alwaysOpen } from '../messaging-window.rules.js';

/**
 * LINE Messaging API (../shared/CHANNELS.md, "LINE Messaging API"). The contact is the user id;
 * no window, no receipts. Replies go by push (a reply token lasts about a minute), each with
 * `X-Line-Retry-Key` = the message's id, so a retried push is never delivered twice. Events are
 * stored once by their `webhookEventId`; the contact's name and picture come from its profile.
 */
const DEFAULT_BASE = 'https://api.line.me';
/** Where LINE keeps message files: another host than the API's (a simulator plays both). */
const DEFAULT_DATA_BASE = 'https://api-data.line.me';

const settingsSchema = z.strictObject({
  channelSecret: z.string().trim().min(8, 'at least 8 characters').max(500),
  channelAccessToken: z.string().trim().min(1).max(4000),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default(DEFAULT_BASE),
});
export type LineSettings = z.infer<typeof settingsSchema>;

export const LINE_TEXT_LIMIT = 5000;
export const SIGNATURE_HEADER = 'x-line-signature';

export const lineSignature = (channelSecret: string, body: string | Buffer) => createHmac('sha256', channelSecret).update(body).digest('base64');

const event = z
  .object({
    type: z.string().max(100),
    mode: z.string().max(50).optional(),
    timestamp: z.number(),
    webhookEventId: z.string().min(1).max(200),
    source: z.object({ type: z.string().max(50), userId: z.string().max(100).optional() }).loose().optional(),
    message: z.unknown().optional(),
  })
  .loose();
const payload = z.object({ destination: z.string().max(100).optional(), events: z.array(z.unknown()).max(1000) });

const message = z
  .object({
    id: z.string().min(1).max(100),
    type: z.string().max(50),
    text: z.string().max(20_000).optional(),
    fileName: z.string().max(500).optional(),
    title: z.string().max(1000).optional(),
    address: z.string().max(1000).optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
    keywords: z.array(z.string().max(100)).max(50).optional(),
    contentProvider: z.object({ type: z.string().max(50), originalContentUrl: z.string().max(2000).optional() }).loose().optional(),
  })
  .loose();

const base = (settings: LineSettings) => settings.apiBaseUrl.replace(/\/+$/, '');
const dataBase = (settings: LineSettings) => (base(settings) === DEFAULT_BASE ? DEFAULT_DATA_BASE : base(settings));

function verify(request: WebhookRequest, settings: LineSettings): boolean {
  const header = request.headers[SIGNATURE_HEADER];
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(lineSignature(settings.channelSecret, request.rawBody));
  return sameBytes(given, expected);
}

const mediaTypes = { image: 'image', video: 'video', audio: 'audio', file: 'document' } as const;

function inbound(item: z.infer<typeof event>, userId: string, found: z.infer<typeof message>): InboundMessage {
  const head = { providerMessageId: item.webhookEventId, contact: { identifier: userId }, sentAt: new Date(item.timestamp) };
  if (found.type === 'text') return { ...head, text: found.text ?? '' };
  const kind = mediaTypes[found.type as keyof typeof mediaTypes];
  if (kind) {
    // Files LINE keeps are fetched by message id; an external provider's by its URL.
    const ref = found.contentProvider?.type === 'external' && found.contentProvider.originalContentUrl ? found.contentProvider.originalContentUrl : `line:${found.id}`;
    return { ...head, text: '', content: { kind, fileName: found.fileName }, media: [{ kind, ref, fileName: found.fileName }] };
  }
  if (found.type === 'location' && found.latitude !== undefined && found.longitude !== undefined) {
    return {
      ...head,
      text: [found.title, found.address].filter(Boolean).join('\n'),
      content: { kind: 'location', latitude: found.latitude, longitude: found.longitude, name: found.title, address: found.address },
    };
  }
  if (found.type === 'sticker') return { ...head, text: '', content: { kind: 'sticker' } };
  return { ...head, text: '', content: { kind: 'unsupported', providerType: found.type } };
}

const json = (response: HttpResponse): any => {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
};
const headerOf = (response: HttpResponse, name: string) => {
  const value = response.headers[name];
  return typeof value === 'string' ? value : undefined;
};

function failure(response: HttpResponse): Extract<SendResult, { ok: false }> {
  const body = json(response) as { message?: string; details?: Array<{ message?: string; property?: string }> } | undefined;
  const detail = body?.details?.[0];
  const words = [body?.message ?? `LINE answered ${response.status}`, detail && [detail.property, detail.message].filter(Boolean).join(': ')].filter(Boolean).join(' — ');
  // The monthly message quota does not come back within the hour; other 429s are rate limits.
  const monthly = response.status === 429 && /monthly limit/i.test(body?.message ?? '');
  const retryable = !monthly && (response.status === 429 || response.status >= 500);
  return { ok: false, error: words, retryable, code: monthly ? 'line:monthly_limit' : `line:${response.status}` };
}

/** A file of a reply: images inline (LINE shows them), anything else as a link in text. */
function messagesOf(text: string, attachments: NonNullable<Parameters<ChannelModule['send']>[0]['attachments']>): unknown[] {
  const parts: unknown[] = [];
  const links: string[] = [];
  for (const attachment of attachments) {
    if (attachment.contentType === 'image/jpeg' || attachment.contentType === 'image/png') {
      parts.push({ type: 'image', originalContentUrl: attachment.url, previewImageUrl: attachment.url });
    } else links.push(`${attachment.name}: ${attachment.url}`);
  }
  const body = [text.trim() === '' ? undefined : text, ...links].filter(Boolean).join('\n\n');
  if (body) parts.unshift({ type: 'text', text: body });
  return parts;
}

async function get(context: ChannelContext, settings: LineSettings, url: string, maxBytes?: number) {
  return context.http(url, { method: 'GET', headers: { authorization: `Bearer ${settings.channelAccessToken}` }, ...(maxBytes ? { maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 } : {}) });
}

export const lineChannel: ChannelModule<LineSettings> = {
  type: 'line',
  settingsSchema,
  secretKeys: ['channelSecret', 'channelAccessToken'],
  form: [
    { key: 'channelSecret', kind: 'secret', required: true },
    { key: 'channelAccessToken', kind: 'secret', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: DEFAULT_BASE },
  ],
  maxTextLength: LINE_TEXT_LIMIT,

  verifyWebhook: verify,

  parseWebhook(request): WebhookEvents {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw badRequest('invalid_json', 'The body is not JSON');
    }
    const parsed = payload.safeParse(body);
    if (!parsed.success) throw badRequest('invalid_payload', `${parsed.error.issues[0]!.path.join('.') || 'body'}: ${parsed.error.issues[0]!.message}`);
    const events: WebhookEvents = { messages: [], receipts: [], ignored: [] };
    // An empty list is LINE's connectivity check ("Verify" in the console): acknowledged, nothing stored.
    for (const [index, raw] of parsed.data.events.entries()) {
      const item = event.safeParse(raw);
      if (!item.success) throw badRequest('invalid_payload', `events.${index}.${item.error.issues[0]!.path.join('.')}: ${item.error.issues[0]!.message}`);
      const { type, mode, source } = item.data;
      if (type !== 'message') {
        events.ignored.push(`event:${type}`);
        continue;
      }
      // Standby: another channel of the account answers this user (module mode).
      if (mode === 'standby') {
        events.ignored.push('mode:standby');
        continue;
      }
      if (source?.type !== 'user' || !source.userId) {
        events.ignored.push(`source:${source?.type ?? 'none'}`);
        continue;
      }
      const found = message.safeParse(item.data.message);
      if (!found.success) throw badRequest('invalid_payload', `events.${index}.message.${found.error.issues[0]!.path.join('.')}: ${found.error.issues[0]!.message}`);
      events.messages.push(inbound(item.data, source.userId, found.data));
    }
    return events;
  },

  windowPolicy: () => alwaysOpen,

  async send(outbound, settings, context) {
    const parts = messagesOf(outbound.text, outbound.attachments ?? []).slice(0, 5);
    if (parts.length === 0) return { ok: false, error: 'Nothing to send', retryable: false };
    let response: HttpResponse;
    try {
      response = await context.http(`${base(settings)}/v2/bot/message/push`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${settings.channelAccessToken}`,
          // The message's own id (a UUID): LINE delivers a push with a given key once, and answers a repeat 409.
          'x-line-retry-key': outbound.id,
        },
        body: JSON.stringify({ to: outbound.recipient.identifier, messages: parts }),
      });
    } catch (error) {
      return { ok: false, error: `LINE could not be reached: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
    }
    if (response.status === 200) {
      const sent = (json(response) as { sentMessages?: Array<{ id?: string }> } | undefined)?.sentMessages?.[0]?.id;
      return { ok: true, providerMessageId: sent ?? headerOf(response, 'x-line-request-id') ?? outbound.id };
    }
    // A push with this retry key was accepted before (our earlier attempt's answer was lost): it went out, once.
    if (response.status === 409 && headerOf(response, 'x-line-accepted-request-id')) {
      return { ok: true, providerMessageId: headerOf(response, 'x-line-accepted-request-id')! };
    }
    return failure(response);
  },

  async testConnection(settings, context) {
    const response = await get(context, settings, `${base(settings)}/v2/bot/info`);
    const info = json(response) as { displayName?: string; basicId?: string } | undefined;
    if (response.status !== 200 || !info?.displayName) return { ok: false, error: failure(response).error };
    return { ok: true, detail: info.basicId ? `${info.displayName} (${info.basicId})` : info.displayName };
  },

  async fetchProfile(identifier, settings, context) {
    const response = await get(context, settings, `${base(settings)}/v2/bot/profile/${encodeURIComponent(identifier)}`);
    // 404: the user is not a friend of the bot (any more): nothing to learn, nothing to retry.
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`LINE answered ${response.status} for the profile`);
    const profile = json(response) as { displayName?: string; pictureUrl?: string; language?: string } | undefined;
    return { name: profile?.displayName, avatarUrl: profile?.pictureUrl, language: profile?.language };
  },

  async fetchMedia(item, settings, context, maxBytes) {
    const url = item.ref.startsWith('line:') ? `${dataBase(settings)}/v2/bot/message/${encodeURIComponent(item.ref.slice(5))}/content` : item.ref;
    const response = item.ref.startsWith('line:') ? await get(context, settings, url, maxBytes) : await context.http(url, { method: 'GET', maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
    if (response.status !== 200) throw new Error(`LINE answered ${response.status} for the file`);
    if (response.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
    const type = headerOf(response, 'content-type');
    return { content: response.body, contentType: type?.split(';')[0]!.trim(), fileName: item.fileName };
  },
};
