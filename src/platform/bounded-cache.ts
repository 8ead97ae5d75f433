/**
 * An in-process cache of at most `max` entries, the oldest dropped first, each kept `ttlMs` (for
 * ever when omitted). For reads the bus evicts at once on every instance when they change: the
 * lifetime only bounds a lost event.
 */
export function createBoundedCache<K, V>(options: { max: number; ttlMs?: number }) {
  const { max, ttlMs = Number.POSITIVE_INFINITY } = options;
  const entries = new Map<K, { value: V; until: number }>();

  return {
    get(key: K): V | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until > Date.now()) return entry.value;
      entries.delete(key);
      return undefined;
    },

    has(key: K): boolean {
      return this.get(key) !== undefined;
    },

    set(key: K, value: V): void {
      // Maps iterate in insertion order: re-inserting makes the entry the newest.
      entries.delete(key);
      entries.set(key, { value, until: Date.now() + ttlMs });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },

    delete(key: K): void {
      entries.delete(key);
    },

    deleteWhere(matches: (value: V, key: K) => boolean): void {
      for (const [key, entry] of entries) if (matches(entry.value, key)) entries.delete(key);
    },

    get size() {
      return entries.size;
    },
  };
}
