import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { TemplatesService } from './templates.service.js';

const manage = { permission: 'workspace.manage' as const };
const fields = {
  name: z.string().trim().min(1).max(512),
  language: z.string().trim().min(2).max(35),
  category: z.string().trim().max(50).nullable().optional(),
  body: z.string().min(1).max(4096),
  /** What the channel type adds to the body (its templates' `fields`), by key. */
  fields: z.record(z.string().max(50), z.string().max(4096)).optional(),
};

export function registerTemplateRoutes({ app: root, services }: RouteContext<{ templates: TemplatesService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { templates } = services;
  const tags = ['templates'];

  app.get(
    '/api/v1/templates',
    {
      config: { permission: 'inbox.use' },
      schema: { tags, summary: 'Templates by name and language; channelId narrows to one channel', querystring: z.strictObject({ ...paginationQuery, channelId: z.uuid().optional() }) },
    },
    async (request) => templates.list(actorOf(request), request.query),
  );

  app.get('/api/v1/templates/:id', { config: { permission: 'inbox.use' }, schema: { tags, summary: 'One template', params: uuidParam } }, async (request) =>
    templates.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/templates',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a channel’s pre-approved template: body with numbered placeholders ({{1}}, {{2}}…), as approved at the provider; 409 template_exists for a name and language taken',
        body: z.strictObject({ channelId: z.uuid(), ...fields }),
      },
    },
    async (request, reply) => reply.status(201).send(await templates.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/templates/:id',
    {
      config: manage,
      schema: { tags, summary: 'Change a template', params: uuidParam, body: z.strictObject({ name: fields.name.optional(), language: fields.language.optional(), category: fields.category, body: fields.body.optional(), fields: fields.fields }) },
    },
    async (request) => templates.update(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/templates/:id', { config: manage, schema: { tags, summary: 'Remove a template (messages sent with it stay)', params: uuidParam } }, async (request, reply) => {
    await templates.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}
