import { z } from 'zod';
import { sameBytes } from '../../platform/constant-time.js';
import { AppError, badRequest } from '../../platform/errors.js';
import type { ChannelContext, ChannelModule, HttpResponse, InboundMedia, InboundMessage, SendResult, WebhookEvents, WebhookRequest } from '../channel-registry.js';
import { alwaysOpen } from '../messaging-window.rules.js';

/**
 * Telegram Bot API (../shared/CHANNELS.md, "Telegram Bot API"). The contact is the private chat's
 * id; no window, no receipts. Webhooks carry the secret token we gave `setWebhook` in a header;
 * each update is stored once by its `update_id`.
 */
const settingsSchema = z.strictObject({
  botToken: z.string().trim().regex(/^\d{1,20}:[\w-]{20,200}$/, 'the token @BotFather gave, such as 123456:ABC-DEF…'),
  // Telegram allows 1–256 characters A–Z, a–z, 0–9, _ and -.
  secretToken: z.string().trim().regex(/^[\w-]{16,256}$/, '16 to 256 letters, digits, _ or -'),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://api.telegram.org'),
});
export type TelegramSettings = z.infer<typeof settingsSchema>;

export const TELEGRAM_TEXT_LIMIT = 4096;
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const user = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(500).optional(),
  last_name: z.string().max(500).optional(),
  username: z.string().max(200).optional(),
  language_code: z.string().max(35).optional(),
});
const file = z.object({ file_id: z.string().min(1).max(500), file_name: z.string().max(500).optional(), mime_type: z.string().max(200).optional() }).loose();
const message = z
  .object({
    message_id: z.number().int(),
    from: user.optional(),
    chat: z.object({ id: z.number().int(), type: z.string().max(50) }).loose(),
    date: z.number().int(),
    text: z.string().max(20_000).optional(),
    caption: z.string().max(20_000).optional(),
    photo: z.array(file).max(20).optional(),
    document: file.optional(),
    audio: file.optional(),
    voice: file.optional(),
    video: file.optional(),
    video_note: file.optional(),
    sticker: file.extend({ emoji: z.string().max(50).optional() }).optional(),
    location: z.object({ latitude: z.number(), longitude: z.number() }).loose().optional(),
    venue: z.object({ location: z.object({ latitude: z.number(), longitude: z.number() }).loose(), title: z.string().max(1000).optional(), address: z.string().max(1000).optional() }).loose().optional(),
    contact: z.object({ phone_number: z.string().max(100), first_name: z.string().max(500).optional(), last_name: z.string().max(500).optional() }).loose().optional(),
  })
  .loose();
const update = z.object({ update_id: z.number().int().nonnegative(), message: z.unknown().optional() }).loose();

/** The kinds of update a bot may get that are not a customer's new message (acknowledged, not stored). */
const otherUpdates = ['edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'my_chat_member', 'chat_member', 'inline_query', 'poll', 'message_reaction'];

function verify(request: WebhookRequest, settings: TelegramSettings): boolean {
  const header = request.headers[SECRET_HEADER];
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(settings.secretToken);
  return sameBytes(given, expected);
}

function parseBody(request: WebhookRequest) {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw badRequest('invalid_json', 'The body is not JSON');
  }
  const parsed = update.safeParse(json);
  if (!parsed.success) throw badRequest('invalid_payload', `${parsed.error.issues[0]!.path.join('.') || 'body'}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function inbound(updateId: number, item: z.infer<typeof message>): InboundMessage {
  const from = item.from;
  const name = [from?.first_name, from?.last_name].filter(Boolean).join(' ') || from?.username;
  const base = {
    // The update, not the message: the update is what Telegram delivers again.
    providerMessageId: String(updateId),
    contact: { identifier: String(item.chat.id), name, language: from?.language_code },
    sentAt: new Date(item.date * 1000),
  };
  const caption = item.caption ?? '';
  const withFile = (kind: InboundMedia['kind'], found: z.infer<typeof file>, fileName?: string): InboundMessage => ({
    ...base,
    text: caption,
    content: { kind, fileName: fileName ?? found.file_name },
    media: [{ kind, ref: found.file_id, contentType: found.mime_type, fileName: fileName ?? found.file_name }],
  });
  if (item.text !== undefined) return { ...base, text: item.text };
  // Telegram sends each photo in several sizes, the largest last.
  const photo = item.photo?.at(-1);
  if (photo) return withFile('image', photo);
  if (item.video ?? item.video_note) return withFile('video', (item.video ?? item.video_note)!);
  if (item.voice ?? item.audio) return withFile('audio', (item.voice ?? item.audio)!);
  if (item.document) return withFile('document', item.document);
  if (item.sticker) return { ...base, text: item.sticker.emoji ?? '', content: { kind: 'sticker' } };
  if (item.venue) {
    const { location, title, address } = item.venue;
    return { ...base, text: [title, address].filter(Boolean).join('\n'), content: { kind: 'location', latitude: location.latitude, longitude: location.longitude, name: title, address } };
  }
  if (item.location) return { ...base, text: '', content: { kind: 'location', latitude: item.location.latitude, longitude: item.location.longitude } };
  if (item.contact) {
    const card = { name: [item.contact.first_name, item.contact.last_name].filter(Boolean).join(' '), phones: [item.contact.phone_number] };
    return { ...base, text: [card.name, ...card.phones].filter(Boolean).join(' '), content: { kind: 'contacts', contacts: [card] } };
  }
  const known = Object.keys(item).find((key) => !['message_id', 'from', 'chat', 'date'].includes(key));
  return { ...base, text: '', content: { kind: 'unsupported', providerType: known ?? 'unknown' } };
}

type BotAnswer = { ok?: boolean; result?: unknown; error_code?: number; description?: string; parameters?: { retry_after?: number } };

/** A Bot API method, called with JSON; the answer's JSON (Telegram always answers `{ok, …}`). */
async function call(context: ChannelContext, settings: TelegramSettings, method: string, body?: unknown): Promise<{ response: HttpResponse; json: BotAnswer | undefined }> {
  const url = `${settings.apiBaseUrl.replace(/\/+$/, '')}/bot${settings.botToken}/${method}`;
  const response = await context.http(url, body === undefined ? { method: 'GET' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let json: BotAnswer | undefined;
  try {
    json = JSON.parse(response.body.toString('utf8')) as BotAnswer;
  } catch {
    json = undefined;
  }
  return { response, json };
}

/** Telegram's refusal as our failure: 403 (blocked by the user) is final, 429 and 5xx are tried again. */
function failure(response: HttpResponse, json: BotAnswer | undefined): Extract<SendResult, { ok: false }> {
  const code = json?.error_code ?? response.status;
  const description = json?.description ?? `Telegram answered ${response.status}`;
  if (code === 429) {
    const wait = json?.parameters?.retry_after;
    return { ok: false, error: wait ? `${description} (retry after ${wait} s)` : description, retryable: true, code: 'telegram:429', ...(wait ? { retryAfterMs: wait * 1000 } : {}) };
  }
  const retryable = response.status >= 500;
  return { ok: false, error: description.replace(/^Forbidden: /, ''), retryable, code: `telegram:${code}` };
}

async function sendOne(context: ChannelContext, settings: TelegramSettings, method: string, body: Record<string, unknown>): Promise<SendResult> {
  let answer;
  try {
    answer = await call(context, settings, method, body);
  } catch (error) {
    return { ok: false, error: `Telegram could not be reached: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
  }
  const id = (answer.json?.result as { message_id?: number } | undefined)?.message_id;
  if (answer.response.status === 200 && answer.json?.ok && id !== undefined) return { ok: true, providerMessageId: String(id) };
  return failure(answer.response, answer.json);
}

/** The Bot API method for a file, by its type. */
const methodOf = (contentType: string) =>
  contentType.startsWith('image/') && contentType !== 'image/svg+xml' ? (['sendPhoto', 'photo'] as const) : contentType.startsWith('video/') ? (['sendVideo', 'video'] as const) : contentType.startsWith('audio/') ? (['sendAudio', 'audio'] as const) : (['sendDocument', 'document'] as const);

export const telegramChannel: ChannelModule<TelegramSettings> = {
  type: 'telegram',
  settingsSchema,
  secretKeys: ['botToken'],
  form: [
    { key: 'botToken', kind: 'secret', required: true },
    { key: 'secretToken', kind: 'generated', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://api.telegram.org' },
  ],
  maxTextLength: TELEGRAM_TEXT_LIMIT,

  verifyWebhook: verify,

  parseWebhook(request): WebhookEvents {
    const body = parseBody(request);
    const events: WebhookEvents = { messages: [], receipts: [], ignored: [] };
    if (body.message === undefined) {
      events.ignored.push(`update:${otherUpdates.find((key) => key in body) ?? 'unknown'}`);
      return events;
    }
    const parsed = message.safeParse(body.message);
    if (!parsed.success) throw badRequest('invalid_payload', `message.${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    // Groups and channels are not a customer's conversation with the business.
    if (parsed.data.chat.type !== 'private' || parsed.data.from?.is_bot) events.ignored.push(`chat:${parsed.data.chat.type}`);
    else events.messages.push(inbound(body.update_id, parsed.data));
    return events;
  },

  windowPolicy: () => alwaysOpen,

  async send(outbound, settings, context) {
    const chatId = outbound.recipient.identifier;
    const files = outbound.attachments ?? [];
    const text = outbound.text.trim() === '' ? undefined : outbound.text;
    let last: SendResult | undefined;
    // A caption carries the text with the first file when it fits (1024 characters).
    const captioned = text !== undefined && files.length > 0 && text.length <= 1024;
    if (text !== undefined && !captioned) {
      last = await sendOne(context, settings, 'sendMessage', { chat_id: chatId, text });
      if (!last.ok) return last;
    }
    for (const [index, attachment] of files.entries()) {
      const [method, field] = methodOf(attachment.contentType);
      last = await sendOne(context, settings, method, { chat_id: chatId, [field]: attachment.url, ...(captioned && index === 0 ? { caption: text } : {}) });
      if (!last.ok) return last;
    }
    return last ?? { ok: false, error: 'Nothing to send', retryable: false };
  },

  /** `getMe` proves the token; `setWebhook` points the bot at this channel with our secret token. */
  async testConnection(settings, context) {
    const me = await call(context, settings, 'getMe');
    const bot = me.json?.result as { username?: string; is_bot?: boolean } | undefined;
    if (me.response.status !== 200 || !me.json?.ok || !bot?.username) return { ok: false, error: me.json?.description ?? `Telegram answered ${me.response.status}` };
    if (!context.webhookUrl) return { ok: true, detail: `@${bot.username}` };
    const hook = await call(context, settings, 'setWebhook', {
      url: context.webhookUrl,
      secret_token: settings.secretToken,
      allowed_updates: ['message'],
    });
    if (hook.response.status !== 200 || !hook.json?.ok) return { ok: false, error: `@${bot.username}: the webhook was not set: ${hook.json?.description ?? hook.response.status}` };
    return { ok: true, detail: `@${bot.username}, webhook set` };
  },

  /** `getFile` answers the file's path, downloaded from `/file/bot<token>/<path>`. */
  async fetchMedia(item, settings, context, maxBytes) {
    const found = await call(context, settings, 'getFile', { file_id: item.ref });
    const path = (found.json?.result as { file_path?: string; file_size?: number } | undefined)?.file_path;
    if (found.response.status !== 200 || !path) throw new Error(`Telegram answered ${found.response.status} for file ${item.ref}`);
    const size = (found.json?.result as { file_size?: number }).file_size;
    if (size !== undefined && size > maxBytes) throw new AppError(413, 'attachment_too_large', `The file has ${size} bytes, more than ${maxBytes}`);
    const response = await context.http(`${settings.apiBaseUrl.replace(/\/+$/, '')}/file/bot${settings.botToken}/${path}`, { method: 'GET', maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
    if (response.status !== 200) throw new Error(`Telegram answered ${response.status} for the file ${item.ref}`);
    if (response.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
    const type = response.headers['content-type'];
    return { content: response.body, contentType: item.contentType ?? (typeof type === 'string' ? type : undefined), fileName: item.fileName ?? path.split('/').at(-1) };
  },
};
