import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { templates } from '../platform/db/schema.js';

export type TemplateRow = typeof templates.$inferSelect;

export function createTemplatesRepository(db: Db) {
  return {
    /** By name, then language; `channelId` narrows to one channel's. */
    async list(workspaceId: string, limit: number, channelId?: string, after?: [string, string, string]): Promise<TemplateRow[]> {
      return db
        .select()
        .from(templates)
        .where(
          and(
            eq(templates.workspaceId, workspaceId),
            channelId ? eq(templates.channelId, channelId) : undefined,
            after
              ? or(
                  gt(templates.name, after[0]),
                  and(eq(templates.name, after[0]), gt(templates.language, after[1])),
                  and(eq(templates.name, after[0]), eq(templates.language, after[1]), gt(templates.id, after[2])),
                )
              : undefined,
          ),
        )
        .orderBy(asc(templates.name), asc(templates.language), asc(templates.id))
        .limit(limit);
    },

    async find(workspaceId: string, id: string): Promise<TemplateRow | undefined> {
      const [row] = await db.select().from(templates).where(and(eq(templates.workspaceId, workspaceId), eq(templates.id, id)));
      return row;
    },

    async findByName(workspaceId: string, channelId: string, name: string, language: string): Promise<TemplateRow | undefined> {
      const [row] = await db
        .select()
        .from(templates)
        .where(and(eq(templates.workspaceId, workspaceId), eq(templates.channelId, channelId), eq(templates.name, name), eq(templates.language, language)));
      return row;
    },

    async insert(row: typeof templates.$inferInsert): Promise<TemplateRow> {
      const [created] = await db.insert(templates).values(row).returning();
      return created!;
    },

    async update(workspaceId: string, id: string, patch: Partial<Pick<TemplateRow, 'name' | 'language' | 'category' | 'body' | 'fields' | 'updatedAt'>>) {
      const [row] = await db
        .update(templates)
        .set(patch)
        .where(and(eq(templates.workspaceId, workspaceId), eq(templates.id, id)))
        .returning();
      return row;
    },

    async delete(workspaceId: string, id: string): Promise<boolean> {
      const rows = await db.delete(templates).where(and(eq(templates.workspaceId, workspaceId), eq(templates.id, id))).returning({ id: templates.id });
      return rows.length > 0;
    },
  };
}
