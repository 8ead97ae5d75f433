import { sql } from 'drizzle-orm';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthService, publicUser, SESSION_COOKIE } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { notFound } from '../errors.js';
import { type JobQueue, mayFollowJob, publicJob } from '../jobs.js';
import type { Gateway } from '../realtime/gateway.js';
import { actorOf, type RouteContext } from './app.js';
import { uuidParam } from './schemas.js';

/** The web app's session cookie, as login and first-run set it. */
export const sessionCookieOptions = (config: Pick<Config, 'secureCookies'>) => ({
  path: '/',
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: config.secureCookies,
  maxAge: 30 * 24 * 3600,
});

/** Log in and out: the bearer token for API clients, the session cookie for the web app. */
export function registerAuthRoutes({ app: root, config, bus, services }: RouteContext<{ auth: AuthService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { auth } = services;
  const cookieOptions = sessionCookieOptions(config);

  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true, setsSession: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in; answers a bearer token and also sets the web app session cookie',
        body: z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) }),
      },
    },
    async (request, reply) => {
      const { token, user } = await auth.login(request.body.email, request.body.password, request.ip);
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
}

/** Who is online, and background jobs. */
export function registerPlatformRoutes({ app: root, services }: RouteContext<{ gateway: Gateway; jobs: JobQueue }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { jobs } = services;

  app.get(
    '/api/v1/presence',
    { schema: { tags: ['me'], summary: 'Users of the workspace with a live connection' } },
    async (request) => ({ online: services.gateway.onlineUsers(actorOf(request).workspaceId) }),
  );

  app.get(
    '/api/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'A background job and its progress', params: uuidParam } },
    async (request) => {
      const actor = actorOf(request);
      const job = await jobs.find(actor.workspaceId, request.params.id);
      if (!job || !mayFollowJob(actor, job)) throw notFound('Job');
      return publicJob(job);
    },
  );
}

/** Liveness, and readiness: the database answers. */
export function registerHealthRoutes(root: RouteContext['app'], database: Database) {
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
