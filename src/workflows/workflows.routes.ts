import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { WorkflowsService } from './workflows.service.js';

const manage = { permission: 'workspace.manage' as const };
const tags = ['workflows'];
const name = z.string().trim().min(1).max(200);
/** Checked in full by the one definition validator (workflow-definition.rules.ts): it names the place of a problem (`steps.2.tag`). */
const trigger = z.record(z.string(), z.unknown()).describe('{type: conversation_opened | message_received (keywords?) | tag_added | tag_removed (tag) | contact_field_changed (field) | shortcut}');
const steps = z.array(z.unknown()).describe('send_message, add_comment, assign, add_tag, remove_tag, update_field, wait, wait_for_reply, branch, open_conversation, close_conversation, http_request, stop');
const runParams = z.strictObject({ id: z.uuid(), runId: z.uuid() });

export function registerWorkflowRoutes({ app: root, services }: RouteContext<{ workflows: WorkflowsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { workflows } = services;

  app.get('/api/v1/workflows', { config: manage, schema: { tags, summary: 'Workflows, newest first', querystring: z.strictObject(paginationQuery) } }, async (request) =>
    workflows.list(actorOf(request), request.query),
  );

  app.get(
    '/api/v1/workflows/shortcuts',
    { config: { permission: 'inbox.use' }, schema: { tags, summary: 'Published shortcut workflows a user may start on a contact' } },
    async (request) => workflows.shortcuts(actorOf(request)),
  );

  app.get('/api/v1/workflows/:id', { config: manage, schema: { tags, params: uuidParam } }, async (request) => workflows.get(actorOf(request), request.params.id));

  app.post(
    '/api/v1/workflows',
    { config: manage, schema: { tags, summary: 'A workflow (400 invalid_workflow names the place of a problem)', body: z.strictObject({ name, trigger, steps, enabled: z.boolean().optional() }) } },
    async (request, reply) => reply.status(201).send(await workflows.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/workflows/:id',
    {
      config: manage,
      schema: { tags, summary: 'A new trigger or steps make a new version; runs in flight finish on theirs', params: uuidParam, body: z.strictObject({ name: name.optional(), trigger: trigger.optional(), steps: steps.optional(), enabled: z.boolean().optional() }) },
    },
    async (request) => workflows.update(actorOf(request), request.params.id, request.body),
  );

  app.post('/api/v1/workflows/:id/publish', { config: manage, schema: { tags, params: uuidParam } }, async (request) =>
    workflows.update(actorOf(request), request.params.id, { enabled: true }),
  );

  app.post('/api/v1/workflows/:id/disable', { config: manage, schema: { tags, params: uuidParam } }, async (request) =>
    workflows.update(actorOf(request), request.params.id, { enabled: false }),
  );

  app.post('/api/v1/workflows/:id/duplicate', { config: manage, schema: { tags, summary: 'A disabled copy', params: uuidParam } }, async (request, reply) =>
    reply.status(201).send(await workflows.duplicate(actorOf(request), request.params.id)),
  );

  app.delete('/api/v1/workflows/:id', { config: manage, schema: { tags, params: uuidParam } }, async (request, reply) => {
    await workflows.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.get(
    '/api/v1/workflows/:id/runs',
    { config: manage, schema: { tags, summary: 'Runs, newest first, each step with its outcome and time', params: uuidParam, querystring: z.strictObject(paginationQuery) } },
    async (request) => workflows.runs(actorOf(request), request.params.id, request.query),
  );

  app.get('/api/v1/workflows/:id/runs/:runId', { config: manage, schema: { tags, params: runParams } }, async (request) =>
    workflows.getRun(actorOf(request), request.params.id, request.params.runId),
  );

  app.post(
    '/api/v1/workflows/:id/runs',
    { config: { permission: 'inbox.use' }, schema: { tags, summary: 'Start a shortcut workflow for a contact', params: uuidParam, body: z.strictObject({ contactId: z.uuid() }) } },
    async (request, reply) => reply.status(202).send({ run: await workflows.startShortcut(actorOf(request), request.params.id, request.body.contactId) }),
  );
}
