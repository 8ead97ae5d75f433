import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sameBytes } from '../../platform/constant-time.js';
import { badRequest } from '../../platform/errors.js';
import { OutboundRefused } from '../../platform/outbound-http.js';
import type { ChannelModule, HttpResponse, InboundMessage, WebhookEvents, WebhookRequest } from '../channel-registry.js';
import { alwaysOpen } from '../messaging-window.rules.js';

/**
 * The API channel: any system that can sign an HTTP request can talk to a contact through
 * Switchboard. Inbound: `POST /webhooks/api/<channelId>`; outbound: the same shape, signed the
 * same way, POSTed to the channel's `webhookUrl`, the message with its `attachments`
 * ({id, name, contentType, size, url}; the url is a signed link that needs no session).
 */
export const SIGNATURE_HEADER = 'x-switchboard-signature';
const SEND_TIMEOUT_MS = 10_000;

const settingsSchema = z.strictObject({
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2000),
  secret: z.string().min(16, 'at least 16 characters').max(500),
});
export type ApiChannelSettings = z.infer<typeof settingsSchema>;

const timestamp = z.union([
  z.iso.datetime({ offset: true }),
  // Unix time: seconds or milliseconds, told apart by size.
  z.number().nonnegative(),
]);

const identity = z.object({
  identifier: z.string().trim().min(1).max(500),
  name: z.string().trim().max(500).optional(),
  email: z.string().trim().max(320).optional(),
  phone: z.string().trim().max(50).optional(),
  /** BCP 47, when the integration knows it: search then stems the contact's messages in it. */
  language: z.string().trim().max(35).optional(),
});

const messagePayload = z.object({
  contact: identity,
  message: z.object({ id: z.string().min(1).max(500), text: z.string().min(1).max(20_000), timestamp: timestamp.optional() }),
});

/** A receipt for a message Switchboard delivered: `messageId` is the `message.id` it sent. */
const statusPayload = z.object({
  status: z.object({
    messageId: z.string().min(1).max(500),
    status: z.enum(['delivered', 'read', 'failed']),
    error: z.string().max(1000).optional(),
  }),
});

const payload = z.union([messagePayload, statusPayload]);

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function parseBody(request: WebhookRequest) {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw badRequest('invalid_json', 'The body is not valid JSON');
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest('invalid_payload', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

function toDate(value: string | number): Date {
  if (typeof value === 'string') return new Date(value);
  return new Date(value < 1e11 ? value * 1000 : value);
}

export const apiChannel: ChannelModule<ApiChannelSettings> = {
  type: 'api',
  settingsSchema,
  secretKeys: ['secret'],
  form: [
    { key: 'webhookUrl', kind: 'url', required: true },
    { key: 'secret', kind: 'secret', required: true },
  ],

  verifyWebhook(request, settings) {
    const header = request.headers[SIGNATURE_HEADER];
    if (typeof header !== 'string') return false;
    const expected = Buffer.from(signBody(settings.secret, request.rawBody));
    const given = Buffer.from(header);
    return sameBytes(given, expected);
  },

  parseWebhook(request): WebhookEvents {
    const body = parseBody(request);
    if ('status' in body) {
      return { messages: [], receipts: [{ providerMessageId: body.status.messageId, status: body.status.status, error: body.status.error }], ignored: [] };
    }
    const message: InboundMessage = {
      providerMessageId: body.message.id,
      contact: body.contact,
      text: body.message.text,
      sentAt: body.message.timestamp === undefined ? undefined : toDate(body.message.timestamp),
    };
    return { messages: [message], receipts: [], ignored: [] };
  },

  /**
   * A signed POST to the workspace-given `webhookUrl`, through the outbound guard: a private or
   * loopback address is refused unless the workspace lists its host, and a redirect is not
   * followed (it could lead anywhere, the guard's checks aside, and the signed body with it).
   */
  async send(message, settings, context) {
    const { identifier, name, email, phone } = message.recipient;
    const body = JSON.stringify({
      contact: { identifier, name, email, phone },
      message: { id: message.id, text: message.text, timestamp: message.createdAt.toISOString(), attachments: message.attachments ?? [] },
    });
    let response: HttpResponse;
    try {
      response = await context.http(settings.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(settings.secret, body) },
        body,
        timeoutMs: SEND_TIMEOUT_MS,
        maxResponseBytes: 4096,
      });
    } catch (error) {
      if (error instanceof OutboundRefused) return { ok: false, error: `The integration's address is refused: ${error.message}`, retryable: false };
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `The integration did not answer: ${reason}`, retryable: true };
    }
    if (response.status >= 200 && response.status < 300) return { ok: true, providerMessageId: message.id };
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, error: `The integration answered ${response.status}: redirects are not followed; give its final URL`, retryable: false };
    }
    const detail = response.body.toString('utf8').slice(0, 200);
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    return { ok: false, error: `The integration answered ${response.status}${detail ? `: ${detail}` : ''}`, retryable };
  },

  windowPolicy: () => alwaysOpen,
};
