import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type AppContext } from '../platform/http/app.js';
import { email, password, uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import { roles } from './permissions.js';
import { settingsPatchSchema } from './settings.js';

const role = z.enum(roles);
const name = z.string().trim().min(1).max(200);
const manage = { permission: 'workspace.manage' as const };

export function registerWorkspaceRoutes({ app: root, services }: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { workspace } = services;

  app.get('/api/v1/workspace', { schema: { tags: ['workspace'] } }, async (request) => workspace.workspace(actorOf(request)));

  app.patch(
    '/api/v1/workspace',
    {
      config: manage,
      schema: { tags: ['workspace'], body: z.strictObject({ name: name.optional(), settings: settingsPatchSchema.optional() }) },
    },
    async (request) => workspace.updateWorkspace(actorOf(request), request.body),
  );

  app.get('/api/v1/settings', { schema: { tags: ['workspace'], summary: 'Workspace settings' } }, async (request) =>
    workspace.settings(actorOf(request)),
  );

  app.patch(
    '/api/v1/settings',
    { config: manage, schema: { tags: ['workspace'], summary: 'Change workspace settings', body: settingsPatchSchema } },
    async (request) => (await workspace.updateWorkspace(actorOf(request), { settings: request.body })).settings,
  );

  app.get(
    '/api/v1/users',
    { schema: { tags: ['users'], querystring: z.strictObject(paginationQuery) } },
    async (request) => workspace.listUsers(actorOf(request), request.query),
  );

  app.get('/api/v1/users/:id', { schema: { tags: ['users'], params: uuidParam } }, async (request) =>
    workspace.getUser(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/users',
    { config: manage, schema: { tags: ['users'], body: z.strictObject({ email, name, role, password }) } },
    async (request, reply) => reply.status(201).send(await workspace.createUser(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: manage,
      schema: {
        tags: ['users'],
        params: uuidParam,
        body: z.strictObject({ name: name.optional(), role: role.optional(), language: z.enum(['en', 'de', 'fr']).nullable().optional() }),
      },
    },
    async (request) => workspace.updateUser(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/users/:id', { config: manage, schema: { tags: ['users'], params: uuidParam } }, async (request, reply) => {
    await workspace.removeUser(actorOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.post(
    '/api/v1/users/:id/password',
    {
      config: { permission: 'users.resetPassword' },
      schema: {
        tags: ['users'],
        summary: "Owner resets a user's password; the user is signed out everywhere",
        params: uuidParam,
        body: z.strictObject({ password }),
      },
    },
    async (request, reply) => {
      await workspace.resetPassword(actorOf(request), request.params.id, request.body.password);
      return reply.status(204).send();
    },
  );

  app.get('/api/v1/teams', { schema: { tags: ['teams'] } }, async (request) => workspace.listTeams(actorOf(request)));

  app.get('/api/v1/teams/:id', { schema: { tags: ['teams'], params: uuidParam } }, async (request) =>
    workspace.getTeam(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/teams',
    { config: manage, schema: { tags: ['teams'], body: z.strictObject({ name, memberIds: z.array(z.uuid()).max(10_000).optional() }) } },
    async (request, reply) => reply.status(201).send(await workspace.createTeam(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/teams/:id',
    {
      config: manage,
      schema: {
        tags: ['teams'],
        params: uuidParam,
        body: z.strictObject({ name: name.optional(), memberIds: z.array(z.uuid()).max(10_000).optional() }),
      },
    },
    async (request) => workspace.updateTeam(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/teams/:id', { config: manage, schema: { tags: ['teams'], params: uuidParam } }, async (request, reply) => {
    await workspace.removeTeam(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}
