import { and, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { channelState } from '../platform/db/schema.js';
import type { ChannelStateStore } from './channel-registry.js';

/**
 * The `channel_state` table as each channel's `ChannelStateStore`: small values shared by every
 * process (a provider's token, a monthly count), each a row keyed by channel and name.
 */
export function createChannelState(db: Db, clock: { now(): Date }) {
  const live = () => or(isNull(channelState.expiresAt), gt(channelState.expiresAt, clock.now()));

  function storeFor(workspaceId: string, channelId: string): ChannelStateStore {
    const key = (name: string) => and(eq(channelState.workspaceId, workspaceId), eq(channelState.channelId, channelId), eq(channelState.key, name));
    return {
      async get<T>(name: string) {
        const [row] = await db.select({ value: channelState.value }).from(channelState).where(and(key(name), live()));
        return row?.value as T | undefined;
      },

      async set(name, value, options = {}) {
        const now = clock.now();
        const row = { workspaceId, channelId, key: name, value: value as object, expiresAt: options.expiresAt ?? null, updatedAt: now };
        await db
          .insert(channelState)
          .values(row)
          .onConflictDoUpdate({ target: [channelState.workspaceId, channelState.channelId, channelState.key], set: { value: row.value, expiresAt: row.expiresAt, updatedAt: now } });
      },

      /** One statement: of two processes counting at once, each sees its own addition. An expired count starts again. */
      async increment(name, by = 1) {
        const now = clock.now();
        const [row] = await db
          .insert(channelState)
          .values({ workspaceId, channelId, key: name, value: by, updatedAt: now })
          .onConflictDoUpdate({
            target: [channelState.workspaceId, channelState.channelId, channelState.key],
            set: {
              value: sql`case when ${channelState.expiresAt} is not null and ${channelState.expiresAt} <= ${now} then to_jsonb(${by}::numeric)
                         else to_jsonb(coalesce((${channelState.value} #>> '{}')::numeric, 0) + ${by}) end`,
              expiresAt: sql`case when ${channelState.expiresAt} is not null and ${channelState.expiresAt} <= ${now} then null else ${channelState.expiresAt} end`,
              updatedAt: now,
            },
          })
          .returning({ value: channelState.value });
        return Number(row!.value);
      },
    };
  }

  return {
    storeFor,

    /** Named values of many channels at once, for the channel list. */
    async valuesOf(workspaceId: string, channelIds: string[], names: string[]): Promise<Map<string, Record<string, unknown>>> {
      const byChannel = new Map<string, Record<string, unknown>>();
      if (channelIds.length === 0) return byChannel;
      const rows = await db
        .select({ channelId: channelState.channelId, key: channelState.key, value: channelState.value })
        .from(channelState)
        .where(and(eq(channelState.workspaceId, workspaceId), inArray(channelState.channelId, channelIds), inArray(channelState.key, names), live()));
      for (const row of rows) byChannel.set(row.channelId, { ...byChannel.get(row.channelId), [row.key]: row.value });
      return byChannel;
    },
  };
}

export type ChannelState = ReturnType<typeof createChannelState>;
