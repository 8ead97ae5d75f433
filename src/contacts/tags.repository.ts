import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { tags } from '../platform/db/schema.js';
import { escapeLike } from './contact-search.rules.js';

export type TagRow = typeof tags.$inferSelect;

/** Tag names are unique per workspace case-insensitively (index on lower(name)). */
export function createTagsRepository(db: Db) {
  async function findByNames(workspaceId: string, names: readonly string[]): Promise<TagRow[]> {
    if (names.length === 0) return [];
    return db
      .select()
      .from(tags)
      .where(and(eq(tags.workspaceId, workspaceId), inArray(sql`lower(${tags.name})`, names.map((n) => n.toLowerCase()))));
  }

  return {
    findByNames,

    /** Creates the tags that do not exist yet (a concurrent creator wins quietly) and answers all. */
    async ensure(workspaceId: string, names: readonly string[], newIds: () => string, now: Date): Promise<TagRow[]> {
      if (names.length === 0) return [];
      await db
        .insert(tags)
        .values(names.map((name) => ({ id: newIds(), workspaceId, name, createdAt: now })))
        .onConflictDoNothing();
      return findByNames(workspaceId, names);
    },

    /** A page of tags by name, each with its number of contacts. */
    async list(workspaceId: string, options: { q?: string; limit: number; after?: string }) {
      const result = await db.execute(sql`
        select t.id, t.name, t.created_at as "createdAt", lower(t.name) as sort_key,
          (select count(*)::int from contact_tags ct where ct.workspace_id = t.workspace_id and ct.tag_id = t.id) as count
        from tags t
        where t.workspace_id = ${workspaceId}
          ${options.q ? sql`and lower(t.name) like ${`%${escapeLike(options.q.toLowerCase())}%`}` : sql``}
          ${options.after !== undefined ? sql`and lower(t.name) > ${options.after}` : sql``}
        order by lower(t.name)
        limit ${options.limit}`);
      return rowsOf<{ id: string; name: string; createdAt: Date; sort_key: string; count: number }>(result);
    },

    async insert(row: typeof tags.$inferInsert): Promise<TagRow> {
      const [created] = await db.insert(tags).values(row).returning();
      return created!;
    },

    async rename(workspaceId: string, id: string, name: string): Promise<TagRow | undefined> {
      const [row] = await db
        .update(tags)
        .set({ name })
        .where(and(eq(tags.workspaceId, workspaceId), eq(tags.id, id)))
        .returning();
      return row;
    },

    /** Removing a tag from the workspace removes it from its contacts too (FK cascade). */
    async delete(workspaceId: string, id: string): Promise<boolean> {
      const deleted = await db
        .delete(tags)
        .where(and(eq(tags.workspaceId, workspaceId), eq(tags.id, id)))
        .returning({ id: tags.id });
      return deleted.length > 0;
    },

    async names(workspaceId: string, ids: readonly string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select({ name: tags.name })
        .from(tags)
        .where(and(eq(tags.workspaceId, workspaceId), inArray(tags.id, [...ids])))
        .orderBy(asc(sql`lower(${tags.name})`));
      return rows.map((r) => r.name);
    },
  };
}

export type TagsRepository = ReturnType<typeof createTagsRepository>;
