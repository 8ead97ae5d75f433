import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createMetaSimulator, type MetaSimulatorCore } from '../../test/simulators/meta.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { MessagesService } from '../messages/messages.service.js';
import type { TemplatesService } from '../messages/templates.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import { notFound } from '../platform/errors.js';
import type { RouteContext } from '../platform/http/app.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';

/** Where the demo serves its simulated Graph API: `<PUBLIC_URL>/demo/meta/<channelId>/v23.0/…`. */
const SIMULATOR_PATH = '/demo/meta';
const HOUR = 60 * 60 * 1000;

/**
 * The demo's stand-in for Meta, served by the server itself with the demo flag: the test
 * simulator (test/simulators/meta.ts) answers the WhatsApp channel's Graph API calls and reports
 * each message delivered, then read, to the channel's webhook, signed as Meta signs them.
 */
export function registerDemoMetaSimulator({ app: root, config, services }: RouteContext<{ channels: ChannelsService }>) {
  const simulators = new Map<string, MetaSimulatorCore>();
  root.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.route({
      method: ['GET', 'POST'],
      url: `${SIMULATOR_PATH}/:channelId/*`,
      config: { public: true },
      schema: { hide: true, params: z.object({ channelId: z.uuid(), '*': z.string() }) },
      handler: async (request, reply) => {
        const { channelId } = request.params;
        const channel = await services.channels.resolveForWebhook('whatsapp', channelId);
        if (!channel) throw notFound('Channel');
        const prefix = `${SIMULATOR_PATH}/${channelId}`;
        let simulator = simulators.get(channelId);
        if (!simulator) {
          simulator = createMetaSimulator({ baseUrl: `${config.publicUrl}${prefix}` });
          simulators.set(channelId, simulator);
        }
        const settings = channel.row.settings as { phoneNumberId: string; accessToken: string; appSecret: string };
        simulator.connect({
          id: settings.phoneNumberId,
          token: settings.accessToken,
          appSecret: settings.appSecret,
          webhookUrl: `${config.publicUrl}/webhooks/whatsapp/${channelId}`,
          autoStatuses: { deliveredAfterMs: 1000, readAfterMs: 2500 },
        });
        const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
        const answer = simulator.handle({ method: request.method, path: request.url.slice(prefix.length), headers: request.headers, body });
        return reply.status(answer.status).headers(answer.headers).send(answer.body);
      },
    });
  });
}

export type DemoWhatsAppServices = { workspace: WorkspaceService; channels: ChannelsService; templates: TemplatesService; messages: MessagesService };

/**
 * A simulated WhatsApp channel with two conversations: one whose contact wrote 26 hours ago, where
 * only templates may go, and one from minutes ago, where free text goes out and turns delivered,
 * then read.
 */
export async function seedWhatsAppDemo(services: DemoWhatsAppServices, owner: Actor, publicUrl: string) {
  const { channels, templates, messages } = services;
  const created = await channels.create(owner, {
    type: 'whatsapp',
    name: 'WhatsApp (simulated)',
    settings: { phoneNumberId: '100000000000001', accessToken: randomBytes(24).toString('base64url'), appSecret: randomBytes(24).toString('base64url'), apiBaseUrl: `${publicUrl}${SIMULATOR_PATH}` },
  });
  // The simulator finds the channel by the id in its URL, known once the channel exists.
  await channels.update(owner, created.id, { settings: { apiBaseUrl: `${publicUrl}${SIMULATOR_PATH}/${created.id}` } });
  await templates.create(owner, { channelId: created.id, name: 'order_update', language: 'en', category: 'UTILITY', body: 'Hi {{1}}, your order {{2}} is on its way.' });
  await templates.create(owner, { channelId: created.id, name: 'order_update', language: 'de', category: 'UTILITY', body: 'Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.' });
  await templates.create(owner, { channelId: created.id, name: 'follow_up', language: 'en', category: 'MARKETING', body: 'Hi {{1}}, is there anything else we can help you with?' });

  const { row } = (await channels.resolve(owner.workspaceId, created.id))!;
  const now = Date.now();
  await messages.receive(row, {
    providerMessageId: 'wamid.DEMO-OLD-1',
    contact: { identifier: '4915112340001', name: 'Jana Vogel', phone: '4915112340001' },
    text: 'Hallo! Ist meine Bestellung 88412 schon unterwegs?',
    sentAt: new Date(now - 26 * HOUR),
  });
  await messages.receive(row, {
    providerMessageId: 'wamid.DEMO-NEW-1',
    contact: { identifier: '33612340002', name: 'Paul Durand', phone: '33612340002' },
    text: 'Bonjour, je voudrais changer mon adresse de livraison.',
    sentAt: new Date(now - 10 * 60 * 1000),
  });
}
