import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import type { ChannelsService } from './channels.service.js';

const manage = { permission: 'workspace.manage' as const };
const name = z.string().trim().min(1).max(200);
// Each type's own schema checks the keys (registry.parseSettings), so errors name the exact field.
const settings = z.record(z.string(), z.unknown());

export function registerChannelRoutes({ app: root, services }: RouteContext<{ channels: ChannelsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { channels } = services;
  const tags = ['channels'];

  app.get(
    '/api/v1/channel-types',
    { config: manage, schema: { tags, summary: 'The channel types this server connects, each with its settings form (fields, which are secret or generated)' } },
    async () => channels.types(),
  );

  app.get(
    '/api/v1/channels',
    {
      schema: {
        tags,
        summary:
          'Channels of the workspace with their status and last activity; owners and managers also see settings (never secrets), the webhook URL and the last connection test',
      },
    },
    async (request) => channels.list(actorOf(request)),
  );

  app.get('/api/v1/channels/:id', { schema: { tags, summary: 'One channel, as the list shows it', params: uuidParam } }, async (request) =>
    channels.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/channels',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Connect a channel; the answer carries its webhookUrl (and a generated verifyToken where the type has one and none was given)',
        body: z.strictObject({ type: z.string().min(1).max(50), name, settings }),
      },
    },
    async (request, reply) => reply.status(201).send(await channels.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/channels/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Rename a channel, change settings (secrets left out or empty are kept), or pause it (replies refused with channel_paused; webhooks still received) and resume it',
        params: uuidParam,
        body: z.strictObject({ name: name.optional(), settings: settings.optional(), status: z.enum(['active', 'paused']).optional() }),
      },
    },
    async (request) => channels.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/v1/channels/:id/test',
    {
      config: manage,
      schema: { tags, summary: "Test the connection: a real call to the provider the stored credentials must pass; answers {ok, detail | error, at}", params: uuidParam },
    },
    async (request) => channels.test(actorOf(request), request.params.id),
  );

  app.delete('/api/v1/channels/:id', { config: manage, schema: { tags, summary: 'Remove a channel (its conversations stay)', params: uuidParam } }, async (request, reply) => {
    await channels.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}
