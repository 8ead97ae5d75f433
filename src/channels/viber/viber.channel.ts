import { createHmac } from 'node:crypto';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { z } from 'zod';
import { sameBytes } from '../../platform/constant-time.js';
import { AppError, badRequest } from '../../platform/errors.js';
import type { ChannelContext, ChannelModule, HttpResponse, InboundMessage, MessageReceipt, SendResult, WebhookEvents, WebhookRequest } from '../channel-registry.js';
import { HOUR_MS, type WindowInput, type WindowState } from '../messaging-window.rules.js';

/**
 * Viber REST Bot API (../shared/CHANNELS.md, "Viber REST Bot API"). The contact is the sender id.
 * For 24 h after the contact's last message a reply is part of the session; after that each
 * message is "chatbot-initiated": counted per channel per calendar month (UTC) in the channel's
 * shared state, 10,000 free, beyond that refused unless the channel is on Viber's commercial
 * terms (paid per message). `message_token` exceeds 2^53: it is read from the raw JSON as a string.
 */
const DEFAULT_BASE = 'https://chatapi.viber.com';

const settingsSchema = z.strictObject({
  authToken: z.string().trim().min(8, 'at least 8 characters').max(500),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default(DEFAULT_BASE),
  commercialTerms: z.boolean().default(false),
});
export type ViberSettings = z.infer<typeof settingsSchema>;

export const VIBER_TEXT_LIMIT = 7000;
export const VIBER_FREE_MONTHLY = 10_000;
export const SESSION_HOURS = 24;
export const SIGNATURE_HEADER = 'x-viber-content-signature';
const SENDER_NAME = 'senderName';

export const viberSignature = (authToken: string, body: string | Buffer) => createHmac('sha256', authToken).update(body).digest('hex');

/** The shared counter of chatbot-initiated messages in the calendar month (UTC) of `now`. */
export const chatbotCounter = (now: Date) => `chatbot-initiated:${now.toISOString().slice(0, 7)}`;

/** The first instant of the next calendar month (UTC): when the free messages start again. */
const nextMonth = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));

/** Past the session: the message counts against the month's quota. */
const outsideSession = (lastInboundAt: Date | null | undefined, now: Date) => !lastInboundAt || now.getTime() >= lastInboundAt.getTime() + SESSION_HOURS * HOUR_MS;

/** Pure (SPEC §4.1): a session for 24 h after the contact's last message; then chatbot-initiated messages, 10,000 free a month. */
export function viberWindow(input: WindowInput, commercialTerms: boolean): WindowState {
  const none = { templates: false, tags: [], remaining: null };
  if (!outsideSession(input.lastInboundAt, input.now)) {
    return { ...none, freeText: true, closesAt: new Date(input.lastInboundAt!.getTime() + SESSION_HOURS * HOUR_MS), reason: 'open' };
  }
  const used = input.counters?.[chatbotCounter(input.now)] ?? 0;
  const quota = { used, limit: VIBER_FREE_MONTHLY, paid: commercialTerms };
  if (used >= VIBER_FREE_MONTHLY && !commercialTerms) return { ...none, freeText: false, closesAt: nextMonth(input.now), reason: 'quota_exceeded', quota };
  return { ...none, freeText: true, closesAt: null, reason: 'chatbot_initiated', quota };
}

const token = z.union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative()]).transform(String);
const sender = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(500).optional(),
  avatar: z.string().max(2000).optional(),
  country: z.string().max(10).optional(),
  language: z.string().max(35).optional(),
});
const message = z
  .object({
    type: z.string().max(50),
    text: z.string().max(20_000).optional(),
    media: z.string().max(4000).optional(),
    file_name: z.string().max(500).optional(),
    location: z.object({ lat: z.number(), lon: z.number() }).loose().optional(),
    contact: z.object({ name: z.string().max(500).optional(), phone_number: z.string().max(100).optional() }).loose().optional(),
  })
  .loose();
const event = z.object({ event: z.string().max(100), timestamp: z.number().optional(), message_token: token.optional() }).loose();
const messageEvent = z.object({ event: z.literal('message'), timestamp: z.number(), message_token: token, sender, message }).loose();
const receiptEvent = z.object({ event: z.enum(['delivered', 'seen', 'failed']), message_token: token, user_id: z.string().max(200).optional(), desc: z.string().max(1000).optional() }).loose();

/** JSON with every integer too large for a double kept as its digits (Viber's message_token). */
function parseJson(text: string): unknown {
  return parseLossless(text, null, (value) => (isSafeNumber(value) ? Number(value) : value));
}

function verify(request: WebhookRequest, settings: ViberSettings): boolean {
  const header = request.headers[SIGNATURE_HEADER];
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header.toLowerCase());
  const expected = Buffer.from(viberSignature(settings.authToken, request.rawBody));
  return sameBytes(given, expected);
}

/** Viber says `UK` where ISO 3166 says `GB`. */
const countryOf = (value: string | undefined) => {
  const code = value?.trim().toUpperCase();
  if (!code || !/^[A-Z]{2}$/.test(code)) return undefined;
  return code === 'UK' ? 'GB' : code;
};

const mediaKinds = { picture: 'image', video: 'video', file: 'document' } as const;

function inbound(item: z.infer<typeof messageEvent>): InboundMessage {
  const { sender: who, message: found } = item;
  const head = {
    providerMessageId: item.message_token,
    contact: { identifier: who.id, name: who.name, avatarUrl: who.avatar, country: countryOf(who.country), language: who.language },
    sentAt: new Date(item.timestamp),
  };
  if (found.type === 'text') return { ...head, text: found.text ?? '' };
  const kind = mediaKinds[found.type as keyof typeof mediaKinds];
  if (kind && found.media) {
    return { ...head, text: found.text ?? '', content: { kind, fileName: found.file_name }, media: [{ kind, ref: found.media, fileName: found.file_name }] };
  }
  if (found.type === 'location' && found.location) return { ...head, text: '', content: { kind: 'location', latitude: found.location.lat, longitude: found.location.lon } };
  if (found.type === 'sticker') return { ...head, text: '', content: { kind: 'sticker' } };
  if (found.type === 'contact' && found.contact) {
    const card = { name: found.contact.name ?? '', phones: found.contact.phone_number ? [found.contact.phone_number] : [] };
    return { ...head, text: [card.name, ...card.phones].filter(Boolean).join(' '), content: { kind: 'contacts', contacts: [card] } };
  }
  if (found.type === 'url' && found.media) return { ...head, text: found.media };
  return { ...head, text: '', content: { kind: 'unsupported', providerType: found.type } };
}

function receipt(item: z.infer<typeof receiptEvent>): MessageReceipt {
  if (item.event === 'failed') return { providerMessageId: item.message_token, status: 'failed', error: item.desc ? `Viber: ${item.desc}` : 'Viber reported the message failed', errorCode: 'viber:failed' };
  return { providerMessageId: item.message_token, status: item.event === 'seen' ? 'read' : 'delivered' };
}

type ViberAnswer = { status?: number; status_message?: string; message_token?: string | number; name?: string };

async function call(context: ChannelContext, settings: ViberSettings, path: string, body: unknown): Promise<{ response: HttpResponse; json: ViberAnswer | undefined }> {
  const response = await context.http(`${settings.apiBaseUrl.replace(/\/+$/, '')}/pa/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-viber-auth-token': settings.authToken },
    body: JSON.stringify(body),
  });
  let json: ViberAnswer | undefined;
  try {
    json = parseJson(response.body.toString('utf8')) as ViberAnswer;
  } catch {
    json = undefined;
  }
  return { response, json };
}

/** Viber's statuses that pass: tooManyRequests (12) and its own trouble; the rest are final. */
const temporary = new Set([12]);

/** The bot's name, which every message must carry as its sender: read once from the account, then kept. */
async function senderName(context: ChannelContext, settings: ViberSettings): Promise<string> {
  const known = await context.state.get<string>(SENDER_NAME);
  if (known) return known;
  const { json } = await call(context, settings, 'get_account_info', {});
  const name = json?.status === 0 && json.name ? json.name.slice(0, 28) : undefined;
  if (!name) throw new Error(json?.status_message ?? 'Viber did not answer the account’s name');
  await context.state.set(SENDER_NAME, name);
  return name;
}

function bodiesOf(text: string, attachments: NonNullable<Parameters<ChannelModule['send']>[0]['attachments']>) {
  const bodies: Array<Record<string, unknown>> = [];
  const rest = text.trim() === '' ? undefined : text;
  for (const attachment of attachments) {
    if (attachment.contentType === 'image/jpeg' || attachment.contentType === 'image/png') bodies.push({ type: 'picture', media: attachment.url, text: '' });
    else bodies.push({ type: 'file', media: attachment.url, size: attachment.size, file_name: attachment.name.slice(0, 256) });
  }
  if (rest !== undefined) bodies.unshift({ type: 'text', text: rest });
  return bodies;
}

export const viberChannel: ChannelModule<ViberSettings> = {
  type: 'viber',
  settingsSchema,
  secretKeys: ['authToken'],
  form: [
    { key: 'authToken', kind: 'secret', required: true },
    { key: 'commercialTerms', kind: 'boolean', required: false, default: false },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: DEFAULT_BASE },
  ],
  maxTextLength: VIBER_TEXT_LIMIT,

  verifyWebhook: verify,

  parseWebhook(request): WebhookEvents {
    let body: unknown;
    try {
      body = parseJson(request.rawBody.toString('utf8'));
    } catch {
      throw badRequest('invalid_json', 'The body is not JSON');
    }
    const head = event.safeParse(body);
    if (!head.success) throw badRequest('invalid_payload', `${head.error.issues[0]!.path.join('.') || 'body'}: ${head.error.issues[0]!.message}`);
    const events: WebhookEvents = { messages: [], receipts: [], ignored: [] };
    const kind = head.data.event;
    if (kind === 'message') {
      const parsed = messageEvent.safeParse(body);
      if (!parsed.success) throw badRequest('invalid_payload', `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
      events.messages.push(inbound(parsed.data));
    } else if (kind === 'delivered' || kind === 'seen' || kind === 'failed') {
      const parsed = receiptEvent.safeParse(body);
      if (!parsed.success) throw badRequest('invalid_payload', `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
      events.receipts.push(receipt(parsed.data));
    } else {
      // `webhook` (set_webhook's check: a 200 is the answer), subscribed, unsubscribed, conversation_started…
      events.ignored.push(`event:${kind}`);
    }
    return events;
  },

  windowPolicy: (input, settings) => viberWindow(input, settings.commercialTerms),
  windowCounters: (now) => [chatbotCounter(now)],

  async send(outbound, settings, context) {
    const bodies = bodiesOf(outbound.text, outbound.attachments ?? []);
    if (bodies.length === 0) return { ok: false, error: 'Nothing to send', retryable: false };
    const now = context.now();
    // Counted before the call, across processes at once: the 10,001st is refused even when two send together.
    const counted = outsideSession(outbound.lastInboundAt, now) ? chatbotCounter(now) : undefined;
    const release = async () => {
      if (counted) await context.state.increment(counted, -bodies.length);
    };
    if (counted) {
      const used = await context.state.increment(counted, bodies.length);
      if (used > VIBER_FREE_MONTHLY && !settings.commercialTerms) {
        await release();
        return { ok: false, error: `This month’s ${VIBER_FREE_MONTHLY.toLocaleString('en')} free chatbot-initiated messages are used up`, retryable: false, code: 'viber:quota_exceeded' };
      }
    }
    let last: SendResult | undefined;
    try {
      const name = await senderName(context, settings);
      for (const body of bodies) {
        const { response, json } = await call(context, settings, 'send_message', { receiver: outbound.recipient.identifier, min_api_version: 1, sender: { name }, ...body });
        if (response.status === 200 && json?.status === 0 && json.message_token !== undefined) {
          last = { ok: true, providerMessageId: String(json.message_token) };
          continue;
        }
        const status = json?.status;
        const words = json?.status_message ?? `Viber answered ${response.status}`;
        last = {
          ok: false,
          error: status === undefined ? words : `${words} (${status})`,
          retryable: response.status >= 500 || response.status === 429 || (status !== undefined && temporary.has(status)),
          ...(status === undefined ? {} : { code: `viber:${status}` }),
        };
        break;
      }
    } catch (error) {
      last = { ok: false, error: `Viber could not be reached: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
    }
    // A message Viber did not take is not one of the month's: a retry counts it again.
    if (!last?.ok) await release();
    return last ?? { ok: false, error: 'Nothing to send', retryable: false };
  },

  /** The account's name (kept: it signs every message), then `set_webhook` to this channel, which Viber checks with a `webhook` event. */
  async testConnection(settings, context) {
    const info = await call(context, settings, 'get_account_info', {});
    if (info.response.status !== 200 || info.json?.status !== 0 || !info.json.name) {
      return { ok: false, error: info.json?.status_message ? `${info.json.status_message} (${info.json.status})` : `Viber answered ${info.response.status}` };
    }
    await context.state.set(SENDER_NAME, info.json.name.slice(0, 28));
    if (!context.webhookUrl) return { ok: true, detail: info.json.name };
    const hook = await call(context, settings, 'set_webhook', {
      url: context.webhookUrl,
      event_types: ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'],
      send_name: true,
      send_photo: true,
    });
    if (hook.json?.status !== 0) return { ok: false, error: `${info.json.name}: the webhook was not set: ${hook.json?.status_message ?? hook.response.status}` };
    return { ok: true, detail: `${info.json.name}, webhook set` };
  },

  /** Viber's media links are public and short-lived. */
  async fetchMedia(item, _settings, context, maxBytes) {
    const response = await context.http(item.ref, { method: 'GET', maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
    if (response.status !== 200) throw new Error(`Viber answered ${response.status} for the file`);
    if (response.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
    const type = response.headers['content-type'];
    return { content: response.body, contentType: typeof type === 'string' ? type.split(';')[0]!.trim() : undefined, fileName: item.fileName };
  },
};
