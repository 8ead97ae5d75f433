import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthService, publicUser, SESSION_COOKIE } from '../platform/auth/auth.service.js';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { sessionCookieOptions } from '../platform/http/platform.routes.js';
import { email, password, uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import { roles } from '../platform/auth/permissions.js';
import { notificationSettingsPatchSchema, notificationSettingsSchema } from './notification-settings.js';
import { settingsPatchSchema } from './settings.js';
import type { WorkspaceService } from './workspace.service.js';

const role = z.enum(roles);
const name = z.string().trim().min(1).max(200);
const manage = { permission: 'workspace.manage' as const };

/** First-run setup and the signed-in user's own account. */
export function registerAccountRoutes({ app: root, config, services }: RouteContext<{ auth: AuthService; workspace: WorkspaceService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { auth, workspace } = services;
  const cookieOptions = sessionCookieOptions(config);

  app.get('/api/v1/setup', { config: { public: true }, schema: { tags: ['setup'], summary: 'Whether first-run setup is done' } }, async () => ({
    setUp: await workspace.isSetUp(),
  }));

  app.post(
    '/api/v1/setup',
    {
      config: { public: true, setsSession: true },
      schema: {
        tags: ['setup'],
        summary: 'Create the first workspace and its owner (only on an empty installation)',
        body: z.strictObject({
          workspaceName: z.string().trim().min(1).max(200),
          name: z.string().trim().min(1).max(200).optional(),
          email,
          password,
        }),
      },
    },
    async (request, reply) => {
      const { owner } = await workspace.setup(request.body);
      const token = await auth.createSession(owner);
      reply.setCookie(SESSION_COOKIE, token, cookieOptions);
      return reply.status(201).send({ token, user: publicUser(owner) });
    },
  );

  app.get('/api/v1/me', { schema: { tags: ['me'], summary: 'The signed-in user, its workspace and teams' } }, async (request) =>
    workspace.me(actorOf(request)),
  );

  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['me'],
        body: z.strictObject({
          name: z.string().trim().min(1).max(200).optional(),
          language: z.enum(['en', 'de', 'fr']).nullable().optional(),
        }),
      },
    },
    async (request) => workspace.updateMe(actorOf(request), request.body),
  );

  app.get(
    '/api/v1/me/notifications',
    {
      schema: {
        tags: ['me'],
        summary: 'What you are notified of while the app is open: desktop notifications, a sound, and for which events',
        response: { 200: notificationSettingsSchema },
      },
    },
    async (request) => workspace.notificationSettings(actorOf(request)),
  );

  app.patch(
    '/api/v1/me/notifications',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your notification settings (any subset); your other tabs follow',
        body: notificationSettingsPatchSchema,
        response: { 200: notificationSettingsSchema },
      },
    },
    async (request) => workspace.updateNotificationSettings(actorOf(request), request.body),
  );

  app.post(
    '/api/v1/me/password',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your own password; signs out your other sessions',
        body: z.strictObject({ currentPassword: z.string().min(1).max(1000), newPassword: password }),
      },
    },
    async (request, reply) => {
      await workspace.changeOwnPassword(
        actorOf(request),
        request.body.currentPassword,
        request.body.newPassword,
        request.principal!.tokenHash,
      );
      return reply.status(204).send();
    },
  );
}

export function registerWorkspaceRoutes({ app: root, services }: RouteContext<{ workspace: WorkspaceService }>) {
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
