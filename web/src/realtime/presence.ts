/**
 * Who is online, and since when as this tab saw it. The red dot restarts the contact's wait when a
 * responsible user comes online (SPEC §3.4), so it needs the moment, which `presence.changed` does
 * not carry: the tab hears the change within the second SPEC §3.5 allows, close enough for a wait
 * of `missedAfterSeconds`. Users already online when the tab connects count as online for long, as
 * the server counts those online before it started; the lists the tab loads carry the server's dots.
 */
export type PresenceClock = ReturnType<typeof createPresenceClock>;

export function createPresenceClock() {
  const since = new Map<string, Date>();
  return {
    /** The `hello` of a (re)connection: who is online now. */
    connected(online: string[]) {
      const now = new Set(online);
      for (const userId of since.keys()) if (!now.has(userId)) since.delete(userId);
      for (const userId of now) if (!since.has(userId)) since.set(userId, new Date(0));
    },
    changed(userId: string, online: boolean, at: Date) {
      if (!online) since.delete(userId);
      else if (!since.has(userId)) since.set(userId, at);
    },
    /** Null when offline. */
    onlineSince: (userId: string): Date | null => since.get(userId) ?? null,
  };
}
