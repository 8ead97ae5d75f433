import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createBoundedCache } from '../platform/bounded-cache.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import type { RouteContext } from '../platform/http/app.js';
import { cleanTexts, isStorableDate } from '../platform/storable.rules.js';
import type { InboundMessage, StatusUpdate, WebhookRequest } from './channel-registry.js';
import type { ChannelRow } from './channels.repository.js';
import type { ChannelsService } from './channels.service.js';

/**
 * Where verified webhooks go: the messages domain stores what they carry. Declared here and
 * passed in by the composition root, so channels do not depend on the domain above them.
 */
export type InboundSink = {
  /** Resolves once the message is stored durably (or found stored: a provider's retry). */
  receive(channel: ChannelRow, message: InboundMessage): Promise<{ messageId: string; duplicate: boolean }>;
  /** Answers how many receipts matched no message of the channel (another tool's messages, or ours not yet recorded). */
  applyReceipts(channel: ChannelRow, receipts: StatusUpdate[]): Promise<{ unmatched: number }>;
};

const channelId = z.uuid();
const params = z.strictObject({ type: z.string().max(50), id: z.string().max(100) });

/**
 * What a provider sent, made storable: NUL characters removed and lone surrogates replaced in
 * every text, a timestamp PostgreSQL cannot store (year 0, past 9999, invalid) dropped so the
 * time of receipt stands. Cleaned and acknowledged rather than refused: a provider retries a
 * refused webhook, and its retries would never succeed.
 */
export function storableInbound(message: InboundMessage): InboundMessage {
  const cleaned = cleanTexts(message);
  return cleaned.sentAt && !isStorableDate(cleaned.sentAt) ? { ...cleaned, sentAt: undefined } : cleaned;
}

/** Providers send far less; this only bounds what an attacker can make us hash (a larger body is 413). */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** What a channel's webhooks carry that is not acted on is logged once an hour per channel and kind, not once per call. */
const LOGGED_FOR_MS = 60 * 60 * 1000;

/**
 * `/webhooks/<type>/<channelId>`: the channel's module checks the signature over the raw bytes
 * before anything is parsed, then the messages are received one transaction each, and only then
 * is the provider answered 2xx: a message not stored is never acknowledged. GET is the
 * provider's handshake, where the module has one (Meta's `hub.challenge`).
 */
export function registerWebhookRoutes({ app: root, config, services }: RouteContext<{ channels: ChannelsService; inbound: InboundSink }>) {
  const { channels, inbound: sink } = services;
  const logged = createBoundedCache<string, true>({ max: 10_000, ttlMs: LOGGED_FOR_MS });

  function logOnce(request: FastifyRequest, channel: ChannelRow, kind: string, message: string) {
    const key = `${channel.id}:${kind}`;
    if (logged.has(key)) return;
    logged.set(key, true);
    request.log.warn({ channelId: channel.id, type: channel.type, kind }, message);
  }

  async function channelOf(type: string, id: string) {
    const channel = channelId.safeParse(id).success ? await channels.resolveForWebhook(type, id) : undefined;
    if (!channel) throw notFound('Channel');
    return channel;
  }

  const webhookOf = (request: FastifyRequest, rawBody: Buffer): WebhookRequest => ({
    rawBody,
    headers: request.headers,
    query: request.query as Record<string, string | undefined>,
    url: `${config.publicUrl}${request.url}`,
  });

  root.register(async (scope: FastifyInstance) => {
    // Raw bytes for every content type, in this scope only: a signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/webhooks/:type/:id',
      {
        config: { public: true },
        schema: {
          tags: ['webhooks'],
          summary:
            "A provider's handshake: Meta's `hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` is answered with the challenge when the verify token is the channel's, WeChat's `signature&timestamp&nonce&echostr` with `echostr` when signed with the channel's token (else 403)",
          params,
        },
      },
      async (request, reply) => {
        const channel = await channelOf(request.params.type, request.params.id);
        if (!channel.module.handshake) throw new AppError(405, 'method_not_allowed', 'This channel type has no handshake: providers POST to this URL');
        const answer = channel.module.handshake(webhookOf(request, Buffer.alloc(0)), channel.row.settings);
        if (answer === null) {
          logOnce(request, channel.row, 'handshake-refused', 'a webhook handshake with a wrong verify token was refused');
          throw forbidden('invalid_verify_token', 'The verify token is not this channel’s');
        }
        await channels.recordHandshake(channel.row);
        return reply.type('text/plain; charset=utf-8').send(answer);
      },
    );

    app.post(
      '/webhooks/:type/:id',
      {
        config: { public: true },
        schema: {
          tags: ['webhooks'],
          summary:
            "A provider's webhook, in its own format, verified over the raw bytes (Meta: X-Hub-Signature-256; WeChat: `signature` in the query, SHA-1 of the sorted token, timestamp and nonce; Twilio: X-Twilio-Signature over PUBLIC_URL's URL and the sorted form; the API channel: X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>); 401 for a wrong signature, nothing stored",
          params,
        },
      },
      async (request, reply) => {
        const channel = await channelOf(request.params.type, request.params.id);
        const webhook = webhookOf(request, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
        if (!channel.module.verifyWebhook(webhook, channel.row.settings)) {
          logOnce(request, channel.row, 'invalid-signature', 'a webhook with a wrong or missing signature was refused');
          throw new AppError(401, 'invalid_signature', 'The signature does not match this channel');
        }
        const parsed = channel.module.parseWebhook(webhook, channel.row.settings);
        const events = { ...parsed, messages: parsed.messages.map(storableInbound), receipts: parsed.receipts.map((receipt) => cleanTexts(receipt)) };
        const received = [];
        const repeated = new Set<string>();
        for (const message of events.messages) {
          const { messageId, duplicate } = await sink.receive(channel.row, message);
          received.push({ messageId, duplicate });
          if (duplicate) repeated.add(message.providerMessageId);
        }
        // After the messages, and only for new ones: a STOP retried after the contact's START changes nothing.
        for (const change of parsed.consent ?? []) {
          if (change.providerMessageId === undefined || !repeated.has(change.providerMessageId)) await channels.recordConsent(channel.row, change.identifier, change.optedOut);
        }
        const { unmatched } = events.receipts.length > 0 ? await sink.applyReceipts(channel.row, events.receipts) : { unmatched: 0 };
        if (unmatched > 0) logOnce(request, channel.row, 'unknown-message-status', 'receipts for messages this channel did not send were ignored');
        for (const kind of new Set(events.ignored)) logOnce(request, channel.row, kind, `webhook content ignored: ${kind}`);
        const acknowledgement = channel.module.acknowledge?.();
        if (acknowledgement) return reply.type(acknowledgement.contentType).send(acknowledgement.body);
        return { ok: true, received };
      },
    );
  });
}
