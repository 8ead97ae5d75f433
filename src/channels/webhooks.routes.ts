import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../platform/errors.js';
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
  receive(channel: ChannelRow, message: InboundMessage): Promise<{ messageId: string; duplicate: boolean }>;
  applyReceipts(channel: ChannelRow, receipts: StatusUpdate[]): Promise<unknown>;
};

const channelId = z.uuid();

/**
 * What a provider sent, made storable: NUL characters removed and lone surrogates replaced in
 * every text, a timestamp PostgreSQL cannot store (year 0, past 9999, invalid) dropped so the
 * time of receipt stands. Cleaned and acknowledged rather than refused: a provider retries a
 * refused webhook, and its retries would never succeed.
 */
function storableInbound(message: InboundMessage): InboundMessage {
  const cleaned = cleanTexts(message);
  return cleaned.sentAt && !isStorableDate(cleaned.sentAt) ? { ...cleaned, sentAt: undefined } : cleaned;
}

/** Providers send far less; this only bounds what an attacker can make us hash. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * `/webhooks/<type>/<channelId>`: the channel's module checks the signature over the raw bytes
 * before anything is parsed, then the messages are received one transaction each.
 */
export function registerWebhookRoutes({ app: root, config, services }: RouteContext<{ channels: ChannelsService; inbound: InboundSink }>) {
  const { channels, inbound: sink } = services;

  root.register(async (scope: FastifyInstance) => {
    // Raw bytes for every content type, in this scope only: a signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/webhooks/:type/:id',
      {
        config: { public: true },
        schema: {
          tags: ['webhooks'],
          summary: "A provider's webhook; the API channel signs with X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>",
          params: z.strictObject({ type: z.string().max(50), id: z.string().max(100) }),
        },
      },
      async (request) => {
        const { type, id } = request.params;
        const channel = channelId.safeParse(id).success ? await channels.resolveForWebhook(type, id) : undefined;
        if (!channel) throw notFound('Channel');
        const webhook: WebhookRequest = {
          rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          headers: request.headers,
          query: request.query as Record<string, string | undefined>,
          url: `${config.publicUrl}${request.url}`,
        };
        if (!channel.module.verifyWebhook(webhook, channel.row.settings)) {
          throw new AppError(401, 'invalid_signature', 'The signature does not match this channel');
        }
        const inbound = channel.module.parseInbound(webhook, channel.row.settings).map(storableInbound);
        const receipts = channel.module.parseStatus(webhook, channel.row.settings).map((receipt) => cleanTexts(receipt));
        const received = [];
        for (const message of inbound) {
          const { messageId, duplicate } = await sink.receive(channel.row, message);
          received.push({ messageId, duplicate });
        }
        await sink.applyReceipts(channel.row, receipts);
        return { ok: true, received };
      },
    );
  });
}
