import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type AuthService, type Principal, SESSION_COOKIE } from '../auth/auth.service.js';
import { type Action, type Actor, assertAllowed } from '../auth/permissions.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { AppError, badRequest, unauthorized } from '../errors.js';
import { originOf } from '../auth/origin.rules.js';
import type { Logger } from '../logging.js';
import { findUnstorableText } from '../storable.rules.js';
import { errorHandler } from './error-handler.js';
import { createSecurityHeaders } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (login, first-run, webhooks, health). */
    public?: boolean;
    /** The SPEC §1 action this route performs; checked before the handler runs. */
    permission?: Action;
    /** Sets the session cookie (login, first-run setup): refused from a foreign page's origin, cookie or not. */
    setsSession?: boolean;
    /**
     * Other sites may frame this route's pages (the website-chat widget's own pages): it gets
     * `frame-ancestors *` instead of `'none'` and no X-Frame-Options (see security-headers.ts).
     */
    frameable?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type RouteInfo = { method: string; url: string; permission?: Action; public: boolean };

/**
 * What a domain's `register…Routes` receives from the composition root: the HTTP app, the
 * platform, and the services it declares it needs (`S`), nothing more.
 */
export type RouteContext<S = Record<string, never>> = {
  app: FastifyInstance;
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  services: S;
};

/**
 * The HTTP factory: Fastify with cookies, WebSocket, OpenAPI, the error handler and the hook
 * that authenticates every `/api/` route (unless `public`) and checks its SPEC §1 permission.
 * Domains register their routes on it; the composition root (`src/app.ts`) decides which.
 */
export async function createHttpApp(deps: { config: Config; logger: Logger; auth: AuthService }) {
  const { config, logger, auth } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For is believed only from the proxies TRUSTED_PROXIES lists: otherwise a client names its own address.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, permission: route.config?.permission, public: Boolean(route.config?.public) });
    }
  });

  const securityHeaders = createSecurityHeaders(config.publicUrl);
  app.addHook('onRequest', async (request, reply) => securityHeaders(request.raw, reply.raw, request.routeOptions.config?.frameable === true));

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
    const routeConfig = request.routeOptions.config;
    if (!request.routeOptions.url) return;
    if (routeConfig?.setsSession) refuseForeignOrigin(request, config.allowedOrigins);
    if (routeConfig?.public || !request.url.startsWith('/api/')) return;
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const token = bearer ?? request.cookies[SESSION_COOKIE];
    // Only the cookie goes along by itself with a request another page makes: reads cannot be answered to that page (CORS), changes can be made.
    if (!bearer && token && !safeMethods.has(request.method)) refuseForeignOrigin(request, config.allowedOrigins);
    const principal = token ? await auth.authenticate(token) : undefined;
    if (!principal) throw unauthorized();
    request.principal = principal;
    if (routeConfig?.permission) assertAllowed(principal.user.role, routeConfig.permission);
  });

  app.addHook('preValidation', async (request) => refuseUnstorableInput(request));

  return { app, routes };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery: a page of another origin (another site, or another port of our host,
 * which is the same site and so gets the `Lax` cookie) may make the browser send a request with
 * the user's session cookie. Refused unless it comes from PUBLIC_URL's origin or ALLOWED_ORIGINS.
 * The WebSocket gateway applies the same rule to its handshake.
 */
export function refuseForeignOrigin(request: FastifyRequest, allowedOrigins: readonly string[]) {
  const headers = request.headers as { origin?: string; 'sec-fetch-site'?: string };
  if (originOf(headers, allowedOrigins) !== 'foreign') return;
  throw new AppError(
    403,
    'cross_origin_refused',
    `A page of ${headers.origin ?? `another origin (${headers['sec-fetch-site']})`} may not use this session: only ${allowedOrigins.join(', ')} (PUBLIC_URL, ALLOWED_ORIGINS)`,
  );
}

/**
 * One edge for every route: text PostgreSQL cannot store (a NUL, a lone surrogate) in the path,
 * query or JSON body is a 400 naming the field, before any schema or service sees it; so is a
 * PATCH that changes nothing. Raw bodies (webhooks, uploads) are not parsed here: the webhook
 * route cleans what a provider sent instead (see channels/webhooks.routes.ts).
 */
function refuseUnstorableInput(request: FastifyRequest) {
  const parts = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', Buffer.isBuffer(request.body) ? undefined : request.body],
  ] as const;
  for (const [where, value] of parts) {
    const path = findUnstorableText(value);
    if (path) {
      const field = path.join('.') || where;
      throw badRequest('invalid_text', `${[where, ...path].join('.')}: contains a NUL character or a lone surrogate`, { field });
    }
  }
  const body = request.body;
  if (request.method === 'PATCH' && typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0) {
    throw badRequest('nothing_to_change', 'Send at least one field to change');
  }
}

/** The authenticated caller of a non-public route, as the services want it. */
export function actorOf(request: { principal?: Principal }): Actor {
  const principal = request.principal;
  if (!principal) throw unauthorized();
  return { userId: principal.user.id, workspaceId: principal.workspaceId, role: principal.user.role, loaded: principal };
}

export const routeNotFound = (reply: FastifyReply, method: string, pathname: string) =>
  reply.status(404).send({ error: { code: 'not_found', message: `No route ${method} ${pathname}` } });

/** The OpenAPI document of every route registered so far, at `/api/openapi.json`. */
export function registerOpenApiRoute(app: FastifyInstance) {
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

/** The single-page web app: its files, and its index for every other GET that is not an API path. */
export async function serveWebApp(app: FastifyInstance, root: string) {
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
