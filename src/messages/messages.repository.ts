import { and, count, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { messages } from '../platform/db/schema.js';
import type { TextSearchConfig } from './text-search.rules.js';

export type MessageRow = typeof messages.$inferSelect;
type MessageInsert = Omit<typeof messages.$inferInsert, 'searchVector'>;

export function createMessagesRepository(db: Db) {
  return {
    /**
     * Indexes the text as written and, if the language has a stemmer, stemmed in it; not at all
     * without a language (hidden messages, which search never shows).
     */
    async insert(row: MessageInsert, language: TextSearchConfig | null): Promise<MessageRow> {
      const searchVector =
        language === null
          ? null
          : language === 'simple'
            ? sql`to_tsvector('simple', ${row.text})`
            : sql`to_tsvector('simple', ${row.text}) || to_tsvector(${language}::regconfig, ${row.text})`;
      const [created] = await db
        .insert(messages)
        .values({ ...row, searchVector })
        .returning();
      return created!;
    },

    async find(workspaceId: string, id: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(and(eq(messages.workspaceId, workspaceId), eq(messages.id, id)));
      return row;
    },

    async findByProviderId(workspaceId: string, channelId: string, direction: 'in' | 'out', providerMessageId: string) {
      const [row] = await db
        .select()
        .from(messages)
        .where(
          and(
            eq(messages.workspaceId, workspaceId),
            eq(messages.channelId, channelId),
            eq(messages.direction, direction),
            eq(messages.providerMessageId, providerMessageId),
          ),
        );
      return row;
    },

    /** Newest first, keyset on (created_at, id); hidden messages (blocked contact) left out unless asked for. */
    async list(workspaceId: string, conversationId: string, limit: number, before?: [Date, string], includeHidden = false): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(
          and(
            eq(messages.workspaceId, workspaceId),
            eq(messages.conversationId, conversationId),
            includeHidden ? undefined : eq(messages.hidden, false),
            before ? sql`(${messages.createdAt}, ${messages.id}) < (${before[0]}, ${before[1]})` : undefined,
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit);
    },

    /** Outbound messages on a channel since the contact last wrote there (WeChat allows only so many). */
    async countOutboundSince(workspaceId: string, conversationId: string, channelId: string, since: Date | null): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(messages)
        .where(
          and(
            eq(messages.workspaceId, workspaceId),
            eq(messages.conversationId, conversationId),
            eq(messages.channelId, channelId),
            eq(messages.direction, 'out'),
            eq(messages.type, 'message'),
            since ? gt(messages.createdAt, since) : undefined,
          ),
        );
      return row?.n ?? 0;
    },

    /** Changes a delivery status only from one of `from`: receipts arriving out of order never move it back. */
    async updateStatus(
      workspaceId: string,
      id: string,
      from: MessageRow['status'][],
      patch: { status: MessageRow['status']; error?: string | null; providerMessageId?: string },
      at: Date,
    ): Promise<MessageRow | undefined> {
      const [row] = await db
        .update(messages)
        .set({ ...patch, updatedAt: at })
        .where(and(eq(messages.workspaceId, workspaceId), eq(messages.id, id), inArray(messages.status, from)))
        .returning();
      return row;
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
