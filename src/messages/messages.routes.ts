import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { MessagesService } from './messages.service.js';

const sendMessageBody = z.strictObject({
  type: z.enum(['reply', 'comment']),
  text: z.string().max(20_000).optional(),
  channelId: z.uuid().optional(),
  template: z.strictObject({ name: z.string().min(1).max(512), language: z.string().min(1).max(35), parameters: z.array(z.unknown()).max(100).default([]) }).optional(),
  tag: z.string().min(1).max(100).optional(),
  attachmentIds: z.array(z.uuid()).max(10).optional(),
  savedReplyId: z.uuid().optional(),
  mentions: z.array(z.uuid()).max(50).optional(),
});

export function registerMessageRoutes({ app: root, services }: RouteContext<{ messages: MessagesService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { messages } = services;
  const tags = ['messages'];

  app.get(
    '/api/v1/conversations/:id/messages',
    {
      config: { permission: 'inbox.use' },
      schema: {
        tags,
        summary: 'Messages and comments, newest first; includeHidden=true adds those received while the contact was blocked, marked hidden',
        params: uuidParam,
        querystring: z.strictObject({ ...paginationQuery, includeHidden: z.enum(['true', 'false']).transform((v) => v === 'true').optional() }),
      },
    },
    async (request) => messages.list(actorOf(request), request.params.id, request.query),
  );

  app.post(
    '/api/v1/conversations/:id/messages',
    {
      config: { permission: 'inbox.use' },
      schema: {
        tags,
        summary:
          'Reply (goes to the contact on channelId, by default the channel it last wrote on; answered as pending, then message.updated) or comment (internal; `mentions` notifies users)',
        params: uuidParam,
        body: sendMessageBody,
      },
    },
    async (request, reply) => reply.status(201).send(await messages.send(actorOf(request), request.params.id, request.body)),
  );

  app.post(
    '/api/v1/conversations/:id/messages/:messageId/retry',
    {
      config: { permission: 'inbox.use' },
      schema: {
        tags,
        summary:
          'Send a failed reply again as it was (answered as pending, then message.updated); 409 not_retryable unless it is a failed reply, or what a new reply would get now (contact_blocked, messaging_window_closed, channel_not_available…)',
        params: z.strictObject({ id: z.uuid(), messageId: z.uuid() }),
      },
    },
    async (request) => messages.retry(actorOf(request), request.params.id, request.params.messageId),
  );

  app.post(
    '/api/v1/contacts/:id/messages',
    {
      config: { permission: 'inbox.use' },
      schema: {
        tags,
        summary: "Write to a contact from its record: opens (or reopens) its conversation, like a reply there (SPEC §4.2)",
        params: uuidParam,
        body: sendMessageBody,
      },
    },
    async (request, reply) => reply.status(201).send(await messages.sendToContact(actorOf(request), request.params.id, request.body)),
  );
}

/** What may be sent now on each channel of a contact (SPEC §4.1): the composer shows it, and the API refuses what it forbids. */
export function registerWindowRoutes({ app: root, services }: RouteContext<{ messages: MessagesService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { messages } = services;
  const summary =
    'Per channel of the contact: freeText, templates, tags (HUMAN_AGENT), closesAt, remaining, reason (no_window | open | human_agent | templates_only | contact_must_write | message_limit | chatbot_initiated | quota_exceeded | opted_out) and, where messages count against a monthly quota (Viber past its 24-hour session), quota {used, limit, paid}, as a person sending now would get them; the channel a reply goes to by default first';

  app.get(
    '/api/v1/conversations/:id/window',
    { config: { permission: 'inbox.use' }, schema: { tags: ['messages'], summary, params: uuidParam } },
    async (request) => messages.windowsOfConversation(actorOf(request), request.params.id),
  );

  app.get(
    '/api/v1/contacts/:id/window',
    { config: { permission: 'inbox.use' }, schema: { tags: ['messages'], summary: `${summary}; also channels where a first message may start (firstMessage: true)`, params: uuidParam } },
    async (request) => messages.windowsOfContact(actorOf(request), request.params.id),
  );
}
