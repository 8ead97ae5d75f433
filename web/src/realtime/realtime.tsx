import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { applyInboxEvent } from '../inbox/inbox.realtime.js';
import { forgetSession } from '../session/session.js';
import { createPresenceClock, type PresenceClock } from './presence.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

type ServerEvent = { type: string; data: Record<string, unknown> };

/**
 * Which cached queries an event makes stale, by the event's domain (`team.updated` → `team`).
 * Query keys start with the API collection they read: ['users'], ['conversations', …].
 */
const staleAfter: Record<string, QueryKey[]> = {
  user: [['users'], ['me']],
  team: [['teams'], ['me']],
  workspace: [['me']],
  contact: [['contacts']],
  contacts: [['contacts'], ['tags']],
  tag: [['tags'], ['contacts']],
  segment: [['segments']],
  customField: [['custom-fields'], ['contacts']],
  channel: [['channels'], ['contacts']],
  saved_reply: [['saved-replies']],
  // A decision quarantines or releases a contact: the Contacts module marks it.
  spam: [['spam', 'decisions'], ['contacts']],
  notifications: [['notification-settings']],
  invitation: [['invitations']],
  workflow: [['workflows']],
};

const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

const listeners = new Set<(event: ServerEvent) => void>();

/** Hears every live event after the caches took it in (notifications); answers the unsubscribe. */
export function subscribeToEvents(listener: (event: ServerEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function applyEvent(queryClient: QueryClient, presence: PresenceClock, event: ServerEvent) {
  applyToCaches(queryClient, presence, event);
  for (const listener of listeners) listener(event);
}

function applyToCaches(queryClient: QueryClient, presence: PresenceClock, event: ServerEvent) {
  // Presence first: the inbox works out dots from it.
  if (event.type === 'presence.changed') {
    const { userId, online } = event.data as { userId: string; online: boolean };
    presence.changed(userId, online, new Date());
    queryClient.setQueryData<Set<string>>(['presence'], (current) => {
      const next = new Set(current);
      if (online) next.add(userId);
      else next.delete(userId);
      return next;
    });
  }
  if (applyInboxEvent(queryClient, event, presence)) return;
  if (event.type === 'job.updated') {
    const { job } = event.data as { job: { id: string } };
    queryClient.setQueryData(['jobs', job.id], job);
    return;
  }
  for (const queryKey of staleAfter[event.type.split('.')[0]!] ?? []) void queryClient.invalidateQueries({ queryKey });
}

/** One WebSocket for the tab: reconnects with backoff and keeps TanStack Query's cache current. */
function useRealtimeConnection(presence: PresenceClock): ConnectionState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>('connecting');

  useEffect(() => {
    let socket: WebSocket | undefined;
    let attempt = 0;
    let everConnected = false;
    let stopped = false;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;

    function connect() {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
      const current = new WebSocket(url);
      socket = current;

      current.onmessage = (message) => {
        clearTimeout(pongTimer);
        // A frame holds one event, or an array of those the server sent together.
        for (const event of [JSON.parse(String(message.data)) as ServerEvent | ServerEvent[]].flat()) handle(event);
      };

      const handle = (event: ServerEvent) => {
        if (event.type === 'hello') {
          attempt = 0;
          setState('connected');
          // Events sent while we were away are lost: refetch what is on screen.
          if (everConnected) void queryClient.invalidateQueries();
          everConnected = true;
          presence.connected(event.data.online as string[]);
          queryClient.setQueryData(['presence'], new Set(event.data.online as string[]));
          return;
        }
        if (event.type !== 'pong') applyEvent(queryClient, presence, event);
      };

      current.onclose = (closed) => {
        clearInterval(pingTimer);
        clearTimeout(pongTimer);
        if (stopped) return;
        if (closed.code === 4401) {
          forgetSession(queryClient);
          return;
        }
        setState('reconnecting');
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++);
        retryTimer = setTimeout(connect, backoff / 2 + Math.random() * (backoff / 2));
      };

      // A connection that died without a close frame only shows itself by not answering.
      pingTimer = setInterval(() => {
        if (current.readyState !== WebSocket.OPEN) return;
        current.send('{"type":"ping"}');
        pongTimer = setTimeout(() => current.close(), PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    }

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      socket?.close(1000);
    };
  }, [queryClient, presence]);

  return state;
}

const fallbackPresence = createPresenceClock();
const RealtimeContext = createContext<{ state: ConnectionState; presence: PresenceClock }>({ state: 'connecting', presence: fallbackPresence });

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const [presence] = useState(createPresenceClock);
  const state = useRealtimeConnection(presence);
  const value = useMemo(() => ({ state, presence }), [state, presence]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

/** The tab's live connection: its state, and since when who is online. */
export function useRealtime(): { state: ConnectionState; presence: PresenceClock } {
  return useContext(RealtimeContext);
}
