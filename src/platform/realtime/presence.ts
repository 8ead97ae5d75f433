/**
 * Who is online, across instances. Each instance announces its users' connections; an
 * instance that stops announcing (it crashed) drops out after STALE_MS.
 */
export const ANNOUNCE_MS = 15_000;
export const STALE_MS = 45_000;

export type PresenceTracker = ReturnType<typeof createPresenceTracker>;

export function createPresenceTracker() {
  // userId -> instanceId -> last time that instance said the user was connected
  const seen = new Map<string, Map<string, number>>();
  const workspaceOf = new Map<string, string>();

  return {
    /** Record what an instance says; answers whether the user's online state changed. */
    apply(update: { userId: string; workspaceId: string; instanceId: string; online: boolean }, nowMs: number): boolean {
      const before = this.isOnline(update.userId, nowMs);
      workspaceOf.set(update.userId, update.workspaceId);
      let instances = seen.get(update.userId);
      if (update.online) {
        if (!instances) seen.set(update.userId, (instances = new Map()));
        instances.set(update.instanceId, nowMs);
      } else if (instances) {
        instances.delete(update.instanceId);
        if (instances.size === 0) seen.delete(update.userId);
      }
      return before !== this.isOnline(update.userId, nowMs);
    },

    isOnline(userId: string, nowMs: number): boolean {
      const instances = seen.get(userId);
      if (!instances) return false;
      for (const at of instances.values()) if (nowMs - at < STALE_MS) return true;
      return false;
    },

    onlineUsers(workspaceId: string, nowMs: number): string[] {
      return [...seen.keys()].filter((userId) => workspaceOf.get(userId) === workspaceId && this.isOnline(userId, nowMs));
    },
  };
}
