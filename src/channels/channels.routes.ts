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

  app.get('/api/v1/channels', { schema: { tags: ['channels'], summary: 'Channels of the workspace (secrets never included)' } }, async (request) =>
    channels.list(actorOf(request)),
  );

  app.get('/api/v1/channels/:id', { schema: { tags: ['channels'], params: uuidParam } }, async (request) =>
    channels.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/channels',
    {
      config: manage,
      schema: {
        tags: ['channels'],
        summary: 'Connect a channel; the answer carries its webhookUrl',
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
        tags: ['channels'],
        summary: 'Rename a channel or change settings; secrets left out are kept',
        params: uuidParam,
        body: z.strictObject({ name: name.optional(), settings: settings.optional() }),
      },
    },
    async (request) => channels.update(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/channels/:id', { config: manage, schema: { tags: ['channels'], params: uuidParam } }, async (request, reply) => {
    await channels.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}
