import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { channels } from '../platform/db/schema.js';

export type ChannelRow = typeof channels.$inferSelect;

export function createChannelsRepository(db: Db) {
  return {
    async list(workspaceId: string): Promise<ChannelRow[]> {
      return db.select().from(channels).where(eq(channels.workspaceId, workspaceId)).orderBy(asc(channels.name), asc(channels.id));
    },

    async find(workspaceId: string, id: string): Promise<ChannelRow | undefined> {
      const [row] = await db
        .select()
        .from(channels)
        .where(and(eq(channels.workspaceId, workspaceId), eq(channels.id, id)));
      return row;
    },

    /**
     * A webhook names its channel and nothing else: the channel id is what tells the workspace,
     * so this is the one lookup not scoped by workspace.
     */
    async findForWebhook(type: string, id: string): Promise<ChannelRow | undefined> {
      const [row] = await db
        .select()
        .from(channels)
        .where(and(eq(channels.id, id), eq(channels.type, type)));
      return row;
    },

    /**
     * The channels of a type whose setting `key` is `value` (an email channel's address): the
     * address names the channel, as a webhook's id does, so not scoped by workspace. Oldest first:
     * of two workspaces claiming one address, the first keeps it.
     */
    async findBySetting(type: string, key: string, value: string): Promise<ChannelRow[]> {
      return db
        .select()
        .from(channels)
        .where(and(eq(channels.type, type), sql`${channels.settings} ->> ${key} = ${value}`))
        .orderBy(asc(channels.createdAt), asc(channels.id))
        .limit(1);
    },

    async insert(row: typeof channels.$inferInsert): Promise<ChannelRow> {
      const [created] = await db.insert(channels).values(row).returning();
      return created!;
    },

    async update(workspaceId: string, id: string, patch: Partial<Pick<ChannelRow, 'name' | 'settings' | 'status' | 'uniqueKey'>>) {
      const [row] = await db
        .update(channels)
        .set(patch)
        .where(and(eq(channels.workspaceId, workspaceId), eq(channels.id, id)))
        .returning();
      return row;
    },

    /** Never moves back: two processes may write out of order. */
    async touch(workspaceId: string, id: string, at: Date) {
      await db
        .update(channels)
        .set({ lastActivityAt: sql`greatest(${channels.lastActivityAt}, ${at})` })
        .where(and(eq(channels.workspaceId, workspaceId), eq(channels.id, id)));
    },

    async delete(workspaceId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(channels)
        .where(and(eq(channels.workspaceId, workspaceId), eq(channels.id, id)))
        .returning({ id: channels.id });
      return rows.length > 0;
    },
  };
}
