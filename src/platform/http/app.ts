import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerBlockingRoutes } from '../../blocking/blocking.routes.js';
import { registerWebhookRoutes } from '../../channels/webhooks.routes.js';
import { canSeeConversation } from '../../conversations/conversation-visibility.rules.js';
import { createInboxServices, type InboxServices, registerInboxRoutes } from '../../conversations/inbox.module.js';
import { registerContactsRoutes } from '../../contacts/contacts.routes.js';
import { createContactsService } from '../../contacts/contacts.service.js';
import { registerUsageRoutes } from '../../usage/usage.routes.js';
import { createUsageService } from '../../usage/usage.service.js';
import { registerWorkspaceRoutes } from '../../workspace/workspace.routes.js';
import { assertAllowed, type Action, type Actor } from '../../workspace/permissions.js';
import { createWorkspaceService } from '../../workspace/workspace.service.js';
import { createAuthService, type Principal, SESSION_COOKIE } from '../auth/auth.service.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { unauthorized } from '../errors.js';
import { createJobQueue } from '../jobs.js';
import type { Logger } from '../logging.js';
import { createGateway } from '../realtime/gateway.js';
import { errorHandler } from './error-handler.js';
import { registerHealthRoutes, registerPlatformRoutes } from './platform.routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (login, first-run, webhooks, health). */
    public?: boolean;
    /** The SPEC §1 action this route performs; checked before the handler runs. */
    permission?: Action;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type AppDeps = {
  config: Config;
  database: Database;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Serve provider webhooks and health checks only: the webhook thread (see webhook-thread.ts). */
  webhooksOnly?: boolean;
};

export type RouteInfo = { method: string; url: string; permission?: Action; public: boolean };

export async function buildApp(deps: AppDeps) {
  const { config, database, bus, clock, logger } = deps;
  const { db } = database;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== 'true' }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  const auth = createAuthService({ db, clock });
  bus.subscribe((event) => {
    if (/^(user|team|workspace|sessions)\./.test(event.type)) auth.forgetWorkspace(event.workspaceId);
  });
  const jobs = createJobQueue({ db, clock, bus, logger });
  const workspace = createWorkspaceService({ db, bus, clock, auth });
  const gateway = createGateway({
    bus,
    auth,
    clock,
    canSee: (principal, conversation) =>
      canSeeConversation(
        { userId: principal.user.id, role: principal.user.role, teamIds: principal.teamIds, agentsSeeAll: principal.workspace.settings.agentsSeeAll !== false },
        conversation,
      ),
  });
  const usage = createUsageService({ db, clock });
  const inbox = createInboxServices({ db, bus, clock, jobs, logger, config, workspace, gateway, usage });
  const contacts = createContactsService({
    db,
    bus,
    clock,
    jobs,
    workspace,
    blocking: inbox.blocking,
    attachments: inbox.attachments,
    dataDir: config.dataDir,
  });
  const services = { auth, jobs, workspace, gateway, contacts, usage, ...inbox };

  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, permission: route.config?.permission, public: Boolean(route.config?.public) });
    }
  });

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Switchboard API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (!request.routeOptions.url || config?.public) return;
    if (!request.url.startsWith('/api/')) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : request.cookies[SESSION_COOKIE];
    const principal = token ? await auth.authenticate(token) : undefined;
    if (!principal) throw unauthorized();
    request.principal = principal;
    if (config?.permission) assertAllowed(principal.user.role, config.permission);
  });

  const context = { app, config, db, bus, clock, services };
  if (deps.webhooksOnly) {
    registerHealthRoutes(app, database);
    registerWebhookRoutes(context);
    app.setNotFoundHandler((request, reply) => routeNotFound(reply, request.method, request.url.split('?')[0]!));
  } else {
    registerPlatformRoutes(context, database);
    registerWorkspaceRoutes(context);
    registerContactsRoutes(context);
    registerInboxRoutes(context);
    registerBlockingRoutes(context);
    registerUsageRoutes(context, usage);
    gateway.register(app);
    await serveWebApp(app, config.webDistDir);
    app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  }

  await app.ready();

  return {
    app,
    services,
    routes,
    async close() {
      gateway.close();
      await app.close();
      await jobs.stop();
    },
  };
}

export type AppContext = {
  app: FastifyInstance;
  config: Config;
  db: Database['db'];
  bus: EventBus;
  clock: Clock;
  services: {
    auth: ReturnType<typeof createAuthService>;
    jobs: ReturnType<typeof createJobQueue>;
    workspace: ReturnType<typeof createWorkspaceService>;
    gateway: ReturnType<typeof createGateway>;
    contacts: ReturnType<typeof createContactsService>;
    usage: ReturnType<typeof createUsageService>;
  } & InboxServices;
};

/** The authenticated caller of a non-public route, as the services want it. */
export function actorOf(request: { principal?: Principal }): Actor {
  const principal = request.principal;
  if (!principal) throw unauthorized();
  return { userId: principal.user.id, workspaceId: principal.workspaceId, role: principal.user.role, loaded: principal };
}

const routeNotFound = (reply: FastifyReply, method: string, pathname: string) =>
  reply.status(404).send({ error: { code: 'not_found', message: `No route ${method} ${pathname}` } });

async function serveWebApp(app: FastifyInstance, root: string) {
  const indexFile = path.join(root, 'index.html');
  // Files are looked up per request (wildcard), so a rebuilt web app is served without a restart.
  await app.register(fastifyStatic, { root, wildcard: true, index: false, maxAge: '1h', immutable: true, prefix: '/' });
  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').type('text/html').send(fs.createReadStream(indexFile));
  app.get('/', { config: { public: true }, schema: { hide: true } }, (request, reply) =>
    fs.existsSync(indexFile) ? sendIndex(reply) : routeNotFound(reply, 'GET', '/'),
  );
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    const isApi = /^\/(api|webhooks|ws|healthz|readyz)(\/|$)/.test(pathname);
    const isAsset = /\.[a-z0-9]+$/i.test(pathname);
    if (request.method === 'GET' && !isApi && !isAsset && fs.existsSync(indexFile)) return sendIndex(reply);
    return routeNotFound(reply, request.method, pathname);
  });
}
