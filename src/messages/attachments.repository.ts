import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { attachments } from '../platform/db/schema.js';

export type AttachmentRow = typeof attachments.$inferSelect;

export function createAttachmentsRepository(db: Db) {
  return {
    async insert(row: typeof attachments.$inferInsert): Promise<AttachmentRow> {
      const [created] = await db.insert(attachments).values(row).returning();
      return created!;
    },

    async find(workspaceId: string, id: string): Promise<AttachmentRow | undefined> {
      const [row] = await db
        .select()
        .from(attachments)
        .where(and(eq(attachments.workspaceId, workspaceId), eq(attachments.id, id)));
      return row;
    },

    async ofMessages(workspaceId: string, messageIds: string[]): Promise<AttachmentRow[]> {
      if (messageIds.length === 0) return [];
      return db
        .select()
        .from(attachments)
        .where(and(eq(attachments.workspaceId, workspaceId), inArray(attachments.messageId, messageIds)));
    },

    /** Ties uploads to their message; only uploads not sent yet. Answers how many it tied. */
    async attach(workspaceId: string, ids: string[], messageId: string, contactId: string): Promise<number> {
      if (ids.length === 0) return 0;
      const rows = await db
        .update(attachments)
        .set({ messageId, contactId })
        .where(and(eq(attachments.workspaceId, workspaceId), inArray(attachments.id, ids), isNull(attachments.messageId)))
        .returning({ id: attachments.id });
      return rows.length;
    },

    /**
     * Rows of sent files whose message is gone (deleted with its conversation or contact). The
     * delete is the claim: when every instance hears the same event, one of them gets the rows.
     */
    async claimOrphans(workspaceId: string, contactIds: string[]): Promise<AttachmentRow[]> {
      if (contactIds.length === 0) return [];
      return db
        .delete(attachments)
        .where(and(eq(attachments.workspaceId, workspaceId), inArray(attachments.contactId, contactIds), isNull(attachments.messageId)))
        .returning();
    },
  };
}
