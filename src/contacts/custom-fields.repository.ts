import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { customFields } from '../platform/db/schema.js';

export type CustomFieldRow = typeof customFields.$inferSelect;

export function createCustomFieldsRepository(db: Db) {
  return {
    /** In display order (SPEC §2.1: the order is configurable). */
    async list(workspaceId: string): Promise<CustomFieldRow[]> {
      return db
        .select()
        .from(customFields)
        .where(eq(customFields.workspaceId, workspaceId))
        .orderBy(asc(customFields.position), asc(customFields.createdAt), asc(customFields.id));
    },

    async find(workspaceId: string, id: string): Promise<CustomFieldRow | undefined> {
      const [row] = await db
        .select()
        .from(customFields)
        .where(and(eq(customFields.workspaceId, workspaceId), eq(customFields.id, id)));
      return row;
    },

    async findByKey(workspaceId: string, key: string): Promise<CustomFieldRow | undefined> {
      const [row] = await db
        .select()
        .from(customFields)
        .where(and(eq(customFields.workspaceId, workspaceId), eq(customFields.key, key)));
      return row;
    },

    async nextPosition(workspaceId: string): Promise<number> {
      const [row] = await db
        .select({ next: sql<number>`coalesce(max(${customFields.position}) + 1, 0)::int` })
        .from(customFields)
        .where(eq(customFields.workspaceId, workspaceId));
      return row?.next ?? 0;
    },

    async insert(row: typeof customFields.$inferInsert): Promise<CustomFieldRow> {
      const [created] = await db.insert(customFields).values(row).returning();
      return created!;
    },

    async update(workspaceId: string, id: string, patch: Partial<Pick<CustomFieldRow, 'label' | 'options' | 'position'>>) {
      const [row] = await db
        .update(customFields)
        .set(patch)
        .where(and(eq(customFields.workspaceId, workspaceId), eq(customFields.id, id)))
        .returning();
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<CustomFieldRow | undefined> {
      const [row] = await db
        .delete(customFields)
        .where(and(eq(customFields.workspaceId, workspaceId), eq(customFields.id, id)))
        .returning();
      return row;
    },

    /** Serialises reorderings and position moves of one workspace's fields. */
    async lock(workspaceId: string): Promise<void> {
      await db.execute(sql`select id from workspaces where id = ${workspaceId} for update`);
    },
  };
}

export type CustomFieldsRepository = ReturnType<typeof createCustomFieldsRepository>;
