import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Actor } from '../../platform/auth/permissions.js';
import { createBoundedCache } from '../../platform/bounded-cache.js';
import type { DomainEvent } from '../../platform/bus.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { actorOf, type RouteContext } from '../../platform/http/app.js';
import type { Gateway } from '../../platform/realtime/gateway.js';
import type { ServerSecrets } from '../../platform/server-secrets.js';
import type { WorkspaceService } from '../../workspace/workspace.service.js';
import type { OutboundAttachment } from '../channel-registry.js';
import type { ChannelRow } from '../channels.repository.js';
import type { ChannelsService } from '../channels.service.js';
import type { InboundSink } from '../webhooks.routes.js';
import type { WebchatSettings } from './webchat.channel.js';
import { createRateLimiter, identitySignatureValid, openingState, originAllowed, signVisitorToken, type Visitor, verifyVisitorToken } from './webchat.rules.js';

/** A message as the messages domain shows it: what the widget needs of it. */
type StoredMessage = {
  id: string;
  conversationId: string;
  direction: 'in' | 'out';
  type: 'message' | 'comment';
  text: string;
  status: string;
  hidden: boolean;
  channelId: string | null;
  authorId: string | null;
  content: unknown;
  attachments: Array<{ id: string }> | OutboundAttachment[];
  createdAt: Date | string;
};

type ConversationRef = { id: string; contactId: string; assigneeId: string | null; teamId: string | null };

/**
 * What the website chat needs from the floors above it (messages, conversations), filled in by
 * the composition root: a visitor's history and conversation, files they send, and whether an
 * agent may see a conversation it says it is typing in.
 */
export type WebchatPorts = {
  /** `messageId`: that one message of the identity's only (hidden too: a blocked visitor is not told). */
  historyOf(channel: ChannelRow, identifier: string, query: { before?: Date; limit: number; messageId?: string }): Promise<Array<StoredMessage & { attachments: OutboundAttachment[] }>>;
  conversationOf(channel: ChannelRow, identifier: string): Promise<ConversationRef | undefined>;
  attachReceived(channel: ChannelRow, messageId: string, file: { fileName?: string; kind: string; content: Buffer }): Promise<unknown>;
  linksOf(workspaceId: string, messageId: string): Promise<OutboundAttachment[]>;
  requireVisibleConversation(actor: Actor, conversationId: string): Promise<ConversationRef>;
};

/** SPEC §3.3. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const TOKEN_KEY = 'webchat-visitor-tokens';
const HISTORY_PAGE = 50;
const NAME_CACHE_MS = 60_000;

const text = z.string().max(5000);
const optionalName = z.string().trim().max(200).optional();
const optionalEmail = z.email().max(320).optional();
const channelParams = z.strictObject({ channelId: z.uuid() });
const clientMessageId = z.string().trim().min(1).max(100);

const sessionBody = z.strictObject({
  /** The token this browser kept from an earlier visit: the same contact and history. */
  token: z.string().max(4000).optional(),
  /** A site's logged-in user: the same contact on every device. */
  identity: z
    .strictObject({ userId: z.string().trim().min(1).max(200), signature: z.string().max(200).optional(), name: optionalName, email: optionalEmail })
    .optional(),
  name: optionalName,
  email: optionalEmail,
});

const widgetMessage = z.object({
  id: z.string(),
  clientMessageId: z.string().nullable(),
  direction: z.enum(['in', 'out']),
  text: z.string(),
  status: z.string(),
  author: z.object({ name: z.string() }).nullable(),
  attachments: z.array(z.object({ name: z.string(), contentType: z.string(), size: z.number(), url: z.string() })),
  createdAt: z.string(),
});
type WidgetMessage = z.infer<typeof widgetMessage>;

type VisitorSocket = { socket: WebSocket; channelId: string; workspaceId: string; identifier: string; conversationId?: string };

function widgetScriptPath(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve('widget/dist/widget.js'), path.resolve(here, '../../../widget/dist/widget.js'), path.resolve(here, '../widget/dist/widget.js')];
  return candidates.find((candidate) => existsSync(candidate));
}

const tooMany = (retryAfterMs: number) =>
  new AppError(429, 'rate_limited', `Too many requests: wait ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });

/**
 * The widget's public endpoints (`/widget/v1/channels/<channelId>/…`) and its script. No session
 * cookie: a visitor is its token, which the server signs. Every call, the WebSocket upgrade
 * included, is refused unless its Origin is one of the channel's allowed origins, and only those
 * get CORS headers, so a page elsewhere gets nothing that works.
 */
export function registerWebchatRoutes({
  app: root,
  config,
  bus,
  clock,
  services,
}: RouteContext<{ channels: ChannelsService; inbound: InboundSink; webchat: WebchatPorts; gateway: Gateway; secrets: ServerSecrets; workspace: WorkspaceService }>) {
  const { channels, inbound, webchat: ports, gateway, secrets, workspace } = services;
  const ownOrigin = new URL(config.publicUrl).origin;
  const tokenKey = () => secrets.get(TOKEN_KEY);

  // Per client address, and per visitor where one is known: a flood is slowed with 429s the widget shows.
  const limits = {
    session: createRateLimiter({ limit: 30, windowMs: 60_000 }),
    message: createRateLimiter({ limit: 10, windowMs: 10_000 }),
    addressMessages: createRateLimiter({ limit: 120, windowMs: 60_000 }),
    typing: createRateLimiter({ limit: 30, windowMs: 10_000 }),
    upload: createRateLimiter({ limit: 10, windowMs: 60_000 }),
    socket: createRateLimiter({ limit: 30, windowMs: 60_000 }),
    read: createRateLimiter({ limit: 60, windowMs: 60_000 }),
  };
  const limit = (limiter: keyof typeof limits, key: string) => {
    const wait = limits[limiter](key, clock.now().getTime());
    if (wait > 0) throw tooMany(wait);
  };

  const names = createBoundedCache<string, string>({ max: 10_000, ttlMs: NAME_CACHE_MS });
  async function authorOf(workspaceId: string, userId: string | null): Promise<{ name: string } | null> {
    if (!userId) return null;
    const key = `${workspaceId}:${userId}`;
    let name = names.get(key);
    if (name === undefined) {
      name = (await workspace.userName(workspaceId, userId)) ?? '';
      names.set(key, name);
    }
    return name ? { name } : null;
  }

  async function toWidget(workspaceId: string, message: StoredMessage, clientId: string | null = null): Promise<WidgetMessage> {
    // The messages domain's own links need a session: a visitor gets signed ones (absolute, under PUBLIC_URL).
    const signed = message.attachments.every((file) => String((file as { url?: unknown }).url ?? '').startsWith('http'));
    const files = signed ? (message.attachments as OutboundAttachment[]) : await ports.linksOf(workspaceId, message.id);
    return {
      id: message.id,
      clientMessageId: clientId,
      direction: message.direction,
      text: message.text,
      status: message.status,
      author: message.direction === 'out' ? await authorOf(workspaceId, message.authorId) : null,
      attachments: files.map((file) => ({ name: file.name, contentType: file.contentType, size: file.size, url: file.url })),
      createdAt: typeof message.createdAt === 'string' ? message.createdAt : message.createdAt.toISOString(),
    };
  }

  async function channelOf(channelId: string) {
    const channel = await channels.resolveForWebhook('webchat', channelId);
    if (!channel || channel.row.status !== 'active') throw notFound('Chat');
    return { row: channel.row, settings: channel.row.settings as WebchatSettings };
  }

  /** The Origin check every call passes first; CORS headers only for an allowed origin. */
  async function admit(request: FastifyRequest, reply: FastifyReply | undefined, channelId: string) {
    const channel = await channelOf(channelId);
    const origin = request.headers.origin;
    if (!originAllowed(origin, channel.settings.allowedOrigins, ownOrigin)) {
      request.log.warn({ channelId, origin }, 'website chat call from an origin the channel does not allow');
      throw new AppError(403, 'origin_not_allowed', 'This website may not use this chat');
    }
    if (reply) reply.header('access-control-allow-origin', origin!).header('vary', 'Origin');
    return channel;
  }

  async function visitorOf(request: FastifyRequest, channelId: string): Promise<Visitor> {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const visitor = verifyVisitorToken(await tokenKey(), token, channelId);
    if (!visitor) throw new AppError(401, 'invalid_visitor', 'Start a chat session first');
    return visitor;
  }

  async function availabilityOf(channel: { row: ChannelRow; settings: WebchatSettings }) {
    const hours = openingState(channel.settings, clock.now());
    const agentsOnline = gateway.onlineUsers(channel.row.workspaceId).length;
    return { open: hours.open, nextOpenAt: hours.nextOpenAt?.toISOString() ?? null, agentsOnline: agentsOnline > 0 };
  }

  const configOf = (settings: WebchatSettings) => ({
    color: settings.color,
    position: settings.position,
    greeting: settings.greeting,
    askName: settings.askName,
    askEmail: settings.askEmail,
    requireIdentity: settings.requireIdentity,
  });

  async function history(channel: { row: ChannelRow }, identifier: string, before?: Date) {
    const rows = await ports.historyOf(channel.row, identifier, { before, limit: HISTORY_PAGE });
    const items = await Promise.all(rows.map((row) => toWidget(channel.row.workspaceId, row)));
    return items.reverse();
  }

  /** Reaches the visitor's open widgets (on every instance, through the bus), never an agent's browser. */
  const toVisitor = (workspaceId: string, key: string, type: string, data: Record<string, unknown>) =>
    bus.publish({ type: 'webchat.visitor', workspaceId, userIds: [], data: { key, type, data } });

  async function receive(channel: { row: ChannelRow }, visitor: Visitor, clientId: string, body: { text: string; content?: { kind: 'image' | 'document'; fileName?: string } }) {
    const { messageId, duplicate } = await inbound.receive(channel.row, {
      providerMessageId: `${visitor.identifier}:${clientId}`,
      contact: { identifier: visitor.identifier, name: visitor.name, email: visitor.email },
      text: body.text,
      content: body.content,
    });
    return { messageId, duplicate };
  }

  async function announce(channel: { row: ChannelRow }, visitor: Visitor, messageId: string, clientId: string) {
    const conversation = await ports.conversationOf(channel.row, visitor.identifier);
    const [stored] = await ports.historyOf(channel.row, visitor.identifier, { limit: 1, messageId });
    if (!stored || !conversation) return undefined;
    const message = await toWidget(channel.row.workspaceId, stored, clientId);
    await toVisitor(channel.row.workspaceId, `${channel.row.id}:${visitor.identifier}`, 'message', { conversationId: conversation.id, message });
    return message;
  }

  // Live: one listener for every visitor socket of this process.
  const byKey = new Map<string, Set<VisitorSocket>>();
  const byConversation = new Map<string, Set<VisitorSocket>>();
  const addTo = (map: Map<string, Set<VisitorSocket>>, key: string, client: VisitorSocket) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(client);
  };
  const removeFrom = (map: Map<string, Set<VisitorSocket>>, key: string | undefined, client: VisitorSocket) => {
    if (key === undefined) return;
    const set = map.get(key);
    set?.delete(client);
    if (set?.size === 0) map.delete(key);
  };
  const send = (client: VisitorSocket, frame: string) => {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(frame);
  };
  function joinConversation(client: VisitorSocket, conversationId: string) {
    if (client.conversationId === conversationId) return;
    removeFrom(byConversation, client.conversationId, client);
    client.conversationId = conversationId;
    addTo(byConversation, conversationId, client);
  }

  async function onEvent(event: DomainEvent) {
    if (event.type === 'webchat.visitor') {
      const { key, type, data } = event.data as { key: string; type: string; data: Record<string, unknown> };
      const clients = byKey.get(key);
      if (!clients) return;
      const frame = JSON.stringify({ type, data: type === 'message' ? data.message : data });
      for (const client of clients) {
        if (typeof data.conversationId === 'string') joinConversation(client, data.conversationId);
        send(client, frame);
      }
      return;
    }
    if (event.type === 'message.created' || event.type === 'message.updated') {
      const message = (event.data as { message: StoredMessage }).message;
      const clients = byConversation.get(message.conversationId);
      // Agents' replies only: never a comment, never what was hidden; the visitor's own come with their client id above.
      if (!clients || message.type !== 'message' || message.direction !== 'out' || message.hidden) return;
      const targets = [...clients].filter((client) => client.workspaceId === event.workspaceId && client.channelId === message.channelId);
      if (targets.length === 0) return;
      const frame = JSON.stringify({ type: 'message', data: await toWidget(event.workspaceId, message) });
      for (const client of targets) send(client, frame);
      return;
    }
    if (event.type === 'webchat.agent-typing' || event.type === 'conversation.read') {
      const { conversationId, name, readAt } = event.data as { conversationId: string; name?: string; readAt?: string };
      const frame = JSON.stringify(event.type === 'conversation.read' ? { type: 'seen', data: { at: readAt } } : { type: 'typing', data: { name: name ?? null } });
      for (const client of byConversation.get(conversationId) ?? []) if (client.workspaceId === event.workspaceId) send(client, frame);
    }
  }
  const unsubscribe = bus.subscribe((event) => {
    if (byKey.size === 0) return;
    void onEvent(event).catch((error: unknown) => root.log.warn({ err: error }, 'website chat event not delivered'));
  });
  root.addHook('onClose', async () => {
    unsubscribe();
    for (const clients of byKey.values()) for (const client of clients) client.socket.close(1001, 'server shutting down');
  });

  // The script sites load: public, cacheable, and loadable from any page (its calls are what the origin check guards).
  root.get('/widget/widget.js', { config: { public: true, frameable: true }, schema: { hide: true } }, async (_request, reply) => {
    const file = widgetScriptPath();
    if (!file) throw notFound('Widget script (run npm run build)');
    return reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(readFileSync(file));
  });

  root.register(async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['website chat'];
    const base = '/widget/v1/channels/:channelId';

    // Preflight: CORS headers for an allowed origin only; any other gets a refusal the browser cannot use.
    app.options(`${base}/*`, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
      const { channelId } = request.params as { channelId: string };
      if (!z.uuid().safeParse(channelId).success) throw notFound('Chat');
      await admit(request, reply, channelId);
      return reply
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'authorization, content-type, x-file-name')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    });

    app.post(
      `${base}/session`,
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "Starts or resumes a visitor: a new anonymous identity, the browser's kept token, or a site's signed user (identity.signature: hex HMAC-SHA256 of userId under the channel's identitySecret). Answers the visitor's token, the widget's look, whether the team is there, and the history",
          params: channelParams,
          body: sessionBody,
        },
      },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        limit('session', request.ip);
        const { settings, row } = channel;
        const key = await tokenKey();
        const body = request.body;
        let visitor: Visitor | undefined;
        if (body.identity) {
          const { userId, signature, name, email } = body.identity;
          if (!settings.identitySecret || !signature || !identitySignatureValid(settings.identitySecret, userId, signature)) {
            request.log.warn({ channelId: row.id, userId, reason: !settings.identitySecret ? 'no secret set' : signature ? 'forged' : 'missing' }, 'website chat identity refused');
            throw new AppError(401, 'invalid_identity', "The user's signature does not match this chat's identity secret");
          }
          visitor = { channelId: row.id, identifier: `user:${userId}`, name: name ?? body.name, email: email ?? body.email, signed: true };
        } else if (body.token) {
          visitor = verifyVisitorToken(key, body.token, row.id);
          if (visitor && (body.name || body.email)) visitor = { ...visitor, name: body.name ?? visitor.name, email: body.email ?? visitor.email };
        }
        if (settings.requireIdentity && !visitor?.signed) {
          request.log.warn({ channelId: row.id, reason: 'missing' }, 'website chat identity refused');
          throw new AppError(401, 'identity_required', 'This chat is for signed-in customers only');
        }
        if (!visitor) {
          const name = body.name ?? `Visitor ${await channels.contextFor(row).state.increment('visitors')}`;
          visitor = { channelId: row.id, identifier: `visitor:${randomBytes(16).toString('base64url')}`, name, email: body.email, signed: false };
        }
        return {
          token: signVisitorToken(key, visitor),
          visitor: { name: visitor.name ?? null, email: visitor.email ?? null, signed: visitor.signed },
          config: configOf(settings),
          availability: await availabilityOf(channel),
          messages: await history(channel, visitor.identifier),
        };
      },
    );

    app.get(
      `${base}/messages`,
      {
        config: { public: true },
        schema: { tags, summary: "The visitor's earlier messages, oldest first, before `before`", params: channelParams, querystring: z.strictObject({ before: z.iso.datetime({ offset: true }).optional() }) },
      },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        const visitor = await visitorOf(request, channel.row.id);
        limit('read', visitor.identifier);
        return { items: await history(channel, visitor.identifier, request.query.before ? new Date(request.query.before) : undefined) };
      },
    );

    app.post(
      `${base}/messages`,
      {
        config: { public: true },
        schema: {
          tags,
          summary: "A visitor's message. The same clientMessageId sent again (a retry after a dropped connection) stores one message",
          params: channelParams,
          body: z.strictObject({ clientMessageId, text: text.refine((value) => value.trim().length > 0, 'must not be empty') }),
          response: { 200: z.object({ message: widgetMessage, duplicate: z.boolean() }) },
        },
      },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        const visitor = await visitorOf(request, channel.row.id);
        limit('message', visitor.identifier);
        limit('addressMessages', request.ip);
        const { messageId, duplicate } = await receive(channel, visitor, request.body.clientMessageId, { text: request.body.text });
        const message = await announce(channel, visitor, messageId, request.body.clientMessageId);
        if (!message) throw new AppError(409, 'message_not_accepted', 'The message was not accepted');
        return { message, duplicate };
      },
    );

    app.post(
      `${base}/typing`,
      { config: { public: true }, schema: { tags, summary: 'The visitor is typing: agents who see the conversation are told', params: channelParams } },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        const visitor = await visitorOf(request, channel.row.id);
        limit('typing', visitor.identifier);
        const conversation = await ports.conversationOf(channel.row, visitor.identifier);
        if (conversation) {
          await bus.publish({
            // Not a conversation.* event: those make every inbox count its conversations again.
            type: 'webchat.visitor-typing',
            workspaceId: channel.row.workspaceId,
            audience: { assigneeId: conversation.assigneeId, teamId: conversation.teamId },
            data: { conversationId: conversation.id, contactId: conversation.contactId },
          });
        }
        return reply.code(204).send();
      },
    );

    app.post(
      `${base}/seen`,
      { config: { public: true }, schema: { tags, summary: "The visitor has seen the agents' replies so far: they are marked read", params: channelParams } },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        const visitor = await visitorOf(request, channel.row.id);
        limit('typing', visitor.identifier);
        await inbound.applyReceipts(channel.row, [{ identifier: visitor.identifier, status: 'read', watermark: clock.now() }]);
        return reply.code(204).send();
      },
    );

    app.post(
      `${base}/contact`,
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'The visitor leaves an email (when no one is there to answer): it goes to the team as a message, and on every later message',
          params: channelParams,
          body: z.strictObject({ email: z.email().max(320) }),
        },
      },
      async (request, reply) => {
        const channel = await admit(request, reply, request.params.channelId);
        const visitor = { ...(await visitorOf(request, channel.row.id)), email: request.body.email };
        limit('message', visitor.identifier);
        const clientId = `email:${request.body.email.toLowerCase()}`;
        const { messageId } = await receive(channel, visitor, clientId, { text: `✉ ${request.body.email}` });
        const message = await announce(channel, visitor, messageId, clientId);
        return { token: signVisitorToken(await tokenKey(), visitor), message };
      },
    );

    // Files: the raw bytes, counted as they arrive; the 10 MB limit is a clear 413, and nothing is kept past it.
    scope.register(async (uploads: FastifyInstance) => {
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser('*', { bodyLimit: MAX_UPLOAD_BYTES + 1 }, (_request, payload: Readable, done) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let failed = false;
        payload.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_UPLOAD_BYTES && !failed) {
            failed = true;
            payload.resume();
            done(new AppError(413, 'attachment_too_large', `An attachment may have at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`, { maxBytes: MAX_UPLOAD_BYTES }), undefined);
          }
          if (!failed) chunks.push(chunk);
        });
        payload.on('end', () => {
          if (!failed) done(null, Buffer.concat(chunks));
        });
        payload.on('error', (error) => {
          if (!failed) done(error, undefined);
        });
      });
      const files = uploads.withTypeProvider<ZodTypeProvider>();
      files.post(
        `${base}/uploads`,
        {
          config: { public: true },
          bodyLimit: MAX_UPLOAD_BYTES + 1,
          schema: {
            tags,
            summary: 'A file the visitor sends (at most 10 MB): the raw bytes as the body, its name in `name`',
            params: channelParams,
            querystring: z.strictObject({ name: z.string().trim().min(1).max(255).optional(), clientMessageId }),
          },
        },
        async (request, reply) => {
          const channel = await admit(request, reply, request.params.channelId);
          const visitor = await visitorOf(request, channel.row.id);
          limit('upload', visitor.identifier);
          const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          if (content.length === 0) throw badRequest('empty_file', 'The file is empty');
          const fileName = request.query.name;
          const kind = String(request.headers['content-type'] ?? '').startsWith('image/') ? 'image' : 'document';
          const { messageId, duplicate } = await receive(channel, visitor, request.query.clientMessageId, { text: '', content: { kind, fileName } });
          if (!duplicate) await ports.attachReceived(channel.row, messageId, { fileName, kind, content });
          const message = await announce(channel, visitor, messageId, request.query.clientMessageId);
          return { message, duplicate };
        },
      );
    });

    app.get(
      `${base}/ws`,
      {
        websocket: true,
        config: { public: true },
        schema: { hide: true, params: channelParams, querystring: z.object({ token: z.string().max(4000) }) },
        // The upgrade is refused (403) before it happens for another origin, as for every other call.
        preValidation: async (request) => {
          const { channelId } = request.params as { channelId: string };
          if (!z.uuid().safeParse(channelId).success) throw notFound('Chat');
          await admit(request, undefined, channelId);
          limit('socket', request.ip);
        },
      },
      async (socket, request) => {
        const { channelId } = request.params as { channelId: string };
        const visitor = verifyVisitorToken(await tokenKey(), (request.query as { token?: string }).token, channelId);
        const channel = visitor && (await channelOf(channelId).catch(() => undefined));
        if (!visitor || !channel) {
          socket.close(4401, 'unauthorized');
          return;
        }
        const client: VisitorSocket = { socket, channelId, workspaceId: channel.row.workspaceId, identifier: visitor.identifier };
        const key = `${channelId}:${visitor.identifier}`;
        addTo(byKey, key, client);
        socket.on('close', () => {
          removeFrom(byKey, key, client);
          removeFrom(byConversation, client.conversationId, client);
        });
        socket.on('message', (raw) => {
          if (raw.toString() === '{"type":"ping"}') send(client, '{"type":"pong"}');
        });
        const conversation = await ports.conversationOf(channel.row, visitor.identifier);
        if (conversation) joinConversation(client, conversation.id);
        send(client, JSON.stringify({ type: 'hello', data: { availability: await availabilityOf(channel) } }));
      },
    );
  });

  const agentApp = root.withTypeProvider<ZodTypeProvider>();
  agentApp.post(
    '/api/v1/conversations/:id/typing',
    {
      schema: {
        tags: ['conversations'],
        summary: "The user is typing a reply: a website-chat visitor sees it with the user's name (sent at most every few seconds by the composer)",
        params: z.strictObject({ id: z.uuid() }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const conversation = await ports.requireVisibleConversation(actor, request.params.id);
      const author = await authorOf(actor.workspaceId, actor.userId);
      await bus.publish({ type: 'webchat.agent-typing', workspaceId: actor.workspaceId, userIds: [], data: { conversationId: conversation.id, name: author?.name ?? null } });
      return reply.code(204).send();
    },
  );
}
