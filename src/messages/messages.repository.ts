import { and, count, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { type Db, executePrepared, rowsOf } from '../platform/db/client.js';
import { contactChannels, conversations, messages } from '../platform/db/schema.js';
import { stemmingConfigs, type TextSearchConfig } from '../platform/db/text-search.rules.js';

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
type ConversationRow = typeof conversations.$inferSelect;
const conversationFields = Object.entries(getTableColumns(conversations));
/** Every column of the conversation, named as drizzle names it, prefixed so they do not clash with the message's. */
const conversationSelect = sql.raw(conversationFields.map(([key, column]) => `v.${column.name} as "conversation.${key}"`).join(', '));

/** A known contact's text message, for the one-statement path (`insertFromKnownIdentities`). */
export type KnownInbound = {
  id: string;
  workspaceId: string;
  channelId: string;
  identifier: string;
  /** The name the provider sends: the path is taken only when it is the contact's profile name already (or absent). */
  name: string | null;
  /** The picture the provider sends (Viber, with every message): the path is taken only when it is the contact's already (or absent). */
  avatarUrl: string | null;
  /** The provider sends a phone or an email: the path is taken only when the contact has one already (the full path would fill it in). */
  phoneGiven: boolean;
  emailGiven: boolean;
  text: string;
  providerMessageId: string;
  sentAt: Date;
  at: Date;
};

export type KnownStored = {
  message: MessageRow;
  conversation: ConversationRow;
  contact: { id: string; firstName: string | null; lastName: string | null; displayName: string | null; email: string | null; phone: string | null; avatarUrl: string | null };
};

/** Indexes as `searchVectorOf` does, choosing the stemmer from the contact's language in SQL. */
const stemmers = sql.raw(`(values ${stemmingConfigs.map(([code, config]) => `('${code}', '${config}')`).join(', ')}) as stemmer(code, config)`);
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

    /**
     * Known contacts' text messages in one statement, the common case of a busy channel: the
     * webhook calls arriving together are stored together, as `insertFromBlockedIdentities` does
     * for blocked contacts. It does what the full path does for such a message (the window and
     * last interaction move, the open conversation's times, the month's usage, the message with
     * its search vector) and stores nothing, answering undefined, for an input whose case is not
     * that plain: the identity is unknown or removed, the contact is blocked or held for review or
     * sent another name, its conversation is not open, or the provider retried. A full path locks
     * one contact's identity, contact and conversation in that order; the batch takes them alike.
     */
    async insertFromKnownIdentities(given: KnownInbound[]): Promise<Array<KnownStored | undefined>> {
      // Rows are locked in the order of their identities: two processes' batches take them alike.
      const inputs = [...given].sort((a, b) => (a.channelId + a.identifier < b.channelId + b.identifier ? -1 : 1));
      const column = <K extends keyof KnownInbound>(key: K) => inputs.map((input) => input[key]);
      const dates = (key: 'sentAt' | 'at') => inputs.map((input) => input[key].toISOString());
      const result = await executePrepared(db, 'messages_insert_from_known', sql`
        with input as (
          select * from unnest(
            ${array(column('id'))}::uuid[], ${array(column('workspaceId'))}::uuid[], ${array(column('channelId'))}::uuid[],
            ${array(column('identifier'))}::text[], ${sql.param(column('name'))}::text[], ${array(column('text'))}::text[],
            ${array(column('providerMessageId'))}::text[], ${array(dates('sentAt'))}::timestamptz[], ${array(dates('at'))}::timestamptz[],
            ${sql.param(column('phoneGiven'))}::boolean[], ${sql.param(column('emailGiven'))}::boolean[], ${sql.param(column('avatarUrl'))}::text[]
          ) with ordinality as i(id, workspace_id, channel_id, identifier, name, text, provider_message_id, sent_at, at, phone_given, email_given, avatar_url, ordinal)
        ),
        sender as (
          -- Each lookup by its unique key, in input order (sorted by identity), whatever the planner
          -- believes of tables it has no statistics for yet.
          select input.*, cc.id as contact_channel_id, c.id as contact_id, v.id as conversation_id, stemmer.config
          from input
          join lateral (
            select cc.id, cc.contact_id from contact_channels cc
            where cc.channel_id = input.channel_id and cc.identifier = input.identifier and cc.workspace_id = input.workspace_id and cc.removed_at is null
            for no key update
          ) cc on true
          join lateral (
            select c.id, c.language from contacts c
            where c.id = cc.contact_id and c.workspace_id = input.workspace_id and c.blocked_at is null and c.quarantined_at is null
              and (coalesce(btrim(input.name), '') = '' or c.display_name = btrim(input.name))
              and (not input.phone_given or c.phone is not null) and (not input.email_given or c.email is not null)
              and (input.avatar_url is null or c.avatar_url = input.avatar_url)
            for no key update
          ) c on true
          join lateral (select v.id from conversations v where v.contact_id = c.id and v.status = 'open' for no key update) v on true
          left join ${stemmers} on stemmer.code = split_part(replace(lower(btrim(c.language)), '_', '-'), '-', 1)
          order by input.ordinal
        ),
        inserted as (
          insert into messages (id, workspace_id, conversation_id, channel_id, direction, type, text, status, provider_message_id, provider_timestamp, hidden, search_vector, created_at, updated_at)
          select s.id, s.workspace_id, s.conversation_id, s.channel_id, 'in', 'message', s.text, 'received', s.provider_message_id, s.sent_at, false,
                 case when s.config is null then to_tsvector('simple', s.text) else to_tsvector('simple', s.text) || to_tsvector(s.config::regconfig, s.text) end,
                 s.at, s.at
          from sender s
          on conflict (workspace_id, channel_id, direction, provider_message_id) do nothing
          returning ${pageSelect}
        ),
        stored as (select s.* from sender s join inserted i on i."id" = s.id),
        identities as (
          update contact_channels cc set last_inbound_at = greatest(cc.last_inbound_at, latest.sent_at)
          from (select contact_channel_id, max(sent_at) as sent_at from stored group by contact_channel_id) latest
          where cc.id = latest.contact_channel_id
        ),
        touched as (
          update contacts c set last_interaction_at = greatest(c.last_interaction_at, latest.sent_at)
          from (select workspace_id, contact_id, max(sent_at) as sent_at from stored group by workspace_id, contact_id) latest
          where c.workspace_id = latest.workspace_id and c.id = latest.contact_id
          returning c.id, c.first_name, c.last_name, c.display_name, c.email, c.phone, c.avatar_url
        ),
        usage as (
          insert into contact_activity_months (workspace_id, month, contact_id)
          select distinct workspace_id, date_trunc('month', at at time zone 'UTC')::date, contact_id from stored
          on conflict do nothing
        ),
        opened as (
          update conversations v set last_message_at = latest.at, last_inbound_at = latest.at, last_channel_id = latest.channel_id,
                 awaiting_reply_since = coalesce(v.awaiting_reply_since, latest.at), updated_at = latest.at
          from (select conversation_id, max(at) as at, (array_agg(channel_id order by at desc))[1] as channel_id from stored group by conversation_id) latest
          where v.id = latest.conversation_id
          returning v.*
        )
        select i.*, ${conversationSelect},
               t.id as "contact.id", t.first_name as "contact.firstName", t.last_name as "contact.lastName", t.display_name as "contact.displayName",
               t.email as "contact.email", t.phone as "contact.phone", t.avatar_url as "contact.avatarUrl"
        from inserted i
        join stored s on s.id = i."id"
        join opened v on v.id = s.conversation_id
        join touched t on t.id = s.contact_id`);
      const stored = new Map<string, KnownStored>();
      for (const row of rowsOf<Record<string, unknown>>(result)) {
        const message: Record<string, unknown> = {};
        const conversation: Record<string, unknown> = {};
        const contact: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(row)) {
          if (key.startsWith('conversation.')) conversation[key.slice(13)] = value;
          else if (key.startsWith('contact.')) contact[key.slice(8)] = value;
          else message[key] = value;
        }
        for (const [key, column] of conversationFields) {
          const value = conversation[key];
          if (value !== null && value !== undefined) conversation[key] = column.mapFromDriverValue(value);
        }
        stored.set(message.id as string, {
          message: fromDriver(message) as MessageRow,
          conversation: conversation as ConversationRow,
          contact: contact as KnownStored['contact'],
        });
      }
      return given.map((input) => stored.get(input.id));
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

    /**
     * What one channel identity exchanged on that channel (a website-chat visitor's history):
     * messages only, never comments or what was hidden, newest first, before `before` if given.
     */
    async listOfIdentity(
      workspaceId: string,
      channelId: string,
      identifier: string,
      limit: number,
      before?: Date,
      /** One message of the identity's, hidden or not (the visitor's own, just stored). */
      messageId?: string,
    ): Promise<MessageRow[]> {
      return db
        .select(messageColumns)
        .from(messages)
        .innerJoin(conversations, and(eq(conversations.workspaceId, messages.workspaceId), eq(conversations.id, messages.conversationId)))
        .innerJoin(contactChannels, and(eq(contactChannels.workspaceId, conversations.workspaceId), eq(contactChannels.contactId, conversations.contactId)))
        .where(
          and(
            eq(messages.workspaceId, workspaceId),
            eq(contactChannels.channelId, channelId),
            eq(contactChannels.identifier, identifier),
            eq(messages.channelId, channelId),
            eq(messages.type, 'message'),
            messageId ? eq(messages.id, messageId) : eq(messages.hidden, false),
            before ? sql`${messages.createdAt} < ${before}` : undefined,
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit);
    },

    /** The conversation a channel identity's contact has, if any. */
    async conversationOfIdentity(workspaceId: string, channelId: string, identifier: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select(getTableColumns(conversations))
        .from(contactChannels)
        .innerJoin(conversations, and(eq(conversations.workspaceId, contactChannels.workspaceId), eq(conversations.contactId, contactChannels.contactId)))
        .where(and(eq(contactChannels.workspaceId, workspaceId), eq(contactChannels.channelId, channelId), eq(contactChannels.identifier, identifier)))
        .limit(1);
      return row;
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
            // After the last inbound message as we received it: a provider's timestamp may be whole
            // seconds (WeChat), earlier than replies sent in the same second before it arrived. A reply
            // stamped the same instant counts: the cap is never exceeded.
            since
              ? sql`${messages.createdAt} >= coalesce((
                  select max(received.created_at) from messages received
                  where received.workspace_id = ${workspaceId} and received.conversation_id = ${conversationId}
                    and received.channel_id = ${channelId} and received.direction = 'in' and received.type = 'message'
                ), ${since})`
              : undefined,
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
