import { and, count, desc, eq, getTableColumns, gt, inArray, sql } from 'drizzle-orm';
import { type Db, executePrepared, rowsOf } from '../platform/db/client.js';
import { messages } from '../platform/db/schema.js';
import type { TextSearchConfig } from '../platform/db/text-search.rules.js';

/** A message as read back: everything but its search vector, which only search reads (in SQL). */
export type MessageRow = Omit<typeof messages.$inferSelect, 'searchVector'>;
const { searchVector: _searchVector, ...messageColumns } = getTableColumns(messages);
const pageFields = Object.entries(messageColumns);
/** Every column but the search vector, each named as `MessageRow` names it. */
const pageSelect = sql.raw(pageFields.map(([key, column]) => `messages.${column.name} as "${key}"`).join(', '));
/** Values as drizzle reads them (dates from text, JSON parsed), without its per-row machinery. */
function fromDriver(row: Record<string, unknown>) {
  for (const [key, column] of pageFields) {
    const value = row[key];
    if (value !== null && value !== undefined) row[key] = column.mapFromDriverValue(value);
  }
  return row;
}
type MessageInsert = Omit<typeof messages.$inferInsert, 'searchVector'>;
export type BlockedInbound = {
  id: string;
  workspaceId: string;
  channelId: string;
  identifier: string;
  text: string;
  providerMessageId: string;
  sentAt: Date;
  at: Date;
};

/**
 * Indexes the text as written and, if the language has a stemmer, stemmed in it; not at all
 * without a language (hidden messages, which search never shows).
 */
function searchVectorOf(text: string, language: TextSearchConfig | null) {
  if (language === null) return null;
  if (language === 'simple') return sql`to_tsvector('simple', ${text})`;
  return sql`to_tsvector('simple', ${text}) || to_tsvector(${language}::regconfig, ${text})`;
}

/** One parameter holding a whole array (drizzle would otherwise spread it into a list). */
const array = (values: string[]) => sql.param(values);

export function createMessagesRepository(db: Db) {
  return {
    /** Stores a message with its search vector (see `searchVectorOf`). */
    async insert(row: MessageInsert, language: TextSearchConfig | null): Promise<MessageRow> {
      const searchVector = searchVectorOf(row.text, language);
      const [created] = await db
        .insert(messages)
        .values({ ...row, searchVector })
        .returning(messageColumns);
      return created!;
    },

    /** Like `insert`, but answers undefined when the provider's message id is already stored (a retry that raced the first delivery). */
    async insertUnlessDuplicate(row: MessageInsert, language: TextSearchConfig | null): Promise<MessageRow | undefined> {
      const [created] = await db
        .insert(messages)
        .values({ ...row, searchVector: searchVectorOf(row.text, language) })
        .onConflictDoNothing({ target: [messages.workspaceId, messages.channelId, messages.direction, messages.providerMessageId] })
        .returning(messageColumns);
      return created;
    },

    /**
     * Blocked contacts' next messages in one statement, the plain case of a spam flood: the
     * webhook calls arriving together are stored together (bench/blocking.bench.ts has the figures
     * against the full path's seven round trips each). Stores nothing and answers undefined for an
     * input whose case is not that plain: the identity is unknown, removed or no longer blocked
     * (checked under the share lock a block or unblock waits for), the contact has no conversation
     * yet, or the provider retried. Like the full path, it leaves the contact and its conversation
     * as they are; unlike it, it does not follow the profile (name, picture) the provider sends
     * with a blocked contact's message.
     */
    async insertFromBlockedIdentities(inputs: BlockedInbound[]): Promise<Array<{ id: string; conversationId: string } | undefined>> {
      const column = <K extends keyof BlockedInbound>(key: K) => inputs.map((input) => input[key]);
      const result = await executePrepared(db, 'messages_insert_from_blocked', sql`
        with input as (
          select * from unnest(
            ${array(column('id'))}::uuid[], ${array(column('workspaceId'))}::uuid[], ${array(column('channelId'))}::uuid[],
            ${array(column('identifier'))}::text[], ${array(column('text'))}::text[], ${array(column('providerMessageId'))}::text[],
            ${array(inputs.map((input) => input.sentAt.toISOString()))}::timestamptz[], ${array(inputs.map((input) => input.at.toISOString()))}::timestamptz[]
          ) as i(id, workspace_id, channel_id, identifier, text, provider_message_id, sent_at, at)
        ),
        sender as (
          select input.*, c.id as contact_id from input
          join contact_channels cc on cc.workspace_id = input.workspace_id and cc.channel_id = input.channel_id and cc.identifier = input.identifier
          join contacts c on c.workspace_id = cc.workspace_id and c.id = cc.contact_id
          where cc.removed_at is null and c.blocked_at is not null
          order by c.id
          for share of c
        )
        insert into messages (id, workspace_id, conversation_id, channel_id, direction, type, text, status, provider_message_id, provider_timestamp, hidden, created_at, updated_at)
        select s.id, s.workspace_id, v.id, s.channel_id, 'in', 'message', s.text, 'received', s.provider_message_id, s.sent_at, true, s.at, s.at
        from sender s join conversations v on v.workspace_id = s.workspace_id and v.contact_id = s.contact_id
        on conflict (workspace_id, channel_id, direction, provider_message_id) do nothing
        returning id, conversation_id`);
      const stored = new Map(rowsOf<{ id: string; conversation_id: string }>(result).map((row) => [row.id, row.conversation_id]));
      return inputs.map((input) => {
        const conversationId = stored.get(input.id);
        return conversationId === undefined ? undefined : { id: input.id, conversationId };
      });
    },

    async find(workspaceId: string, id: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select(messageColumns)
        .from(messages)
        .where(and(eq(messages.workspaceId, workspaceId), eq(messages.id, id)));
      return row;
    },

    async findByProviderId(workspaceId: string, channelId: string, direction: 'in' | 'out', providerMessageId: string) {
      const [row] = await db
        .select(messageColumns)
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

    /**
     * Newest first, keyset on (created_at, id); hidden messages (blocked contact) left out unless
     * asked for. `hasAttachments` tells which few need their files read: most pages need no second query.
     * The app's hottest read (opening a conversation), so it is a prepared statement whose rows are
     * mapped by hand: drizzle's builder and row mapper allocated about 0.4 MB per page.
     */
    async list(
      workspaceId: string,
      conversationId: string,
      limit: number,
      before?: [Date, string],
      includeHidden = false,
    ): Promise<Array<MessageRow & { hasAttachments: boolean }>> {
      const result = await executePrepared(
        db,
        before ? 'messages_page_before' : 'messages_page',
        sql`select ${pageSelect},
                   exists (select 1 from attachments a where a.workspace_id = messages.workspace_id and a.message_id = messages.id) as "hasAttachments"
            from messages
            where messages.workspace_id = ${workspaceId} and messages.conversation_id = ${conversationId}
              and (${includeHidden}::boolean or not messages.hidden)
              ${before ? sql`and (messages.created_at, messages.id) < (${before[0]}::timestamptz, ${before[1]}::uuid)` : sql``}
            order by messages.created_at desc, messages.id desc
            limit ${limit}`,
      );
      return rowsOf<Record<string, unknown>>(result).map((row) => fromDriver(row) as MessageRow & { hasAttachments: boolean });
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

    /** A receipt for one message, by the provider's id, in one statement: moves the status only from one of `from`. */
    async applyReceipt(
      workspaceId: string,
      channelId: string,
      providerMessageId: string,
      from: MessageRow['status'][],
      patch: { status: MessageRow['status']; error?: string | null; errorCode?: string | null },
      at: Date,
    ): Promise<{ found: boolean; row?: MessageRow }> {
      const where = and(
        eq(messages.workspaceId, workspaceId),
        eq(messages.channelId, channelId),
        eq(messages.direction, 'out'),
        eq(messages.providerMessageId, providerMessageId),
      );
      const [row] = await db.update(messages).set({ ...patch, updatedAt: at }).where(and(where, inArray(messages.status, from))).returning(messageColumns);
      if (row) return { found: true, row };
      // Not moved: a late or repeated receipt of a known message, or one of a message this channel never sent.
      const [known] = await db.select({ id: messages.id }).from(messages).where(where);
      return { found: known !== undefined };
    },

    /**
     * Messenger's watermark: every reply on the channel to that identity's conversation, sent up
     * to `watermark`, is delivered (or read). Only replies not read yet are looked at (a partial index).
     */
    async applyWatermark(
      workspaceId: string,
      channelId: string,
      identifier: string,
      status: 'delivered' | 'read',
      watermark: Date,
      at: Date,
    ): Promise<MessageRow[]> {
      const from = status === 'read' ? sql`('sent', 'delivered')` : sql`('sent')`;
      const result = await db.execute(sql`
        update messages set status = ${status}, updated_at = ${at}
        from contact_channels cc join conversations v on v.workspace_id = cc.workspace_id and v.contact_id = cc.contact_id
        where cc.workspace_id = ${workspaceId} and cc.channel_id = ${channelId} and cc.identifier = ${identifier}
          and messages.workspace_id = ${workspaceId} and messages.conversation_id = v.id and messages.channel_id = ${channelId}
          and messages.direction = 'out' and messages.type = 'message' and messages.status in ('sent', 'delivered')
          and messages.status in ${from} and messages.created_at <= ${watermark}
        returning ${pageSelect}`);
      return rowsOf<Record<string, unknown>>(result).map((row) => fromDriver(row) as MessageRow);
    },

    /** Changes a delivery status only from one of `from`: receipts arriving out of order never move it back. */
    async updateStatus(
      workspaceId: string,
      id: string,
      from: MessageRow['status'][],
      patch: { status: MessageRow['status']; error?: string | null; errorCode?: string | null; providerMessageId?: string },
      at: Date,
    ): Promise<MessageRow | undefined> {
      const [row] = await db
        .update(messages)
        .set({ ...patch, updatedAt: at })
        .where(and(eq(messages.workspaceId, workspaceId), eq(messages.id, id), inArray(messages.status, from)))
        .returning(messageColumns);
      return row;
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
