import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { segments } from '../platform/db/schema.js';

export type SegmentRow = typeof segments.$inferSelect;

export function createSegmentsRepository(db: Db) {
  return {
    async list(workspaceId: string): Promise<SegmentRow[]> {
      return db
        .select()
        .from(segments)
        .where(eq(segments.workspaceId, workspaceId))
        .orderBy(asc(segments.name), asc(segments.id));
    },

    async find(workspaceId: string, id: string): Promise<SegmentRow | undefined> {
      const [row] = await db
        .select()
        .from(segments)
        .where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, id)));
      return row;
    },

    async insert(row: typeof segments.$inferInsert): Promise<SegmentRow> {
      const [created] = await db.insert(segments).values(row).returning();
      return created!;
    },

    async update(workspaceId: string, id: string, patch: Partial<Pick<SegmentRow, 'name' | 'filter'>>) {
      const [row] = await db
        .update(segments)
        .set(patch)
        .where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, id)))
        .returning();
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<boolean> {
      const deleted = await db
        .delete(segments)
        .where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, id)))
        .returning({ id: segments.id });
      return deleted.length > 0;
    },
  };
}

export type SegmentsRepository = ReturnType<typeof createSegmentsRepository>;
