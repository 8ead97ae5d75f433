import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { isoDateTime, uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { ConversationsService } from './conversations.service.js';

const inbox = z
  .string()
  .regex(/^(mine|unassigned|all|blocked|team:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, 'mine, unassigned, all, blocked or team:<id>')
  .optional();
const inboxUse = { permission: 'inbox.use' as const };
const tags = ['conversations'];

export function registerConversationRoutes({ app: root, services }: RouteContext<{ conversations: ConversationsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { conversations } = services;

  app.get(
    '/api/v1/conversations',
    {
      config: inboxUse,
      schema: {
        tags,
        summary: 'The inbox: newest activity first. Without `inbox`, every conversation the caller may see (blocked contacts aside)',
        querystring: z.strictObject({
          inbox,
          status: z.enum(['open', 'snoozed', 'closed']).optional(),
          q: z.string().max(200).optional(),
          ...paginationQuery,
        }),
      },
    },
    async (request) => conversations.list(actorOf(request), request.query),
  );

  const count = z.object({ open: z.number().int(), unread: z.number().int() });
  app.get(
    '/api/v1/conversations/counts',
    {
      config: inboxUse,
      schema: {
        tags,
        summary:
          'Open conversations of each inbox the caller may see (Mine, Unassigned, All, each team), and how many of them the caller has not read since the contact wrote; each counted up to 1000',
        response: { 200: z.object({ total: count, items: z.array(count.extend({ inbox: z.string() })) }) },
      },
    },
    async (request) => conversations.counts(actorOf(request)),
  );

  app.get('/api/v1/conversations/:id', { config: inboxUse, schema: { tags, params: uuidParam } }, async (request) =>
    conversations.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/conversations/:id/read',
    { config: inboxUse, schema: { tags, summary: 'Mark read for me (clears my purple dot)', params: uuidParam } },
    async (request) => conversations.markRead(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/conversations/:id/close',
    { config: inboxUse, schema: { tags, summary: "Close; the workspace's closing logic keeps or removes the assignee", params: uuidParam } },
    async (request) => conversations.close(actorOf(request), request.params.id),
  );

  app.post('/api/v1/conversations/:id/open', { config: inboxUse, schema: { tags, params: uuidParam } }, async (request) =>
    conversations.open(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/conversations/:id/snooze',
    {
      config: inboxUse,
      schema: {
        tags,
        summary: 'Snooze until a time; it opens again then',
        params: uuidParam,
        body: z.strictObject({ until: isoDateTime }),
      },
    },
    async (request) => conversations.snooze(actorOf(request), request.params.id, new Date(request.body.until)),
  );

  app.post(
    '/api/v1/conversations/:id/assign',
    {
      config: inboxUse,
      schema: {
        tags,
        summary: 'Assign to a user and/or a team; null removes, absent keeps',
        params: uuidParam,
        body: z
          .strictObject({ assigneeId: z.uuid().nullable().optional(), teamId: z.uuid().nullable().optional() })
          .refine((body) => body.assigneeId !== undefined || body.teamId !== undefined, 'give assigneeId, teamId or both'),
      },
    },
    async (request) => conversations.assign(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/conversations/:id',
    { config: inboxUse, schema: { tags, summary: 'Delete the conversation, its messages and their files', params: uuidParam } },
    async (request, reply) => {
      await conversations.remove(actorOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
