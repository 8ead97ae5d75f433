import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthService, Principal } from '../auth/auth.service.js';
import { SESSION_COOKIE } from '../auth/auth.service.js';
import type { ContactAudience, DomainEvent, EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { refuseForeignOrigin } from '../http/app.js';
import { newId } from '../ids.js';
import { ANNOUNCE_MS, createPresenceTracker } from './presence.js';

type Client = {
  socket: WebSocket;
  userId: string;
  workspaceId: string;
  tokenHash: string;
  /** Who the user is now (role, teams, workspace settings): kept current as those change. */
  principal: Principal;
  token: string;
  pending: number[];
};

/** Whether a user may see the conversation an event is about. */
export type AudienceRule = (principal: Principal, audience: NonNullable<DomainEvent['audience']>) => boolean;
/** Whether a user may read the contact an event is about. */
export type ContactAudienceRule = (principal: Principal, contact: ContactAudience) => boolean;

/**
 * How long events wait to go out together. Each write to a socket is a system call that cost more
 * than everything else together at 200 clients (bench/inbox.bench.ts): one write per client per
 * flush instead of one per event. Small against "live within a second" (SPEC §3.5).
 */
const FLUSH_MS = 20;
/** A client this far behind (a stalled tab) is closed; it reconnects and refetches what it shows. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export type Gateway = ReturnType<typeof createGateway>;

/**
 * One WebSocket per browser tab. Every domain event of a workspace reaches its connected users,
 * whichever instance published it, because fan-out listens to the bus rather than to callers.
 */
export function createGateway(deps: {
  bus: EventBus;
  auth: AuthService;
  clock: Clock;
  canSee: AudienceRule;
  canReachContact: ContactAudienceRule;
  /** Origins whose pages may open the socket with the session cookie (config.allowedOrigins). */
  allowedOrigins: readonly string[];
}) {
  const { bus, auth, clock, canSee, canReachContact, allowedOrigins } = deps;
  const instanceId = newId();
  const clients = new Map<string, Set<Client>>();
  const localConnections = new Map<string, { workspaceId: string; count: number }>();
  const presence = createPresenceTracker();

  /**
   * Events waiting for the next flush, serialised once for all clients. A frame carries one event
   * `{type, data}`, or an array of them when several were waiting; clients that await the same
   * events (a workspace's usual case) share the same bytes.
   */
  let outbox: string[] = [];
  const waiting = new Set<Client>();
  let flushTimer: NodeJS.Timeout | undefined;

  function enqueue(client: Client, index: number) {
    client.pending.push(index);
    waiting.add(client);
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  }

  function flush() {
    flushTimer = undefined;
    const frames = new Map<string, Buffer>();
    for (const client of waiting) {
      const key = client.pending.join(',');
      let frame = frames.get(key);
      if (!frame) {
        const events = client.pending.map((index) => outbox[index]!);
        frame = Buffer.from(events.length === 1 ? events[0]! : `[${events.join(',')}]`);
        frames.set(key, frame);
      }
      client.pending = [];
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) client.socket.close(1013, 'too far behind');
      else client.socket.send(frame, { binary: false });
    }
    waiting.clear();
    outbox = [];
  }

  function deliver(event: DomainEvent) {
    if (event.type === 'presence.announce') {
      const update = event.data as { userId: string; instanceId: string; online: boolean };
      if (presence.apply({ ...update, workspaceId: event.workspaceId }, clock.now().getTime())) {
        deliver({
          type: 'presence.changed',
          workspaceId: event.workspaceId,
          data: { userId: update.userId, online: presence.isOnline(update.userId, clock.now().getTime()) },
        });
      }
      return;
    }
    const audience = clients.get(event.workspaceId);
    if (event.type === 'sessions.revoked' || event.type === 'user.removed') {
      // A signed-out or removed user keeps no live connection; the token hash never goes to browsers.
      const { userId, tokenHash, exceptTokenHash } = event.data as { userId: string; tokenHash?: string; exceptTokenHash?: string };
      for (const client of audience ?? []) {
        const revoked = tokenHash ? client.tokenHash === tokenHash : client.tokenHash !== exceptTokenHash;
        if (client.userId === userId && revoked) client.socket.close(4401, 'signed out');
      }
      if (event.type === 'sessions.revoked') return;
    }
    if (!audience) return;
    // A change of role, team or settings changes what each user may see: read the principals again.
    if (/^(user|team|workspace)\./.test(event.type)) refreshPrincipals(audience);
    // Serialised once, and only if someone is to receive it (the outbox empties at each flush).
    let index: number | undefined;
    let hiddenIndex: number | undefined;
    for (const client of audience) {
      if (event.userIds && !event.userIds.includes(client.userId)) continue;
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (event.contactAudience && !canReachContact(client.principal, event.contactAudience)) continue;
      if (event.audience && !canSee(client.principal, event.audience)) {
        // Its lists may hold the conversation from before: tell it to drop it, and nothing more.
        if (event.type !== 'conversation.updated') continue;
        const { id } = event.data.conversation as { id: string };
        hiddenIndex ??= outbox.push(JSON.stringify({ type: 'conversation.hidden', data: { conversationId: id } })) - 1;
        enqueue(client, hiddenIndex);
      } else {
        index ??= outbox.push(JSON.stringify({ type: event.type, data: event.data })) - 1;
        enqueue(client, index);
      }
    }
  }

  function refreshPrincipals(audience: Set<Client>) {
    // After this turn: the auth service forgets its cached principals on the same event.
    setImmediate(() => {
      for (const client of audience) {
        void auth.authenticate(client.token).then(
          (principal) => {
            if (principal) client.principal = principal;
          },
          () => undefined,
        );
      }
    });
  }

  const unsubscribe = bus.subscribe(deliver);

  const announce = (userId: string, workspaceId: string, online: boolean) =>
    bus.publish({ type: 'presence.announce', workspaceId, data: { userId, instanceId, online } });

  const heartbeat = setInterval(() => {
    for (const [userId, { workspaceId }] of localConnections) void announce(userId, workspaceId, true);
  }, ANNOUNCE_MS);
  heartbeat.unref();

  function attach(client: Client) {
    let audience = clients.get(client.workspaceId);
    if (!audience) clients.set(client.workspaceId, (audience = new Set()));
    audience.add(client);
    const local = localConnections.get(client.userId) ?? { workspaceId: client.workspaceId, count: 0 };
    local.count++;
    localConnections.set(client.userId, local);
    if (local.count === 1) void announce(client.userId, client.workspaceId, true);
  }

  function detach(client: Client) {
    clients.get(client.workspaceId)?.delete(client);
    const local = localConnections.get(client.userId);
    if (!local) return;
    local.count--;
    if (local.count === 0) {
      localConnections.delete(client.userId);
      void announce(client.userId, client.workspaceId, false);
    }
  }

  return {
    register(app: FastifyInstance) {
      // The cookie is sent with a handshake any page asks for: another origin's is refused (403) before
      // the upgrade. A token (in the query, or in the first frame) is proof enough on its own.
      const refuseForeignPage = async (request: FastifyRequest) => {
        if (!(request.query as { token?: string }).token && request.cookies[SESSION_COOKIE]) refuseForeignOrigin(request, allowedOrigins);
      };
      app.get('/ws', { websocket: true, config: { public: true }, schema: { hide: true }, preValidation: refuseForeignPage }, async (socket, request) => {
        const given = (request.query as { token?: string }).token ?? request.cookies[SESSION_COOKIE];
        // An API client that keeps its token out of URLs (and so out of proxies' logs) sends it first:
        // {"type":"auth","token":"…"} within AUTH_FRAME_MS of opening.
        const token = given ?? (await firstFrameToken(socket));
        const principal = token ? await auth.authenticate(token).catch(() => undefined) : undefined;
        if (!token || !principal) {
          socket.close(4401, 'unauthorized');
          return;
        }
        const client: Client = {
          socket,
          userId: principal.user.id,
          workspaceId: principal.workspaceId,
          tokenHash: principal.tokenHash,
          principal,
          token,
          pending: [],
        };
        attach(client);
        socket.on('message', (raw) => {
          if (raw.toString() === '{"type":"ping"}') socket.send('{"type":"pong"}');
        });
        socket.on('close', () => detach(client));
        socket.send(
          JSON.stringify({
            type: 'hello',
            data: { userId: client.userId, online: presence.onlineUsers(client.workspaceId, clock.now().getTime()) },
          }),
        );
      });
    },

    onlineUsers: (workspaceId: string) => presence.onlineUsers(workspaceId, clock.now().getTime()),
    isOnline: (userId: string) => presence.isOnline(userId, clock.now().getTime()),

    close() {
      clearInterval(heartbeat);
      clearTimeout(flushTimer);
      flush();
      unsubscribe();
      for (const audience of clients.values()) for (const client of audience) client.socket.close(1001, 'server shutting down');
    },
  };
}

const AUTH_FRAME_MS = 5000;

/** The token of a first frame `{"type":"auth","token":"…"}`; undefined when the frame is anything else, or does not come in time. */
function firstFrameToken(socket: WebSocket): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (token: string | undefined) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      resolve(token);
    };
    const onMessage = (raw: unknown) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(raw));
      } catch {
        frame = undefined;
      }
      const { type, token } = (frame ?? {}) as { type?: unknown; token?: unknown };
      done(type === 'auth' && typeof token === 'string' && token.length > 0 && token.length <= 512 ? token : undefined);
    };
    const onClose = () => done(undefined);
    const timer = setTimeout(() => done(undefined), AUTH_FRAME_MS);
    socket.on('message', onMessage);
    socket.on('close', onClose);
  });
}
