import WebSocket from 'ws';

export type LiveClient = {
  socket: WebSocket;
  events: Array<{ type: string; data: any }>;
  /** Resolves with the first event (already received or still to come) that matches. */
  next(type: string, match?: (data: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
};

/** A WebSocket client of the gateway that records every event it receives. */
export async function connect(baseUrl: string, token: string): Promise<LiveClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const events: LiveClient['events'] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (raw) => {
    // A frame holds one event, or an array of those that were waiting together.
    events.push(...[JSON.parse(raw.toString())].flat());
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    events,
    next(type, match = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e) => e.type === type && match(e.data));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found.data);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${type} event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => socket.close(),
  };
}

export function closeCode(baseUrl: string, token: string): Promise<number> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  return new Promise((resolve) => socket.on('close', (code) => resolve(code)));
}
