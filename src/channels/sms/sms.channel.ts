import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError, badRequest } from '../../platform/errors.js';
import {
  type ChannelContext,
  type ChannelModule,
  type ConsentChange,
  type InboundMedia,
  type MediaKind,
  type MessageReceipt,
  optOutStateKey,
  type SendResult,
  type WebhookEvents,
} from '../channel-registry.js';
import { optOutWindow } from '../messaging-window.rules.js';
import { formParams, verifyTwilioRequest } from './twilio-platform.js';

/**
 * SMS through Twilio's Messaging API (../shared/CHANNELS.md, "SMS via Twilio"). The contact is its
 * number in E.164. No window; a contact who texts STOP (or another opt-out word) is opted out on
 * this channel until it texts START, and sends to it are refused before Twilio is called.
 */
const e164 = z
  .string()
  .trim()
  .refine((value) => parsePhoneNumberFromString(value)?.isValid() === true && value.startsWith('+'), 'a phone number in international format (+14155550100)')
  .transform((value) => parsePhoneNumberFromString(value)!.number);

const settingsSchema = z.strictObject({
  accountSid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hexadecimal characters, as Twilio’s console shows it'),
  authToken: z.string().trim().min(16, 'at least 16 characters').max(200),
  fromNumber: e164,
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://api.twilio.com'),
});
export type SmsSettings = z.infer<typeof settingsSchema>;

/** Twilio's limit on a message body; longer texts are refused before sending (21617 otherwise). */
export const SMS_TEXT_LIMIT = 1600;

/** Twilio's default opt-out and opt-in words: a message that is exactly one of them (case and spaces aside). */
export const OPT_OUT_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
export const OPT_IN_WORDS = new Set(['START', 'YES', 'UNSTOP']);

/** Opted out or back in by this text; undefined when it is neither. */
export function consentOf(body: string, optOutType?: string): boolean | undefined {
  // Twilio's Advanced Opt-Out names the keyword type itself (and knows the account's own words).
  if (optOutType === 'STOP') return true;
  if (optOutType === 'START') return false;
  const word = body.trim().toUpperCase();
  if (OPT_OUT_WORDS.has(word)) return true;
  if (OPT_IN_WORDS.has(word)) return false;
  return undefined;
}

const CALL_TIMEOUT_MS = 10_000;
/** Twilio codes that pass: too many requests, and its queue being full. */
const TEMPORARY_CODES = new Set([20429, 30001]);
const OPTED_OUT_CODE = '21610';

const readableErrors: Record<string, string> = {
  '21610': 'The contact opted out of messages from this number (STOP): it must text START first',
  '21211': 'Twilio says the number is not a valid phone number',
  '21614': 'The number cannot receive SMS (a landline?)',
  '30003': 'The phone is unreachable (switched off or out of coverage)',
  '30006': 'The carrier cannot deliver SMS to this number (a landline, or an unknown carrier)',
  '30005': 'The number is unknown to the carrier (it may no longer exist)',
  '30007': 'The carrier filtered the message as spam',
};

const one = (params: Map<string, string[]>, name: string) => params.get(name)?.[0];

function mediaKind(contentType: string): MediaKind {
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('video/')) return 'video';
  return 'document';
}

const basicAuth = (settings: SmsSettings) => `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
const accountUrl = (settings: SmsSettings) => `${settings.apiBaseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${settings.accountSid}`;

type TwilioAnswer = { status: number; json: Record<string, unknown> | undefined; body: Buffer };

async function twilioCall(settings: SmsSettings, context: ChannelContext, path: string, form?: URLSearchParams): Promise<TwilioAnswer> {
  const response = await context.http(`${accountUrl(settings)}${path}`, {
    method: form ? 'POST' : 'GET',
    headers: { authorization: basicAuth(settings), accept: 'application/json', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form?.toString(),
    timeoutMs: CALL_TIMEOUT_MS,
  });
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, body: response.body };
}

/** Twilio's refusal in words, with its code (`sms:21610`). */
function failure(answer: TwilioAnswer): { error: string; retryable: boolean; code?: string } {
  const code = answer.json?.code === undefined || answer.json.code === null ? undefined : String(answer.json.code);
  const message = typeof answer.json?.message === 'string' ? answer.json.message.slice(0, 500) : `HTTP ${answer.status}`;
  const retryable = answer.status === 429 || answer.status >= 500 || (code !== undefined && TEMPORARY_CODES.has(Number(code)));
  const readable = code ? readableErrors[code] : undefined;
  return { error: readable ? `${readable} (${code})` : code ? `Twilio refused the message: ${message} (${code})` : `Twilio answered ${answer.status}: ${message}`, retryable, code: code && `sms:${code}` };
}

const unreachable = (error: unknown) => `Twilio could not be reached: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;

function receiptOf(params: Map<string, string[]>, status: string): MessageReceipt | undefined {
  const sid = one(params, 'MessageSid') ?? one(params, 'SmsSid');
  if (!sid) return undefined;
  if (status === 'sent' || status === 'delivered' || status === 'read') return { providerMessageId: sid, status };
  if (status !== 'undelivered' && status !== 'failed') return undefined;
  const code = one(params, 'ErrorCode');
  const readable = code ? readableErrors[code] : undefined;
  return {
    providerMessageId: sid,
    status: 'failed',
    error: readable ? `${readable} (${code})` : code ? `Twilio reported the message ${status} (${code})` : `Twilio reported the message ${status}`,
    errorCode: code ? `sms:${code}` : undefined,
  };
}

export const smsChannel: ChannelModule<SmsSettings> = {
  type: 'sms',
  settingsSchema,
  secretKeys: ['authToken'],
  form: [
    { key: 'accountSid', kind: 'text', required: true },
    { key: 'authToken', kind: 'secret', required: true },
    { key: 'fromNumber', kind: 'text', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://api.twilio.com' },
  ],
  maxTextLength: SMS_TEXT_LIMIT,
  optOut: true,
  // A contact's phone in E.164 is its number on SMS: the business may write first.
  firstContact: { field: 'phone', identifier: (phone) => phone },

  verifyWebhook: (request, settings) => verifyTwilioRequest(request, settings.authToken),

  /** Twilio takes any 2xx; an empty TwiML answer sends no automatic reply. */
  acknowledge: () => ({ contentType: 'text/xml; charset=utf-8', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' }),

  parseWebhook(request, settings): WebhookEvents {
    const params = formParams(request.rawBody);
    const events: WebhookEvents = { messages: [], receipts: [], ignored: [], consent: [] };
    const accountSid = one(params, 'AccountSid');
    if (!accountSid) throw badRequest('invalid_payload', 'AccountSid: Twilio’s form has one');
    // A number moved to another account, still pointing here: not this channel's.
    if (accountSid !== settings.accountSid) return { ...events, ignored: ['other-account'] };

    const status = one(params, 'MessageStatus');
    if (status !== undefined) {
      const receipt = receiptOf(params, status);
      if (receipt) events.receipts.push(receipt);
      else events.ignored.push(`status:${status.slice(0, 30)}`);
      // A late 21610: the contact had opted out at Twilio.
      const to = one(params, 'To');
      if (receipt?.errorCode === `sms:${OPTED_OUT_CODE}` && to) events.consent!.push({ identifier: to, optedOut: true });
      return events;
    }

    const sid = one(params, 'MessageSid') ?? one(params, 'SmsSid');
    const from = one(params, 'From');
    if (!sid || !/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) throw badRequest('invalid_payload', 'MessageSid: a message needs its SM… or MM… id');
    if (!from || from.length > 50) throw badRequest('invalid_payload', 'From: a message needs its sender');
    const body = (one(params, 'Body') ?? '').slice(0, 20_000);
    const count = Math.min(10, Math.max(0, Number.parseInt(one(params, 'NumMedia') ?? '0', 10) || 0));
    const media: InboundMedia[] = [];
    for (let index = 0; index < count; index++) {
      const url = one(params, `MediaUrl${index}`);
      const contentType = one(params, `MediaContentType${index}`) ?? 'application/octet-stream';
      if (url && /^https?:\/\//.test(url)) media.push({ kind: mediaKind(contentType), ref: url, contentType });
    }
    const identity = { identifier: from, phone: from.startsWith('+') ? from : undefined };
    events.messages.push({
      providerMessageId: sid,
      contact: identity,
      text: body,
      ...(media.length > 0 ? { media, content: body === '' ? { kind: media[0]!.kind } : undefined } : {}),
    });
    const consent = consentOf(body, one(params, 'OptOutType'));
    if (consent !== undefined) events.consent!.push({ identifier: from, optedOut: consent, providerMessageId: sid } satisfies ConsentChange);
    return events;
  },

  windowPolicy: (input) => optOutWindow(input),

  async send(message, settings, context): Promise<SendResult> {
    const form = new URLSearchParams({ To: message.recipient.identifier, From: settings.fromNumber, StatusCallback: context.webhookUrl });
    if (message.text.trim() !== '') form.set('Body', message.text);
    for (const attachment of message.attachments ?? []) form.append('MediaUrl', attachment.url);
    let answer: TwilioAnswer;
    try {
      answer = await twilioCall(settings, context, '/Messages.json', form);
    } catch (error) {
      return { ok: false, error: unreachable(error), retryable: !(error instanceof Error && error.name === 'OutboundRefused') };
    }
    if (answer.status < 200 || answer.status >= 300) {
      const refused = failure(answer);
      // Twilio knows the contact opted out: so does the channel from now on.
      if (refused.code === `sms:${OPTED_OUT_CODE}`) await context.state.set(optOutStateKey(message.recipient.identifier), true);
      return { ok: false, ...refused };
    }
    const sid = answer.json?.sid;
    if (typeof sid !== 'string' || sid === '') return { ok: false, error: 'Twilio accepted the message but answered no sid', retryable: false };
    return { ok: true, providerMessageId: sid };
  },

  async testConnection(settings, context) {
    let answer: TwilioAnswer;
    try {
      answer = await twilioCall(settings, context, '.json');
    } catch (error) {
      return { ok: false, error: unreachable(error) };
    }
    if (answer.status !== 200) return { ok: false, error: failure(answer).error.replace('Twilio refused the message', 'Twilio refused the credentials') };
    const name = typeof answer.json?.friendly_name === 'string' ? answer.json.friendly_name : settings.accountSid;
    const status = typeof answer.json?.status === 'string' ? answer.json.status : 'unknown';
    if (status !== 'active') return { ok: false, error: `The Twilio account ${name} is ${status}` };
    return { ok: true, detail: `${name} (${settings.fromNumber})` };
  },

  /** An MMS file: Twilio's media URL, with the account's credentials; it may redirect once to where the file is kept. */
  async fetchMedia(media, settings, context, maxBytes) {
    // The credentials go to Twilio's own API only, never to another host a payload names.
    const ownHost = new URL(media.ref).origin === new URL(settings.apiBaseUrl).origin;
    let response = await context.http(media.ref, { headers: ownHost ? { authorization: basicAuth(settings) } : {}, maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      response = await context.http(new URL(location, media.ref).toString(), { maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
    }
    if (response.status !== 200) throw new Error(`Twilio answered ${response.status} for the file`);
    if (response.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
    const type = response.headers['content-type'];
    return { content: response.body, contentType: typeof type === 'string' ? type.split(';')[0]!.trim() : media.contentType };
  },
};
