import { and, asc, eq, gt, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { savedReplies } from '../platform/db/schema.js';

export type SavedReplyRow = typeof savedReplies.$inferSelect;

export function createSavedRepliesRepository(db: Db) {
  return {
    /** By shortcut; `pattern` (a LIKE pattern) matches shortcut or text. */
    async list(workspaceId: string, limit: number, pattern?: string, after?: [string, string]): Promise<SavedReplyRow[]> {
      return db
        .select()
        .from(savedReplies)
        .where(
          and(
            eq(savedReplies.workspaceId, workspaceId),
            pattern ? or(ilike(savedReplies.shortcut, pattern), ilike(savedReplies.text, pattern)) : undefined,
            after
              ? or(gt(sql`lower(${savedReplies.shortcut})`, after[0]), and(eq(sql`lower(${savedReplies.shortcut})`, after[0]), gt(savedReplies.id, after[1])))
              : undefined,
          ),
        )
        .orderBy(asc(sql`lower(${savedReplies.shortcut})`), asc(savedReplies.id))
        .limit(limit);
    },

    async find(workspaceId: string, id: string): Promise<SavedReplyRow | undefined> {
      const [row] = await db
        .select()
        .from(savedReplies)
        .where(and(eq(savedReplies.workspaceId, workspaceId), eq(savedReplies.id, id)));
      return row;
    },

    async insert(row: typeof savedReplies.$inferInsert): Promise<SavedReplyRow> {
      const [created] = await db.insert(savedReplies).values(row).returning();
      return created!;
    },

    async update(workspaceId: string, id: string, patch: Partial<Pick<SavedReplyRow, 'shortcut' | 'text' | 'updatedAt'>>) {
      const [row] = await db
        .update(savedReplies)
        .set(patch)
        .where(and(eq(savedReplies.workspaceId, workspaceId), eq(savedReplies.id, id)))
        .returning();
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(savedReplies)
        .where(and(eq(savedReplies.workspaceId, workspaceId), eq(savedReplies.id, id)))
        .returning({ id: savedReplies.id });
      return rows.length > 0;
    },
  };
}
