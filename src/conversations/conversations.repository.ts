import { and, desc, eq, gte, inArray, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { SearchTerms } from '../contacts/contact-search.rules.js';
import { contactSearchCondition } from '../contacts/contact-search.sql.js';
import { type Db, rowsOf } from '../platform/db/client.js';
import { channels, contacts, conversationReads, conversations, messages, teamMembers } from '../platform/db/schema.js';
import type { ContactAudience } from './conversation-visibility.rules.js';

export type ConversationRow = typeof conversations.$inferSelect;

/** Inbox counts stop here: the navigation shows "999+" beyond, and no count reads more of an inbox. */
export const COUNT_CAP = 1000;

/** Which conversations a list asks for; `visibleTo` narrows an agent to its own inboxes. */
export type ConversationFilter = {
  inbox?: { kind: 'mine'; userId: string } | { kind: 'unassigned' } | { kind: 'all' } | { kind: 'blocked' } | { kind: 'team'; teamId: string };
  status?: 'open' | 'snoozed' | 'closed';
  visibleTo?: { userId: string; teamIds: string[] };
  /**
   * Matches message text (full text, read with each of `configs`) or the contact's name, phone
   * or email (`contact`, as the Contacts search reads a query).
   */
  search?: { text: string; configs: string[]; contact: SearchTerms | null };
};

const summaryColumns = {
  conversation: conversations,
  contact: {
    firstName: contacts.firstName,
    lastName: contacts.lastName,
    displayName: contacts.displayName,
    email: contacts.email,
    phone: contacts.phone,
    avatarUrl: contacts.avatarUrl,
    blockedAt: contacts.blockedAt,
    quarantinedAt: contacts.quarantinedAt,
  },
};

/** The channel shown with a conversation: the one its contact last wrote on. */
export type ConversationChannel = { id: string; type: string; name: string };

export type SummaryRow = {
  conversation: ConversationRow;
  channel: ConversationChannel | null;
  contact: {
    firstName: string | null;
    lastName: string | null;
    displayName: string | null;
    email: string | null;
    phone: string | null;
    avatarUrl: string | null;
    blockedAt: Date | null;
    quarantinedAt: Date | null;
  };
  lastMessage: { text: string; direction: 'in' | 'out'; type: 'message' | 'comment'; createdAt: Date } | null;
  readAt: Date | null;
};

/**
 * Options of the message search, measured at 10M messages. `recentWindow`: how many of the newest
 * conversations the first step reads (1000 cost rare words 90 ms, 400 costs 25 ms).
 * `commonShare`: the estimated share of messages from which a word counts as common.
 * `fewContacts`: up to how many contacts matched by name, phone or email are looked up one by one.
 */
export function createConversationsRepository(db: Db, { recentWindow = 400, commonShare = 0.005, fewContacts = 2000 } = {}) {
  /**
   * Ids of the newest conversations (in inbox order, `where` applied) with a visible message
   * matching `query`. PostgreSQL's own choice between walking the inbox and starting from the GIN
   * index rests on estimates that, at 10M messages, sent a rare word through every conversation
   * (70 s); and a bitmap of a common word's matches takes seconds (3 s for 7M). So, by steps:
   * 1. the newest `recentWindow` conversations are checked one by one: a common word is found here;
   * 2. if not, a word the statistics call common (recent conversations just do not have it) is
   *    looked for by walking on through the inbox;
   * 3. any other word is rare: its matches come from the GIN index, then are ordered (by an
   *    index-only read of each conversation's activity), then filtered, newest first.
   * Walks never build bitmaps (pinned with enable_bitmapscan), so each step costs what it says.
   */
  async function conversationsWithMatchingMessages(workspaceId: string, where: SQL | undefined, query: SQL, limit: number): Promise<string[]> {
    const inbox = sql`from ${conversations} inner join ${contacts} on ${contacts.workspaceId} = ${conversations.workspaceId} and ${contacts.id} = ${conversations.contactId}
      where ${conversations.workspaceId} = ${workspaceId} and ${where ?? sql`true`}`;
    const matching = (conversationId: SQL) =>
      sql`select 1 from ${messages} where ${messages.workspaceId} = ${workspaceId} and ${messages.conversationId} = ${conversationId} and not ${messages.hidden} and ${messages.searchVector} @@ (${query})`;
    const inOrder = sql`order by ${conversations.lastMessageAt} desc, ${conversations.id} desc`;

    return db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const recent = rowsOf<{ id: string; matched: boolean }>(
        await tx.execute(sql`
          with recent as materialized (select ${conversations.id} as id, ${conversations.lastMessageAt} as at ${inbox} ${inOrder} limit ${recentWindow})
          select id, exists (${matching(sql`recent.id`)}) as matched from recent order by at desc, id desc`),
      );
      const matched = recent.filter((row) => row.matched).map((row) => row.id);
      if (matched.length >= limit || recent.length < recentWindow) return matched.slice(0, limit);

      if (await isCommon(tx, query)) {
        const walked = await tx.execute(sql`select ${conversations.id} as id ${inbox} and exists (${matching(sql`${conversations.id}`)}) ${inOrder} limit ${limit}`);
        return rowsOf<{ id: string }>(walked).map((row) => row.id);
      }

      await tx.execute(sql`set local enable_bitmapscan = on`);
      // The matches are ordered by themselves (an index-only read each), and only the newest are
      // joined with their contacts and the filters: that join for each of 13k matches cost 100 ms.
      // Filters that leave fewer than `limit` of them widen the candidates until none are left.
      for (let candidates = limit * 4; ; candidates *= 8) {
        const newest = rowsOf<{ id: string }>(
          await tx.execute(sql`
            with matched as materialized (
              select distinct ${messages.conversationId} as id from ${messages}
              where ${messages.workspaceId} = ${workspaceId} and not ${messages.hidden} and ${messages.searchVector} @@ (${query}))
            select ${conversations.id} as id from ${conversations}
            where ${conversations.workspaceId} = ${workspaceId} and ${conversations.id} in (select id from matched)
            ${inOrder} limit ${candidates}`),
        ).map((row) => row.id);
        if (newest.length === 0) return [];
        const found = await tx.execute(sql`select ${conversations.id} as id ${inbox} and ${conversations.id} = any(${sql.param(newest)}::uuid[]) ${inOrder} limit ${limit}`);
        const ids = rowsOf<{ id: string }>(found).map((row) => row.id);
        if (ids.length >= limit || newest.length < candidates) return ids;
      }
    });
  }

  /**
   * Conversations of the contacts a name, phone or email matches. Up to fewContacts of them are
   * read first and their conversations ordered (at 1M contacts "Schmidt 42" took 1 s as one
   * query: the planner walked the inbox checking each contact); more, and walking the inbox is
   * the quick way, since the newest conversations soon include enough of them.
   */
  async function conversationsOfContacts(workspaceId: string, where: SQL | undefined, contactMatch: SQL, viewerId: string, limit: number) {
    const matching = sql`select ${contacts.id} from ${contacts} where ${contacts.workspaceId} = ${workspaceId} and ${contactMatch}`;
    const ids = rowsOf<{ id: string }>(await db.execute(sql`${matching} limit ${fewContacts + 1}`)).map((row) => row.id);
    if (ids.length === 0) return [];
    const ofContacts = ids.length <= fewContacts ? sql`${conversations.contactId} = any(${sql.param(ids)}::uuid[])` : sql`${conversations.contactId} in (${matching})`;
    return summaries(workspaceId, and(where, ofContacts), viewerId, limit);
  }

  /** Whether the planner's statistics (exact enough for frequent words) say the query matches a large share of messages. */
  async function isCommon(tx: Db, query: SQL): Promise<boolean> {
    const [explained] = rowsOf<{ 'QUERY PLAN': unknown }>(
      await tx.execute(sql`explain (format json) select 1 from ${messages} where ${messages.searchVector} @@ (${query})`),
    );
    const raw = explained?.['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: { 'Plan Rows': number } }>;
    const [table] = rowsOf<{ rows: number }>(await tx.execute(sql`select reltuples::float8 as rows from pg_class where oid = 'messages'::regclass`));
    const total = Number(table?.rows ?? 0);
    // Never analysed (reltuples -1 or 0): call it rare; the index step is right for a small table.
    return total > 0 && plan[0]!.Plan['Plan Rows'] / total >= commonShare;
  }

  /** The newest visible message (comments aside) of each conversation: one index probe per row of a page. */
  const lastMessage = () =>
    db
      .select({ text: messages.text, direction: messages.direction, type: messages.type, createdAt: messages.createdAt })
      .from(messages)
      .where(and(eq(messages.workspaceId, conversations.workspaceId), eq(messages.conversationId, conversations.id), eq(messages.hidden, false), eq(messages.type, 'message')))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(1)
      .as('last_message');

  async function summaries(workspaceId: string, where: SQL | undefined, viewerId: string | null, limit: number) {
    const last = lastMessage();
    const rows = await db
      .select({
        ...summaryColumns,
        lastText: last.text,
        lastDirection: last.direction,
        lastType: last.type,
        lastCreatedAt: last.createdAt,
        readAt: conversationReads.readAt,
        channelType: channels.type,
        channelName: channels.name,
      })
      .from(conversations)
      .innerJoin(contacts, and(eq(contacts.workspaceId, conversations.workspaceId), eq(contacts.id, conversations.contactId)))
      .leftJoin(channels, and(eq(channels.workspaceId, conversations.workspaceId), eq(channels.id, conversations.lastChannelId)))
      .leftJoin(
        conversationReads,
        and(
          eq(conversationReads.workspaceId, conversations.workspaceId),
          eq(conversationReads.userId, viewerId ?? sql`null`),
          eq(conversationReads.conversationId, conversations.id),
        ),
      )
      .leftJoinLateral(last, sql`true`)
      .where(and(eq(conversations.workspaceId, workspaceId), where))
      .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
      .limit(limit);
    return rows.map(
      (row): SummaryRow => ({
        conversation: row.conversation,
        channel:
          row.conversation.lastChannelId && row.channelType !== null && row.channelName !== null
            ? { id: row.conversation.lastChannelId, type: row.channelType, name: row.channelName }
            : null,
        contact: row.contact,
        lastMessage:
          row.lastText === null || row.lastCreatedAt === null
            ? null
            : { text: row.lastText, direction: row.lastDirection!, type: row.lastType!, createdAt: row.lastCreatedAt },
        readAt: row.readAt,
      }),
    );
  }

  return {
    async find(workspaceId: string, id: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)));
      return row;
    },

    async findByContact(workspaceId: string, contactId: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.contactId, contactId)));
      return row;
    },

    /** Holds the row until the transaction ends: two agents acting at once take turns. */
    async lock(workspaceId: string, id: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)))
        .for('update');
      return row;
    },

    async lockByContact(workspaceId: string, contactId: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.contactId, contactId)))
        .for('update');
      return row;
    },

    /** Undefined when the contact has a conversation already (made by a concurrent transaction, say). */
    async insertIfAbsent(row: typeof conversations.$inferInsert): Promise<ConversationRow | undefined> {
      const [created] = await db.insert(conversations).values(row).onConflictDoNothing({ target: conversations.contactId }).returning();
      return created;
    },

    /** The contact's assignee and its conversation's audience (null without one); undefined when the workspace has no such contact. */
    async contactAudience(workspaceId: string, contactId: string): Promise<ContactAudience | undefined> {
      const [row] = await db
        .select({ assigneeId: contacts.assigneeId, conversationAssigneeId: conversations.assigneeId, teamId: conversations.teamId, conversationId: conversations.id })
        .from(contacts)
        .leftJoin(conversations, and(eq(conversations.workspaceId, contacts.workspaceId), eq(conversations.contactId, contacts.id)))
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)));
      if (!row) return undefined;
      const conversation = row.conversationId ? { assigneeId: row.conversationAssigneeId, teamId: row.teamId } : null;
      return { assigneeId: row.assigneeId, conversation };
    },

    async contactBlockedAt(workspaceId: string, contactId: string): Promise<Date | null> {
      const [row] = await db
        .select({ blockedAt: contacts.blockedAt })
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)));
      return row?.blockedAt ?? null;
    },

    async update(workspaceId: string, id: string, patch: Partial<typeof conversations.$inferInsert>): Promise<ConversationRow> {
      const [row] = await db
        .update(conversations)
        .set(patch)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)))
        .returning();
      return row!;
    },

    async delete(workspaceId: string, id: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .delete(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)))
        .returning();
      return row;
    },

    /** Summaries of these conversations, as `conversation.updated` carries them (no viewer's read time). */
    async summariesOf(workspaceId: string, ids: readonly string[]): Promise<SummaryRow[]> {
      if (ids.length === 0) return [];
      return summaries(workspaceId, inArray(conversations.id, [...ids]), null, ids.length);
    },

    /**
     * Assigns many conversations at once, but none whose contact is blocked (SPEC §2.6): one
     * statement. Answers the ids assigned.
     */
    async assignMany(workspaceId: string, ids: readonly string[], patch: { assigneeId?: string | null; teamId?: string | null; updatedAt: Date }): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .update(conversations)
        .set(patch)
        .where(
          and(
            eq(conversations.workspaceId, workspaceId),
            inArray(conversations.id, [...ids]),
            sql`not exists (select 1 from ${contacts} where ${contacts.workspaceId} = ${conversations.workspaceId} and ${contacts.id} = ${conversations.contactId} and ${contacts.blockedAt} is not null)`,
          ),
        )
        .returning({ id: conversations.id });
      return rows.map((row) => row.id);
    },

    async summary(workspaceId: string, id: string, viewerId: string | null): Promise<SummaryRow | undefined> {
      return (await summaries(workspaceId, eq(conversations.id, id), viewerId, 1))[0];
    },

    /** A page in inbox order: newest activity first, keyset on (last_message_at, id). */
    async list(workspaceId: string, filter: ConversationFilter, viewerId: string, limit: number, after?: [Date, string]) {
      const conditions: Array<SQL | undefined> = [];
      const inbox = filter.inbox;
      if (inbox?.kind === 'mine') conditions.push(eq(conversations.assigneeId, inbox.userId));
      if (inbox?.kind === 'unassigned') conditions.push(isNull(conversations.assigneeId));
      if (inbox?.kind === 'team') conditions.push(eq(conversations.teamId, inbox.teamId));
      // Blocked contacts live in their own inbox and in no other (SPEC §2.6); contacts the spam
      // rules hold for review are in none until released (the review list is the spam decisions).
      if (inbox?.kind === 'blocked') conditions.push(isNotNull(contacts.blockedAt));
      else conditions.push(isNull(contacts.blockedAt), isNull(contacts.quarantinedAt));
      if (filter.status) conditions.push(eq(conversations.status, filter.status));
      if (filter.visibleTo) {
        const { userId, teamIds } = filter.visibleTo;
        conditions.push(
          or(
            eq(conversations.assigneeId, userId),
            isNull(conversations.assigneeId),
            teamIds.length > 0 ? inArray(conversations.teamId, teamIds) : undefined,
          ),
        );
      }
      if (after) conditions.push(sql`(${conversations.lastMessageAt}, ${conversations.id}) < (${after[0]}, ${after[1]})`);
      if (!filter.search) return summaries(workspaceId, and(...conditions), viewerId, limit);

      // Contact matches and message matches are found apart and merged here: an OR of the two
      // would keep PostgreSQL from using the best way to each.
      const { text, configs, contact } = filter.search;
      const query = sql.join(
        configs.map((config) => sql`websearch_to_tsquery(${config}::regconfig, ${text})`),
        sql` || `,
      );
      const contactMatch = contact && contactSearchCondition(contact, { nameKey: contacts.nameKey, email: contacts.email, phone: contacts.phone });
      const [messageMatchIds, byContact] = await Promise.all([
        conversationsWithMatchingMessages(workspaceId, and(...conditions), query, limit),
        contactMatch ? conversationsOfContacts(workspaceId, and(...conditions), contactMatch, viewerId, limit) : [],
      ]);
      const byMessage = messageMatchIds.length > 0 ? await summaries(workspaceId, inArray(conversations.id, messageMatchIds), viewerId, limit) : [];
      const merged = new Map([...byMessage, ...byContact].map((row) => [row.conversation.id, row]));
      return [...merged.values()]
        .sort((a, b) => b.conversation.lastMessageAt.getTime() - a.conversation.lastMessageAt.getTime() || (a.conversation.id < b.conversation.id ? 1 : -1))
        .slice(0, limit);
    },

    /**
     * Open conversations of each inbox asked for, and how many of them wait unread by `viewerId`
     * (the contact wrote since the viewer last opened it, and nobody has replied): each counted up
     * to COUNT_CAP on the partial indexes of open conversations, blocked and held contacts aside,
     * as the inboxes list them. `visible`: an agent's whole view (its own, unassigned, its teams').
     */
    async openCounts(
      workspaceId: string,
      viewerId: string,
      inboxes: Array<{ key: string; kind: 'mine' | 'unassigned' | 'all' | 'visible' | 'team'; teamId?: string; teamIds?: string[] }>,
    ): Promise<Map<string, { open: number; unread: number }>> {
      if (inboxes.length === 0) return new Map();
      const condition = (inbox: (typeof inboxes)[number]) => {
        switch (inbox.kind) {
          case 'mine':
            return sql`c.assignee_id = ${viewerId}`;
          case 'unassigned':
            return sql`c.assignee_id is null`;
          case 'team':
            return sql`c.team_id = ${inbox.teamId}`;
          case 'visible':
            return sql`(c.assignee_id = ${viewerId} or c.assignee_id is null${
              inbox.teamIds?.length ? sql` or c.team_id = any(${sql.param(inbox.teamIds)}::uuid[])` : sql``
            })`;
          case 'all':
            return sql`true`;
        }
      };
      const counted = inboxes.map(
        (inbox) => sql`(select ${inbox.key}::text as key, count(*) as open, count(*) filter (where unread) as unread from (
          select c.awaiting_reply_since is not null and c.last_inbound_at is not null and (r.read_at is null or r.read_at < c.last_inbound_at) as unread
          from conversations c
          join contacts k on k.workspace_id = c.workspace_id and k.id = c.contact_id
          left join conversation_reads r on r.workspace_id = c.workspace_id and r.user_id = ${viewerId} and r.conversation_id = c.id
          where c.workspace_id = ${workspaceId} and c.status = 'open' and ${condition(inbox)} and k.blocked_at is null and k.quarantined_at is null
          limit ${COUNT_CAP}) counted)`,
      );
      const rows = rowsOf<{ key: string; open: number | string; unread: number | string }>(await db.execute(sql.join(counted, sql` union all `)));
      return new Map(rows.map((row) => [row.key, { open: Number(row.open), unread: Number(row.unread) }]));
    },

    /** Members of each team, for the red dot of team-assigned conversations. */
    async teamMembers(workspaceId: string, teamIds: string[]): Promise<Map<string, string[]>> {
      const members = new Map<string, string[]>();
      if (teamIds.length === 0) return members;
      const rows = await db
        .select({ teamId: teamMembers.teamId, userId: teamMembers.userId })
        .from(teamMembers)
        .where(and(eq(teamMembers.workspaceId, workspaceId), inArray(teamMembers.teamId, teamIds)));
      for (const row of rows) members.set(row.teamId, [...(members.get(row.teamId) ?? []), row.userId]);
      return members;
    },

    /** Who has opened each conversation at or after its `since`, in one read. */
    async readersSinceMany(workspaceId: string, since: ReadonlyMap<string, Date>): Promise<Map<string, string[]>> {
      const readers = new Map<string, string[]>();
      if (since.size === 0) return readers;
      const rows = await db
        .select({ conversationId: conversationReads.conversationId, userId: conversationReads.userId, readAt: conversationReads.readAt })
        .from(conversationReads)
        .where(and(eq(conversationReads.workspaceId, workspaceId), inArray(conversationReads.conversationId, [...since.keys()])));
      for (const row of rows) {
        if (row.readAt.getTime() < since.get(row.conversationId)!.getTime()) continue;
        readers.set(row.conversationId, [...(readers.get(row.conversationId) ?? []), row.userId]);
      }
      return readers;
    },

    /** Who has opened the conversation at or after `since`. */
    async readersSince(workspaceId: string, conversationId: string, since: Date): Promise<string[]> {
      const rows = await db
        .select({ userId: conversationReads.userId })
        .from(conversationReads)
        .where(
          and(eq(conversationReads.workspaceId, workspaceId), eq(conversationReads.conversationId, conversationId), gte(conversationReads.readAt, since)),
        );
      return rows.map((row) => row.userId);
    },

    async markRead(workspaceId: string, userId: string, conversationId: string, at: Date): Promise<void> {
      await db
        .insert(conversationReads)
        .values({ workspaceId, userId, conversationId, readAt: at })
        .onConflictDoUpdate({
          target: [conversationReads.workspaceId, conversationReads.userId, conversationReads.conversationId],
          set: { readAt: sql`greatest(${conversationReads.readAt}, excluded.read_at)` },
        });
    },
  };
}

export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;
