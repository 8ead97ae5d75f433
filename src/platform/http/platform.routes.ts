import { sql } from 'drizzle-orm';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicUser } from '../../workspace/workspace.service.js';
import { SESSION_COOKIE } from '../auth/auth.service.js';
import type { Database } from '../db/client.js';
import { notFound } from '../errors.js';
import { publicJob } from '../jobs.js';
import { actorOf, type AppContext } from './app.js';
import { email, password, uuidParam } from './schemas.js';

export function registerPlatformRoutes({ app: root, config, bus, services }: AppContext, database: Database) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { auth, workspace, jobs } = services;

  registerHealthRoutes(root, database);

  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.secureCookies,
    maxAge: 30 * 24 * 3600,
  };

  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in; answers a bearer token and also sets the web app session cookie',
        body: z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) }),
      },
    },
    async (request, reply) => {
      const { token, user } = await auth.login(request.body.email, request.body.password);
      reply.setCookie(SESSION_COOKIE, token, cookieOptions);
      return { token, user: publicUser(user) };
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'], summary: 'Revoke this session' } }, async (request, reply) => {
    const { user, workspaceId, tokenHash } = request.principal!;
    await auth.logout(tokenHash);
    await bus.publish({ type: 'sessions.revoked', workspaceId, data: { userId: user.id, tokenHash } });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/v1/setup', { config: { public: true }, schema: { tags: ['setup'], summary: 'Whether first-run setup is done' } }, async () => ({
    setUp: await workspace.isSetUp(),
  }));

  app.post(
    '/api/v1/setup',
    {
      config: { public: true },
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

  app.get(
    '/api/v1/presence',
    { schema: { tags: ['me'], summary: 'Users of the workspace with a live connection' } },
    async (request) => ({ online: services.gateway.onlineUsers(actorOf(request).workspaceId) }),
  );

  app.get(
    '/api/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'A background job and its progress', params: uuidParam } },
    async (request) => {
      const job = await jobs.find(actorOf(request).workspaceId, request.params.id);
      if (!job) throw notFound('Job');
      return publicJob(job);
    },
  );
}

/** Liveness, and readiness: the database answers. */
export function registerHealthRoutes(root: AppContext['app'], database: Database) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await database.db.execute(sql`select 1`);
      return { status: 'ready', database: database.engine };
    } catch {
      return reply.status(503).send({ error: { code: 'not_ready', message: 'The database does not answer' } });
    }
  });
}
