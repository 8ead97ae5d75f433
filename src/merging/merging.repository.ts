import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { type Db, rowsOf } from '../platform/db/client.js';
import { contacts, conversationReads, conversations, contactTags, mergeDismissals, merges, mergeSnapshots } from '../platform/db/schema.js';
import { type MatchableContact, type MatchField, pairKey } from './merge.rules.js';

export type ContactRow = typeof contacts.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MergeRow = typeof merges.$inferSelect;

/** How a merge joined the secondary's conversation to the primary. */
export type ConversationMove = 'none' | 'reassigned' | 'messages';

/**
 * Everything an undo puts back, rows as PostgreSQL's `to_jsonb` wrote them (so they go back
 * through `jsonb_populate_record`, column for column), plus the ids of what moved.
 */
export type MergeSnapshot = {
  primary: Record<string, unknown>;
  secondary: Record<string, unknown>;
  primaryTags: Record<string, unknown>[];
  secondaryTags: Record<string, unknown>[];
  /** The secondary's identities (contact_channels), moved as they were. */
  identityIds: string[];
  conversationMove: ConversationMove;
  primaryConversation: Record<string, unknown> | null;
  secondaryConversation: Record<string, unknown> | null;
  secondaryReads: Record<string, unknown>[];
  spamDecisionIds: string[];
  dismissals: Record<string, unknown>[];
  /** Snapshots of earlier merges the secondary held, handed to the primary. */
  heldSnapshotIds: string[];
};

/** A contact as the suggestions show it. */
export type ContactSummary = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  email: string | null;
  phone: string | null;
};

type SummaryRow = { id: string; first_name: string | null; last_name: string | null; display_name: string | null; email: string | null; phone: string | null };

const toSummary = (row: SummaryRow): ContactSummary => ({
  id: row.id,
  firstName: row.first_name,
  lastName: row.last_name,
  displayName: row.display_name,
  email: row.email,
  phone: row.phone,
});

const toDate = (value: Date | string | null) => (value === null ? null : value instanceof Date ? value : new Date(value));

/**
 * The columns of a table that a snapshot restores, as `r.<column>` of a `jsonb_populate_record`
 * row; `override` replaces a column's expression (a user who is gone since becomes null).
 */
function restoredColumns(table: PgTable, options: { skip?: string[]; override?: Record<string, SQL> } = {}) {
  const columns = getTableConfig(table).columns.filter((column) => !column.generated && !options.skip?.includes(column.name));
  return {
    names: sql.raw(columns.map((column) => `"${column.name}"`).join(', ')),
    values: sql.join(
      columns.map((column) => options.override?.[column.name] ?? sql.raw(`r."${column.name}"`)),
      sql`, `,
    ),
  };
}

const existingUser = (column: string) => sql.raw(`(select u.id from users u where u.id = r."${column}" and u.workspace_id = r.workspace_id)`);
const existingTeam = sql.raw(`(select t.id from teams t where t.id = r.team_id and t.workspace_id = r.workspace_id)`);

export function createMergingRepository(db: Db) {
  async function one<T>(query: SQL): Promise<T | undefined> {
    return rowsOf<T>(await db.execute(query))[0];
  }

  return {
    // ------------------------------------------------------------ suggestions

    /** Unblocked contacts sharing the phone or the email, through the contacts' own indexes. */
    async candidates(workspaceId: string, contact: MatchableContact, limit: number): Promise<Array<MatchableContact & ContactSummary>> {
      if (!contact.phone && !contact.email) return [];
      const matches = [
        contact.phone ? sql`c.phone = ${contact.phone}` : undefined,
        contact.email ? sql`c.email = ${contact.email}` : undefined,
      ].filter((part): part is SQL => part !== undefined);
      const result = await db.execute(sql`
        select c.id, c.first_name, c.last_name, c.display_name, c.email, c.phone from contacts c
        where c.workspace_id = ${workspaceId} and c.blocked_at is null and c.id <> ${contact.id} and (${sql.join(matches, sql` or `)})
        order by c.id limit ${limit}`);
      return rowsOf<SummaryRow>(result).map(toSummary);
    },

    async summaries(workspaceId: string, ids: string[]): Promise<ContactSummary[]> {
      if (ids.length === 0) return [];
      const result = await db.execute(sql`
        select c.id, c.first_name, c.last_name, c.display_name, c.email, c.phone from contacts c
        where c.workspace_id = ${workspaceId} and c.id = any(${sql.param(ids)}::uuid[])`);
      return rowsOf<SummaryRow>(result).map(toSummary);
    },

    /** Dismissals of every pair one of `ids` is in (`of`), or of pairs within `ids` (`within`), keyed by pairKey. */
    async dismissals(workspaceId: string, ids: string[], scope: 'of' | 'within'): Promise<Map<string, string[]>> {
      if (ids.length === 0) return new Map();
      const list = sql.param(ids);
      const where =
        scope === 'of'
          ? sql`(d.contact_a = any(${list}::uuid[]) or d.contact_b = any(${list}::uuid[]))`
          : sql`d.contact_a = any(${list}::uuid[]) and d.contact_b = any(${list}::uuid[])`;
      const result = await db.execute(sql`
        select d.contact_a, d.contact_b, d.values from merge_dismissals d where d.workspace_id = ${workspaceId} and ${where}`);
      return new Map(rowsOf<{ contact_a: string; contact_b: string; values: string[] }>(result).map((row) => [pairKey(row.contact_a, row.contact_b), row.values]));
    },

    /** "Not the same person", for what the pair shares now; said again, it covers what they share then. */
    async dismiss(input: { workspaceId: string; contactA: string; contactB: string; values: string[]; by: string; at: Date }) {
      await db
        .insert(mergeDismissals)
        .values({ workspaceId: input.workspaceId, contactA: input.contactA, contactB: input.contactB, values: input.values, dismissedBy: input.by, dismissedAt: input.at })
        .onConflictDoUpdate({
          target: [mergeDismissals.workspaceId, mergeDismissals.contactA, mergeDismissals.contactB],
          set: { values: input.values, dismissedBy: input.by, dismissedAt: input.at },
        });
    },

    /** Values shared by more than one unblocked contact, largest group first (an index range: no scan). */
    async groups(workspaceId: string, after: [number, string, string] | undefined, limit: number) {
      const keyset = after
        ? sql`and (d.contacts < ${after[0]} or (d.contacts = ${after[0]} and (d.field, d.value) > (${after[1]}, ${after[2]})))`
        : sql``;
      const result = await db.execute(sql`
        select d.field, d.value, d.contacts from duplicate_values d
        where d.workspace_id = ${workspaceId} and d.contacts > 1 ${keyset}
        order by d.contacts desc, d.field, d.value limit ${limit}`);
      return rowsOf<{ field: MatchField; value: string; contacts: number }>(result);
    },

    /** The unblocked contacts holding each value (up to `limit` of each), for a page of groups in one statement. */
    async membersOf(workspaceId: string, values: Array<{ field: MatchField; value: string }>, limit: number) {
      if (values.length === 0) return [];
      const result = await db.execute(sql`
        select v.field, v.value, c.id, c.first_name, c.last_name, c.display_name, c.email, c.phone
        from unnest(${sql.param(values.map((v) => v.field))}::text[], ${sql.param(values.map((v) => v.value))}::text[]) as v(field, value)
        cross join lateral (
          (select * from contacts c where v.field = 'phone' and c.workspace_id = ${workspaceId} and c.phone = v.value and c.blocked_at is null order by c.id limit ${limit})
          union all
          (select * from contacts c where v.field = 'email' and c.workspace_id = ${workspaceId} and c.email = v.value and c.blocked_at is null order by c.id limit ${limit})
        ) c`);
      return rowsOf<SummaryRow & { field: MatchField; value: string }>(result).map((row) => ({ field: row.field, value: row.value, contact: toSummary(row) }));
    },

    /** Up to `limit` counts of values no unblocked contact holds any more, deleted; answers how many. */
    async deleteUnusedValues(limit: number): Promise<number> {
      const result = await db.execute(sql`
        delete from duplicate_values d where (d.workspace_id, d.field, d.value) in (
          select u.workspace_id, u.field, u.value from duplicate_values u where u.contacts <= 0 limit ${limit}
        ) and d.contacts <= 0
        returning 1`);
      return rowsOf(result).length;
    },

    // ------------------------------------------------------------ merge

    /**
     * The identities (contact_channels) of these contacts, or these identities, locked in id
     * order before their contacts: an inbound message locks its identity, then its contact, and
     * a merge that took them the other way round could deadlock with it.
     */
    async lockIdentities(workspaceId: string, by: { contactIds: string[] } | { ids: string[] }): Promise<void> {
      if ('ids' in by && by.ids.length === 0) return;
      const which = 'ids' in by ? sql`id = any(${sql.param(by.ids)}::uuid[])` : sql`contact_id = any(${sql.param(by.contactIds)}::uuid[])`;
      await db.execute(sql`select id from contact_channels where workspace_id = ${workspaceId} and ${which} order by id for update`);
    },

    /** Both contacts, locked for the merge in id order, so two merges of one contact take turns without deadlock. */
    async lockContacts(workspaceId: string, ids: string[]): Promise<ContactRow[]> {
      return db
        .select()
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), inArray(contacts.id, ids)))
        .orderBy(asc(contacts.id))
        .for('update');
    },

    async lockConversations(workspaceId: string, contactIds: string[]): Promise<ConversationRow[]> {
      return db
        .select()
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), inArray(conversations.contactId, contactIds)))
        .orderBy(asc(conversations.id))
        .for('update');
    },

    async rowJson(table: 'contacts' | 'conversations', workspaceId: string, id: string): Promise<Record<string, unknown>> {
      const row = await one<{ row: Record<string, unknown> }>(
        sql`select to_jsonb(r) as row from ${sql.identifier(table)} r where r.workspace_id = ${workspaceId} and r.id = ${id}`,
      );
      return row!.row;
    },

    async tagsJson(workspaceId: string, contactId: string): Promise<Record<string, unknown>[]> {
      const row = await one<{ rows: Record<string, unknown>[] }>(sql`
        select coalesce(jsonb_agg(to_jsonb(r) order by r.tag_id), '[]') as rows from contact_tags r
        where r.workspace_id = ${workspaceId} and r.contact_id = ${contactId}`);
      return row!.rows;
    },

    async readsJson(workspaceId: string, conversationId: string): Promise<Record<string, unknown>[]> {
      const row = await one<{ rows: Record<string, unknown>[] }>(sql`
        select coalesce(jsonb_agg(to_jsonb(r)), '[]') as rows from conversation_reads r
        where r.workspace_id = ${workspaceId} and r.conversation_id = ${conversationId}`);
      return row!.rows;
    },

    async dismissalsJson(workspaceId: string, contactId: string): Promise<Record<string, unknown>[]> {
      const row = await one<{ rows: Record<string, unknown>[] }>(sql`
        select coalesce(jsonb_agg(to_jsonb(r)), '[]') as rows from merge_dismissals r
        where r.workspace_id = ${workspaceId} and (r.contact_a = ${contactId} or r.contact_b = ${contactId})`);
      return row!.rows;
    },

    async updateContact(workspaceId: string, id: string, values: Partial<typeof contacts.$inferInsert>) {
      await db
        .update(contacts)
        .set(values)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id)));
    },

    async updateConversation(workspaceId: string, id: string, values: Partial<typeof conversations.$inferInsert>) {
      await db
        .update(conversations)
        .set(values)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)));
    },

    /** The secondary's tags join the primary's; each link keeps when it was made. */
    async copyTags(workspaceId: string, fromId: string, toId: string) {
      await db.execute(sql`
        insert into contact_tags (workspace_id, contact_id, tag_id, created_at)
        select workspace_id, ${toId}, tag_id, created_at from contact_tags where workspace_id = ${workspaceId} and contact_id = ${fromId}
        on conflict do nothing`);
    },

    /** Rows that belong to a contact by id move to another; answers the ids moved. */
    async moveOwned(table: 'contact_channels' | 'spam_decisions', workspaceId: string, fromId: string, toId: string, ids?: string[]): Promise<string[]> {
      const only = ids ? sql` and id = any(${sql.param(ids)}::uuid[])` : sql``;
      const result = await db.execute(sql`
        update ${sql.identifier(table)} set contact_id = ${toId}
        where workspace_id = ${workspaceId} and contact_id = ${fromId}${only} returning id`);
      return rowsOf<{ id: string }>(result).map((row) => row.id);
    },

    async moveHeldSnapshots(workspaceId: string, fromId: string, toId: string, mergeIds?: string[]): Promise<string[]> {
      const only = mergeIds ? sql` and merge_id = any(${sql.param(mergeIds)}::uuid[])` : sql``;
      const result = await db.execute(sql`
        update merge_snapshots set holder_id = ${toId}
        where workspace_id = ${workspaceId} and holder_id = ${fromId}${only} returning merge_id`);
      return rowsOf<{ merge_id: string }>(result).map((row) => row.merge_id);
    },

    async insertMerge(row: typeof merges.$inferInsert, snapshot: { holderId: string; snapshot: MergeSnapshot }) {
      await db.insert(merges).values(row);
      await db.insert(mergeSnapshots).values({ mergeId: row.id, workspaceId: row.workspaceId, holderId: snapshot.holderId, snapshot: snapshot.snapshot });
    },

    /** Moves every message of one conversation into another, noting their ids (one array) for the undo. One statement. */
    async moveMessages(workspaceId: string, mergeId: string, fromConversationId: string, toConversationId: string) {
      await db.execute(sql`
        with moved as (
          update messages set conversation_id = ${toConversationId}
          where workspace_id = ${workspaceId} and conversation_id = ${fromConversationId}
          returning id
        )
        insert into merge_messages (merge_id, message_ids) select ${mergeId}, coalesce(array_agg(id), '{}') from moved`);
    },

    async deleteConversation(workspaceId: string, id: string) {
      await db.delete(conversations).where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)));
    },

    async deleteContact(workspaceId: string, id: string) {
      await db.delete(contacts).where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id)));
    },

    // ------------------------------------------------------------ undo

    async lockMerge(workspaceId: string, id: string): Promise<MergeRow | undefined> {
      const [row] = await db
        .select()
        .from(merges)
        .where(and(eq(merges.workspaceId, workspaceId), eq(merges.id, id)))
        .for('update');
      return row;
    },

    async snapshotOf(mergeId: string): Promise<MergeSnapshot | undefined> {
      const [row] = await db.select({ snapshot: mergeSnapshots.snapshot }).from(mergeSnapshots).where(eq(mergeSnapshots.mergeId, mergeId));
      return row?.snapshot as MergeSnapshot | undefined;
    },

    async insertContactFrom(row: Record<string, unknown>) {
      const { names, values } = restoredColumns(contacts, { override: { assignee_id: existingUser('assignee_id') } });
      await db.execute(sql`insert into contacts (${names}) select ${values} from jsonb_populate_record(null::contacts, ${JSON.stringify(row)}::jsonb) r`);
    },

    /** Puts a contact's row back as it was; its last interaction keeps one that happened after `since` (the merge). */
    async restoreContact(workspaceId: string, row: Record<string, unknown>, since: Date) {
      const { names, values } = restoredColumns(contacts, {
        skip: ['id', 'workspace_id'],
        override: {
          assignee_id: existingUser('assignee_id'),
          last_interaction_at: sql`case when c.last_interaction_at > ${since} then c.last_interaction_at else r.last_interaction_at end`,
        },
      });
      await db.execute(sql`
        update contacts c set (${names}) = (select ${values} from jsonb_populate_record(null::contacts, ${JSON.stringify(row)}::jsonb) r)
        where c.workspace_id = ${workspaceId} and c.id = ${row.id as string}`);
    },

    /** A contact's tags become exactly these (tags deleted from the workspace since stay deleted). */
    async setTags(workspaceId: string, contactId: string, rows: Record<string, unknown>[]) {
      await db.delete(contactTags).where(and(eq(contactTags.workspaceId, workspaceId), eq(contactTags.contactId, contactId)));
      if (rows.length === 0) return;
      const { names, values } = restoredColumns(contactTags);
      await db.execute(sql`
        insert into contact_tags (${names}) select ${values} from jsonb_populate_recordset(null::contact_tags, ${JSON.stringify(rows)}::jsonb) r
        where exists (select 1 from tags t where t.id = r.tag_id)`);
    },

    async insertConversationFrom(row: Record<string, unknown>) {
      const { names, values } = restoredColumns(conversations, { override: { assignee_id: existingUser('assignee_id'), team_id: existingTeam } });
      await db.execute(sql`insert into conversations (${names}) select ${values} from jsonb_populate_record(null::conversations, ${JSON.stringify(row)}::jsonb) r`);
    },

    async restoreConversation(workspaceId: string, row: Record<string, unknown>) {
      const { names, values } = restoredColumns(conversations, {
        skip: ['id', 'workspace_id'],
        override: { assignee_id: existingUser('assignee_id'), team_id: existingTeam },
      });
      await db.execute(sql`
        update conversations c set (${names}) = (select ${values} from jsonb_populate_record(null::conversations, ${JSON.stringify(row)}::jsonb) r)
        where c.workspace_id = ${workspaceId} and c.id = ${row.id as string}`);
    },

    async conversationExists(workspaceId: string, id: string): Promise<boolean> {
      const [row] = await db.select({ id: conversations.id }).from(conversations).where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)));
      return row !== undefined;
    },

    async hasMessagesSince(workspaceId: string, conversationId: string, since: Date): Promise<boolean> {
      const row = await one<{ found: boolean }>(sql`
        select exists (select 1 from messages where workspace_id = ${workspaceId} and conversation_id = ${conversationId} and created_at > ${since}) as found`);
      return row!.found;
    },

    async moveMessagesBack(workspaceId: string, mergeId: string, fromConversationId: string, toConversationId: string) {
      await db.execute(sql`
        update messages set conversation_id = ${toConversationId}
        where workspace_id = ${workspaceId} and conversation_id = ${fromConversationId}
          and id = any((select message_ids from merge_messages where merge_id = ${mergeId})::uuid[])`);
    },

    async restoreReads(rows: Record<string, unknown>[]) {
      if (rows.length === 0) return;
      const { names, values } = restoredColumns(conversationReads);
      await db.execute(sql`
        insert into conversation_reads (${names}) select ${values} from jsonb_populate_recordset(null::conversation_reads, ${JSON.stringify(rows)}::jsonb) r
        where exists (select 1 from users u where u.id = r.user_id) on conflict do nothing`);
    },

    /** Dismissals of the secondary come back where the other contact still exists. */
    async restoreDismissals(rows: Record<string, unknown>[]) {
      if (rows.length === 0) return;
      const { names, values } = restoredColumns(mergeDismissals, { override: { dismissed_by: existingUser('dismissed_by') } });
      await db.execute(sql`
        insert into merge_dismissals (${names}) select ${values} from jsonb_populate_recordset(null::merge_dismissals, ${JSON.stringify(rows)}::jsonb) r
        where exists (select 1 from contacts c where c.id = r.contact_a) and exists (select 1 from contacts c where c.id = r.contact_b)
        on conflict do nothing`);
    },

    async markUndone(workspaceId: string, id: string, by: string, at: Date) {
      await db.delete(mergeSnapshots).where(eq(mergeSnapshots.mergeId, id));
      await db.update(merges).set({ undoneBy: by, undoneAt: at }).where(and(eq(merges.workspaceId, workspaceId), eq(merges.id, id)));
    },

    // ------------------------------------------------------------ history

    /**
     * Merges newest first, each with what its undo would meet now: whether it was undone, merged
     * again since, its kept contact (and snapshot) gone or blocked, its messages' conversation gone.
     */
    async history(workspaceId: string, options: { after?: [string, string]; limit: number; ids?: string[]; secondaryId?: string }) {
      const where = [sql`m.workspace_id = ${workspaceId}`];
      if (options.after) where.push(sql`(m.merged_at, m.id) < (${options.after[0]}::timestamptz, ${options.after[1]}::uuid)`);
      if (options.ids) where.push(sql`m.id = any(${sql.param(options.ids)}::uuid[])`);
      if (options.secondaryId) where.push(sql`m.secondary_id = ${options.secondaryId}`);
      const result = await db.execute(sql`
        select m.id, m.primary_id, m.secondary_id, m.fields, m.merged_by, m.merged_at, m.undone_by, m.undone_at,
          s.merge_id is not null as has_snapshot,
          s.snapshot -> 'secondary' as secondary_row,
          exists (
            select 1 from merges l
            where l.workspace_id = m.workspace_id and l.undone_at is null and (l.merged_at, l.id) > (m.merged_at, m.id)
              and (l.primary_id = m.primary_id or l.secondary_id = m.primary_id)
          ) as merged_again,
          p.id is not null as primary_exists,
          p.blocked_at is not null as primary_blocked,
          p.first_name as p_first_name, p.last_name as p_last_name, p.display_name as p_display_name, p.email as p_email, p.phone as p_phone,
          b.id is not null as secondary_exists,
          b.first_name as b_first_name, b.last_name as b_last_name, b.display_name as b_display_name, b.email as b_email, b.phone as b_phone,
          case s.snapshot ->> 'conversationMove'
            when 'messages' then exists (select 1 from conversations v where v.workspace_id = m.workspace_id and v.id = (s.snapshot -> 'primaryConversation' ->> 'id')::uuid)
            when 'reassigned' then exists (select 1 from conversations v where v.workspace_id = m.workspace_id and v.id = (s.snapshot -> 'secondaryConversation' ->> 'id')::uuid)
            else true
          end as conversation_exists
        from merges m
        left join merge_snapshots s on s.merge_id = m.id
        left join contacts p on p.workspace_id = m.workspace_id and p.id = m.primary_id
        left join contacts b on b.workspace_id = m.workspace_id and b.id = m.secondary_id
        where ${sql.join(where, sql` and `)}
        order by m.merged_at desc, m.id desc
        limit ${options.limit}`);
      return rowsOf<HistoryRow>(result).map((row) => ({
        ...row,
        merged_at: toDate(row.merged_at)!,
        undone_at: toDate(row.undone_at),
      }));
    },
  };
}

export type HistoryRow = {
  id: string;
  primary_id: string;
  secondary_id: string;
  fields: Record<string, 'primary' | 'secondary'>;
  merged_by: string | null;
  merged_at: Date;
  undone_by: string | null;
  undone_at: Date | null;
  has_snapshot: boolean;
  secondary_row: Record<string, string | null> | null;
  merged_again: boolean;
  primary_exists: boolean;
  primary_blocked: boolean;
  p_first_name: string | null;
  p_last_name: string | null;
  p_display_name: string | null;
  p_email: string | null;
  p_phone: string | null;
  secondary_exists: boolean;
  b_first_name: string | null;
  b_last_name: string | null;
  b_display_name: string | null;
  b_email: string | null;
  b_phone: string | null;
  conversation_exists: boolean;
};

export type MergingRepository = ReturnType<typeof createMergingRepository>;
