import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { SavedRepliesService } from './saved-replies.service.js';

const manage = { permission: 'workspace.manage' as const };
const tags = ['saved-replies'];
const shortcut = z.string().trim().min(1).max(50).regex(/^[^\s/]+$/, 'one word, without spaces or /');
const text = z.string().min(1).max(20_000).refine((value) => value.trim().length > 0, 'must not be blank');

export function registerSavedReplyRoutes({ app: root, services }: RouteContext<{ savedReplies: SavedRepliesService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { savedReplies } = services;

  app.get(
    '/api/v1/saved-replies',
    {
      config: { permission: 'inbox.use' },
      schema: { tags, summary: 'Saved replies by shortcut; `q` searches shortcut and text', querystring: z.strictObject({ q: z.string().max(200).optional(), ...paginationQuery }) },
    },
    async (request) => savedReplies.list(actorOf(request), request.query),
  );

  app.get('/api/v1/saved-replies/:id', { config: { permission: 'inbox.use' }, schema: { tags, params: uuidParam } }, async (request) =>
    savedReplies.get(actorOf(request), request.params.id),
  );

  app.post('/api/v1/saved-replies', { config: manage, schema: { tags, body: z.strictObject({ shortcut, text }) } }, async (request, reply) =>
    reply.status(201).send(await savedReplies.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/saved-replies/:id',
    { config: manage, schema: { tags, params: uuidParam, body: z.strictObject({ shortcut: shortcut.optional(), text: text.optional() }) } },
    async (request) => savedReplies.update(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/saved-replies/:id', { config: manage, schema: { tags, params: uuidParam } }, async (request, reply) => {
    await savedReplies.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}
