import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Gateway } from '../platform/realtime/gateway.js';

/**
 * When each online user came online, as this instance saw it. The red dot gives an assignee who
 * comes online a fresh `missedAfterSeconds` to answer, so it needs the moment, not just the state.
 * Listens to the gateway's presence announcements (after the gateway itself has applied them).
 */
export function createOnlineSince(deps: { bus: EventBus; gateway: Pick<Gateway, 'isOnline'>; clock: Clock }) {
  const { bus, gateway, clock } = deps;
  const since = new Map<string, Date>();

  const unsubscribe = bus.subscribe((event) => {
    if (event.type !== 'presence.announce') return;
    const userId = (event.data as { userId: string }).userId;
    if (!gateway.isOnline(userId)) since.delete(userId);
    else if (!since.has(userId)) since.set(userId, clock.now());
  });

  return {
    /** Null when offline. A user online before this instance heard of it counts as online for long. */
    of(userId: string): Date | null {
      if (!gateway.isOnline(userId)) {
        since.delete(userId);
        return null;
      }
      return since.get(userId) ?? new Date(0);
    },
    close: unsubscribe,
  };
}
