import { z } from 'zod';
import { AppError, badRequest } from '../../platform/errors.js';
import type { ChannelModule, InboundMessage, MediaKind, SendResult, WebhookEvents } from '../channel-registry.js';
import { countedWindow } from '../messaging-window.rules.js';
import { accessToken, parseWechatXml, verifyWechatQuery, WechatError, wechatCall } from './wechat-platform.js';

/**
 * A WeChat Official Account, answered with customer-service messages (../shared/CHANNELS.md,
 * "WeChat"). The contact is its OpenID. A reply may go out for 48 h after the contact's last
 * message, at most `messageLimit` of them (WeChat's limit is 5 since mid-2023; older accounts
 * were told 20); a new message from the contact resets both. Plaintext mode: WeChat's
 * encrypted mode is not supported.
 */
const settingsSchema = z.strictObject({
  appId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'the AppID WeChat shows under Settings and development → Basic configuration'),
  appSecret: z.string().trim().min(8, 'at least 8 characters').max(200),
  token: z.string().trim().regex(/^[A-Za-z0-9]{3,32}$/, '3 to 32 letters or digits, the same as in WeChat’s server configuration'),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://api.weixin.qq.com'),
  messageLimit: z.number().int().min(1).max(20).default(5),
});
export type WechatSettings = z.infer<typeof settingsSchema>;

export const WECHAT_WINDOW_HOURS = 48;

/** What WeChat's own refusals mean for the person who sent the reply. */
const readableErrors: Record<number, string> = {
  45015: 'WeChat refused it: more than 48 hours have passed since the contact’s last message, or the contact unfollowed the account (45015)',
  45047: 'WeChat refused it: the number of replies allowed since the contact’s last message is used up (45047)',
  40003: 'WeChat does not know this contact’s OpenID for this account (40003)',
  43004: 'The contact no longer follows the account (43004)',
};

const text = (value: unknown, max = 20_000): string | undefined => (typeof value === 'string' ? value.slice(0, max) : undefined);

const mediaTypes: Record<string, MediaKind> = { image: 'image', voice: 'audio', video: 'video', shortvideo: 'video' };

/** One `<xml>` message as ours; an event (a follow, a menu click) carries no message and is ignored. */
function parseMessage(xml: Record<string, unknown>): { message?: InboundMessage; ignored?: string } {
  const type = text(xml.MsgType, 50);
  const from = text(xml.FromUserName, 200);
  if (!type || !from) throw badRequest('invalid_payload', 'The message has no MsgType or FromUserName');
  if (type === 'event') return { ignored: `event:${text(xml.Event, 50) ?? 'unknown'}` };
  const id = text(xml.MsgId, 100);
  if (!id || !/^\d{1,30}$/.test(id)) throw badRequest('invalid_payload', 'MsgId: a message needs its numeric MsgId');
  const created = text(xml.CreateTime, 20);
  const sentAt = created && /^\d{1,12}$/.test(created) ? new Date(Number(created) * 1000) : undefined;
  const base = { providerMessageId: id, contact: { identifier: from }, sentAt };
  if (type === 'text') return { message: { ...base, text: text(xml.Content) ?? '' } };
  const kind = mediaTypes[type];
  const mediaId = text(xml.MediaId, 500);
  if (kind && mediaId) {
    // A voice message WeChat recognised carries its words.
    const words = type === 'voice' ? (text(xml.Recognition) ?? '') : '';
    return { message: { ...base, text: words, content: { kind }, media: [{ kind, ref: mediaId }] } };
  }
  if (type === 'location') {
    const latitude = Number(xml.Location_X);
    const longitude = Number(xml.Location_Y);
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) {
      const label = text(xml.Label, 1000);
      return { message: { ...base, text: label ?? '', content: { kind: 'location', latitude, longitude, name: label } } };
    }
  }
  if (type === 'link') {
    const parts = [text(xml.Title, 1000), text(xml.Description, 2000), text(xml.Url, 2000)].filter(Boolean);
    return { message: { ...base, text: parts.join('\n') } };
  }
  return { message: { ...base, text: '', content: { kind: 'unsupported', providerType: type.slice(0, 50) } } };
}

const unreachable = (error: unknown) => `WeChat could not be reached: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;

function sendFailure(error: unknown): SendResult {
  if (error instanceof WechatError) {
    const readable = error.code !== undefined ? readableErrors[error.code] : undefined;
    return { ok: false, error: readable ?? `WeChat refused the message: ${error.message}`, retryable: error.retryable, code: error.code === undefined ? undefined : `wechat:${error.code}` };
  }
  // A refused address stays refused: trying again would only fail again.
  return { ok: false, error: unreachable(error), retryable: !(error instanceof Error && error.name === 'OutboundRefused') };
}

export const wechatChannel: ChannelModule<WechatSettings> = {
  type: 'wechat',
  settingsSchema,
  secretKeys: ['appSecret', 'token'],
  form: [
    { key: 'appId', kind: 'text', required: true },
    { key: 'appSecret', kind: 'secret', required: true },
    { key: 'token', kind: 'secret', required: true },
    { key: 'messageLimit', kind: 'number', required: false, default: 5 },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://api.weixin.qq.com' },
  ],

  verifyWebhook: (request, settings) => verifyWechatQuery(request, settings.token),

  /** WeChat's server check: a GET signed like a webhook, answered with its `echostr` verbatim. */
  handshake(request, settings) {
    const echo = request.query.echostr;
    if (typeof echo !== 'string' || echo.length === 0 || echo.length > 200) return null;
    return verifyWechatQuery(request, settings.token) ? echo : null;
  },

  acknowledge: () => ({ contentType: 'text/plain; charset=utf-8', body: 'success' }),

  parseWebhook(request): WebhookEvents {
    const { message, ignored } = parseMessage(parseWechatXml(request.rawBody));
    return { messages: message ? [message] : [], receipts: [], ignored: ignored ? [ignored] : [] };
  },

  // Files would have to be uploaded to WeChat first (media/upload): refused before anything is stored.
  checkOutbound: ({ attachments }) =>
    attachments ? { code: 'attachments_not_supported', message: 'attachmentIds: WeChat replies carry text only here: send a link to the file', field: 'attachmentIds' } : null,

  windowPolicy: (input, settings) => countedWindow(input, { hours: WECHAT_WINDOW_HOURS, limit: settings.messageLimit }),

  async send(message, settings, context) {
    if ((message.attachments ?? []).length > 0) return { ok: false, error: 'WeChat replies carry text only here: send the file as a link', retryable: false };
    try {
      await wechatCall(settings, context, '/cgi-bin/message/custom/send', {
        method: 'POST',
        body: { touser: message.recipient.identifier, msgtype: 'text', text: { content: message.text } },
      });
    } catch (error) {
      return sendFailure(error);
    }
    // WeChat answers no message id, and sends no receipts: ours stands in for it.
    return { ok: true, providerMessageId: `wechat-${message.id}` };
  },

  async testConnection(settings, context) {
    try {
      await accessToken(settings, context, { force: true });
      return { ok: true, detail: `WeChat issued an access token for ${settings.appId}` };
    } catch (error) {
      return { ok: false, error: error instanceof WechatError ? `WeChat refused the AppID or AppSecret: ${error.message}` : unreachable(error) };
    }
  },

  /** `GET /cgi-bin/media/get?media_id=…`: the file, or a JSON refusal. */
  async fetchMedia(media, settings, context, maxBytes) {
    const answer = await wechatCall(settings, context, '/cgi-bin/media/get', { query: { media_id: media.ref }, maxResponseBytes: maxBytes + 1 });
    if (answer.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
    if (answer.json) throw new Error(`WeChat answered no file for media ${media.ref}`);
    return { content: answer.body, contentType: answer.contentType };
  },

  /** `GET /cgi-bin/user/info?openid=…`: the follower's nickname and picture, where WeChat still gives them. */
  async fetchProfile(identifier, settings, context) {
    const answer = await wechatCall(settings, context, '/cgi-bin/user/info', { query: { openid: identifier, lang: 'en' } });
    const nickname = text(answer.json?.nickname, 200)?.trim();
    const avatar = text(answer.json?.headimgurl, 2000);
    const language = text(answer.json?.language, 20);
    if (!nickname && !avatar) return undefined;
    return { name: nickname || undefined, avatarUrl: avatar || undefined, language: language || undefined };
  },
};
