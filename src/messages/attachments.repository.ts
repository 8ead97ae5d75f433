import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { attachments, messages } from '../platform/db/schema.js';

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

    /** With the conversation it was sent in (null while unsent): who may download it depends on that. */
    async findWithConversation(workspaceId: string, id: string): Promise<{ row: AttachmentRow; conversationId: string | null } | undefined> {
      const [found] = await db
        .select({ row: attachments, conversationId: messages.conversationId })
        .from(attachments)
        .leftJoin(messages, and(eq(messages.workspaceId, attachments.workspaceId), eq(messages.id, attachments.messageId)))
        .where(and(eq(attachments.workspaceId, workspaceId), eq(attachments.id, id)));
      return found;
    },

    /** Not scoped by workspace: a signed download link names the attachment and nothing else. */
    async findForLink(id: string): Promise<AttachmentRow | undefined> {
      const [row] = await db.select().from(attachments).where(eq(attachments.id, id));
      return row;
    },

    async ofMessages(workspaceId: string, messageIds: string[]): Promise<AttachmentRow[]> {
      if (messageIds.length === 0) return [];
      return db
        .select()
        .from(attachments)
        .where(and(eq(attachments.workspaceId, workspaceId), inArray(attachments.messageId, messageIds)));
    },

    /** Ties uploads to their message; only the sender's own uploads not sent yet. Answers how many it tied. */
    async attach(workspaceId: string, ids: string[], messageId: string, contactId: string, uploadedBy: string): Promise<number> {
      if (ids.length === 0) return 0;
      const rows = await db
        .update(attachments)
        .set({ messageId, contactId })
        .where(
          and(eq(attachments.workspaceId, workspaceId), inArray(attachments.id, ids), isNull(attachments.messageId), eq(attachments.uploadedBy, uploadedBy)),
        )
        .returning({ id: attachments.id });
      return rows.length;
    },

    /** Rows of the files sent in a conversation, deleted; answers their storage keys. */
    async deleteOfConversation(workspaceId: string, conversationId: string): Promise<string[]> {
      const result = await db.execute(sql`
        delete from attachments
        where workspace_id = ${workspaceId}
          and message_id in (select id from messages where workspace_id = ${workspaceId} and conversation_id = ${conversationId})
        returning storage_key`);
      return rowsOf<{ storage_key: string }>(result).map((row) => row.storage_key);
    },

    /** Rows of the files sent to these contacts, in their conversations or left by deleted messages, deleted; answers their storage keys. */
    async deleteOfContacts(workspaceId: string, contactIds: string[]): Promise<string[]> {
      if (contactIds.length === 0) return [];
      const ids = sql.param(contactIds);
      const result = await db.execute(sql`
        delete from attachments
        where workspace_id = ${workspaceId}
          and (contact_id = any(${ids}::uuid[])
            or message_id in (
              select m.id from messages m join conversations c on c.workspace_id = m.workspace_id and c.id = m.conversation_id
              where c.workspace_id = ${workspaceId} and c.contact_id = any(${ids}::uuid[])))
        returning storage_key`);
      return rowsOf<{ storage_key: string }>(result).map((row) => row.storage_key);
    },

    /**
     * Up to `limit` rows of files no message holds, deleted; answers their storage keys: uploads
     * never sent, made before `uploadedBefore`, and at any age files whose message was deleted
     * (only sending sets `contact_id`). Rows another transaction holds (a send attaching them) are
     * skipped, never waited for.
     */
    async deleteUnsent(uploadedBefore: Date, limit: number): Promise<string[]> {
      const result = await db.execute(sql`
        delete from attachments
        where id in (
          select id from attachments
          where message_id is null and (contact_id is not null or created_at < ${uploadedBefore})
          limit ${limit}
          for update skip locked)
        returning storage_key`);
      return rowsOf<{ storage_key: string }>(result).map((row) => row.storage_key);
    },
  };
}
