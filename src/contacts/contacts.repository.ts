import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { channels, contactChannels, contacts, contactTags } from '../platform/db/schema.js';
import type { ContactChanges } from './contact-fields.rules.js';
import { contactSearchCondition } from './contact-search.sql.js';
import type { ContactCriteria } from './contact-filter.js';

export type ContactRow = typeof contacts.$inferSelect;
export type NewContact = typeof contacts.$inferInsert;

export type ContactSort = 'name' | 'created' | 'lastInteraction';
export type SortOrder = 'asc' | 'desc';
/** The last row of the previous page: its sort value (as the database prints it) and id. */
export type ContactCursor = [string, string];

/** A contact as the API shows it. */
export type ContactItem = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  /** Where the country came from: derived from the phone, or set by hand. */
  countrySource: 'phone' | 'manual' | null;
  language: string | null;
  assigneeId: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
  blocked: boolean;
  /** Held by the spam rules with a quarantine decision pending review (SPEC §2.6, issue 5). */
  quarantined: boolean;
  /** Types of the channels the contact has an identity on. */
  channels: string[];
  conversationStatus: 'open' | 'snoozed' | 'closed' | null;
  /** The contact's conversation (one per contact, SPEC §3.2), if it has one. */
  conversationId: string | null;
  lastInteractionAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** The row of a new contact from checked input. */
export function newContactRow(
  workspaceId: string,
  id: string,
  changes: ContactChanges,
  extra: { assigneeId?: string | null; now: Date },
): NewContact {
  const { customFieldsSet, customFieldsRemoved: _cleared, ...columns } = changes;
  return {
    id,
    workspaceId,
    ...columns,
    assigneeId: extra.assigneeId ?? null,
    customFields: customFieldsSet ?? {},
    createdAt: extra.now,
    updatedAt: extra.now,
  };
}

// Each expression matches an index (workspace_id, <expression>, id), so a page reads `limit` entries.
type SortExpression = { key: SQL; type: SQL };

const sortExpressions: Record<ContactSort, SortExpression> = {
  created: { key: sql`c.created_at`, type: sql`timestamptz` },
  name: { key: sql`c.name_key`, type: sql`text` },
  lastInteraction: { key: sql`coalesce(c.last_interaction_at, '-infinity'::timestamptz)`, type: sql`timestamptz` },
};

/**
 * The name order, in a form no index serves. Matches of a name search cluster in name order (all
 * "σωκράτης" sort after every Latin name), so walking the name index until a page is full can
 * read most of the table (1.1 s at 1M contacts); from the trigram index the cost follows the
 * number of matches instead (about 50 ms for 10k matches).
 */
const nameOrderUnindexed: SortExpression = { key: sql`(c.name_key || '')`, type: sql`text` };

const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

/** The WHERE clause of a filter, over `contacts c`. Always scoped to the workspace. */
export function criteriaSql(workspaceId: string, criteria: ContactCriteria): SQL {
  const parts: SQL[] = [sql`c.workspace_id = ${workspaceId}`];
  if (criteria.nothing) parts.push(sql`false`);
  if (criteria.blocked === true) parts.push(sql`c.blocked_at is not null`);
  if (criteria.blocked === false) parts.push(sql`c.blocked_at is null`);
  if (criteria.contactIds) {
    parts.push(criteria.contactIds.length ? sql`c.id in (${list(criteria.contactIds)})` : sql`false`);
  }
  if (criteria.search) parts.push(contactSearchCondition(criteria.search, { nameKey: sql`c.name_key`, email: sql`c.email`, phone: sql`c.phone` }));
  for (const tagId of criteria.tagIds ?? []) {
    parts.push(sql`exists (select 1 from contact_tags ct where ct.workspace_id = ${workspaceId} and ct.contact_id = c.id and ct.tag_id = ${tagId})`);
  }
  if (criteria.assigneeId === null) parts.push(sql`c.assignee_id is null`);
  else if (criteria.assigneeId) parts.push(sql`c.assignee_id = ${criteria.assigneeId}`);
  if (criteria.channel) {
    const which = 'id' in criteria.channel ? sql`cc.channel_id = ${criteria.channel.id}` : sql`ch.type = ${criteria.channel.type}`;
    parts.push(sql`exists (select 1 from contact_channels cc join channels ch on ch.id = cc.channel_id
      where cc.workspace_id = ${workspaceId} and cc.contact_id = c.id and cc.removed_at is null and ${which})`);
  }
  if (criteria.conversationStatus === 'none') {
    parts.push(sql`not exists (select 1 from conversations v where v.workspace_id = ${workspaceId} and v.contact_id = c.id)`);
  } else if (criteria.conversationStatus) {
    parts.push(sql`exists (select 1 from conversations v where v.workspace_id = ${workspaceId} and v.contact_id = c.id and v.status = ${criteria.conversationStatus})`);
  }
  if (criteria.createdFrom) parts.push(sql`c.created_at >= ${criteria.createdFrom}::timestamptz`);
  if (criteria.createdBefore) parts.push(sql`c.created_at < ${criteria.createdBefore}::timestamptz`);
  if (criteria.lastInteractionFrom) parts.push(sql`c.last_interaction_at >= ${criteria.lastInteractionFrom}::timestamptz`);
  if (criteria.lastInteractionBefore) parts.push(sql`c.last_interaction_at < ${criteria.lastInteractionBefore}::timestamptz`);
  if (criteria.customFields && Object.keys(criteria.customFields).length) {
    parts.push(sql`c.custom_fields @> ${JSON.stringify(criteria.customFields)}::jsonb`);
  }
  return sql.join(parts, sql` and `);
}

type ItemRow = {
  id: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  avatar_url: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  country_source: ContactItem['countrySource'];
  language: string | null;
  assignee_id: string | null;
  custom_fields: Record<string, unknown>;
  blocked_at: Date | null;
  quarantined_at: Date | null;
  last_interaction_at: Date | null;
  created_at: Date;
  updated_at: Date;
  tags: string[];
  channels: string[];
  conversation_status: ContactItem['conversationStatus'];
  conversation_id: string | null;
  sort_value: string;
};

const toDate = (value: Date | string | null) => (value === null ? null : value instanceof Date ? value : new Date(value));

function toItem(row: ItemRow): ContactItem {
  return {
    id: row.id,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    email: row.email,
    phone: row.phone,
    country: row.country,
    countrySource: row.country_source,
    language: row.language,
    assigneeId: row.assignee_id,
    tags: row.tags,
    customFields: row.custom_fields,
    blocked: row.blocked_at !== null,
    quarantined: row.quarantined_at !== null,
    channels: row.channels,
    conversationStatus: row.conversation_status,
    conversationId: row.conversation_id,
    lastInteractionAt: toDate(row.last_interaction_at),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
  };
}

export function createContactsRepository(db: Db) {
  /**
   * One page of contacts in one statement: the inner query finds the page through the sort
   * index, the outer one adds tags, channels and conversation status for those rows only.
   */
  async function page(
    workspaceId: string,
    criteria: ContactCriteria,
    options: { sort: ContactSort; order: SortOrder; limit: number; after?: ContactCursor },
  ): Promise<Array<{ item: ContactItem; cursor: ContactCursor }>> {
    const nameSearch = criteria.search?.kind === 'name' && criteria.search.words.some((w) => w.match === 'substring');
    const { key, type } = options.sort === 'name' && nameSearch ? nameOrderUnindexed : sortExpressions[options.sort];
    const direction = options.order === 'asc' ? sql`asc` : sql`desc`;
    const where = [criteriaSql(workspaceId, criteria)];
    if (options.after) {
      const [value, id] = options.after;
      const comparison = options.order === 'asc' ? sql`>` : sql`<`;
      where.push(sql`(${key}, c.id) ${comparison} (${value}::${type}, ${id}::uuid)`);
    }
    const result = await db.execute(sql`
      select c.id, c.first_name, c.last_name, c.display_name, c.avatar_url, c.email, c.phone, c.country, c.country_source,
        c.language, c.assignee_id, c.custom_fields, c.blocked_at, c.quarantined_at, c.last_interaction_at, c.created_at,
        c.updated_at, (${key})::text as sort_value,
        array(select t.name from contact_tags ct join tags t on t.id = ct.tag_id
              where ct.workspace_id = c.workspace_id and ct.contact_id = c.id order by lower(t.name)) as tags,
        array(select distinct ch.type from contact_channels cc join channels ch on ch.id = cc.channel_id
              where cc.workspace_id = c.workspace_id and cc.contact_id = c.id and cc.removed_at is null order by ch.type) as channels,
        (select v.status from conversations v where v.workspace_id = c.workspace_id and v.contact_id = c.id) as conversation_status,
        (select v.id from conversations v where v.workspace_id = c.workspace_id and v.contact_id = c.id) as conversation_id
      from (
        select * from contacts c where ${sql.join(where, sql` and `)}
        order by ${key} ${direction}, c.id ${direction}
        limit ${options.limit}
      ) c
      order by ${key} ${direction}, c.id ${direction}`);
    return rowsOf<ItemRow>(result).map((row) => ({ item: toItem(row), cursor: [row.sort_value, row.id] }));
  }

  return {
    page,

    async findItem(workspaceId: string, id: string): Promise<ContactItem | undefined> {
      const [row] = await page(workspaceId, { contactIds: [id] }, { sort: 'created', order: 'asc', limit: 1 });
      return row?.item;
    },

    async findRow(workspaceId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ContactRow | undefined> {
      const query = db
        .select()
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id)));
      const [row] = options.forUpdate ? await query.for('update') : await query;
      return row;
    },

    async count(workspaceId: string, criteria: ContactCriteria): Promise<number> {
      const result = await db.execute(sql`select count(*)::int as n from contacts c where ${criteriaSql(workspaceId, criteria)}`);
      return rowsOf<{ n: number }>(result)[0]!.n;
    },

    /** The next batch of a bulk job, in id order: a job resumes after the last id it finished. */
    async idsAfter(workspaceId: string, criteria: ContactCriteria, afterId: string | null, limit: number): Promise<string[]> {
      const after = afterId ? sql` and c.id > ${afterId}::uuid` : sql``;
      const result = await db.execute(sql`
        select c.id from contacts c where ${criteriaSql(workspaceId, criteria)}${after}
        order by c.id limit ${limit}`);
      return rowsOf<{ id: string }>(result).map((r) => r.id);
    },

    /**
     * The countries of the workspace's contacts, for reading national phone numbers in a search.
     * A loose index scan: one probe of (workspace_id, country) per distinct country.
     */
    async countries(workspaceId: string): Promise<string[]> {
      const result = await db.execute(sql`
        with recursive present(country) as (
          (select country from contacts where workspace_id = ${workspaceId} and country is not null order by country limit 1)
          union all
          select (select c.country from contacts c
                  where c.workspace_id = ${workspaceId} and c.country > present.country order by c.country limit 1)
          from present where present.country is not null
        )
        select country from present where country is not null`);
      return rowsOf<{ country: string }>(result).map((r) => r.country);
    },

    async insert(rows: NewContact[]): Promise<string[]> {
      if (rows.length === 0) return [];
      // Imports give deterministic ids: a batch run twice inserts its rows once.
      const inserted = await db.insert(contacts).values(rows).onConflictDoNothing({ target: contacts.id }).returning({ id: contacts.id });
      return inserted.map((r) => r.id);
    },

    /**
     * Writes only the fields that changed. Custom fields are merged key by key in the database
     * (`||`, then `-` for cleared keys), so two people editing different fields of one contact
     * at once both keep their change: the last write wins per field, not per contact.
     */
    async update(workspaceId: string, id: string, changes: ContactChanges, extra: { assigneeId?: string | null; now: Date }) {
      const { customFieldsSet, customFieldsRemoved, ...columns } = changes;
      let customFields: SQL | undefined;
      if (customFieldsSet || customFieldsRemoved?.length) {
        const removals = (customFieldsRemoved ?? []).map((key) => sql` - ${key}::text`);
        customFields = sql`(${contacts.customFields} || ${JSON.stringify(customFieldsSet ?? {})}::jsonb)${sql.join(removals)}`;
      }
      await db
        .update(contacts)
        .set({ ...columns, assigneeId: extra.assigneeId, customFields, updatedAt: extra.now })
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id)));
    },

    async delete(workspaceId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const deleted = await db
        .delete(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), inArray(contacts.id, ids)))
        .returning({ id: contacts.id });
      return deleted.map((r) => r.id);
    },

    /** Removes `key` from the custom fields of up to `limit` contacts holding it; answers how many. */
    async removeCustomFieldValues(workspaceId: string, key: string, limit: number): Promise<number> {
      const result = await db.execute(sql`
        update contacts set custom_fields = custom_fields - ${key}::text
        where workspace_id = ${workspaceId} and id in (select id from contacts where workspace_id = ${workspaceId} and custom_fields ? ${key} limit ${limit})
        returning id`);
      return rowsOf(result).length;
    },

    // ------------------------------------------------------------ tags of contacts

    async tagIdsOf(workspaceId: string, contactId: string): Promise<string[]> {
      const rows = await db
        .select({ tagId: contactTags.tagId })
        .from(contactTags)
        .where(and(eq(contactTags.workspaceId, workspaceId), eq(contactTags.contactId, contactId)));
      return rows.map((r) => r.tagId);
    },

    async addTags(workspaceId: string, contactIds: string[], tagIds: string[], now: Date): Promise<void> {
      const rows = contactIds.flatMap((contactId) => tagIds.map((tagId) => ({ workspaceId, contactId, tagId, createdAt: now })));
      if (rows.length) await db.insert(contactTags).values(rows).onConflictDoNothing();
    },

    /** One tag on many contacts; answers those that did not have it. */
    async addTagReturning(workspaceId: string, contactIds: string[], tagId: string, now: Date): Promise<string[]> {
      if (contactIds.length === 0) return [];
      const added = await db
        .insert(contactTags)
        .values(contactIds.map((contactId) => ({ workspaceId, contactId, tagId, createdAt: now })))
        .onConflictDoNothing()
        .returning({ contactId: contactTags.contactId });
      return added.map((row) => row.contactId);
    },

    /** One tag off many contacts; answers those that had it. */
    async removeTagReturning(workspaceId: string, contactIds: string[], tagId: string): Promise<string[]> {
      if (contactIds.length === 0) return [];
      const removed = await db
        .delete(contactTags)
        .where(and(eq(contactTags.workspaceId, workspaceId), inArray(contactTags.contactId, contactIds), eq(contactTags.tagId, tagId)))
        .returning({ contactId: contactTags.contactId });
      return removed.map((row) => row.contactId);
    },

    /** Marks contacts changed now (their tags changed). */
    async touch(workspaceId: string, contactIds: string[], now: Date): Promise<void> {
      if (contactIds.length === 0) return;
      await db
        .update(contacts)
        .set({ updatedAt: now })
        .where(and(eq(contacts.workspaceId, workspaceId), inArray(contacts.id, contactIds)));
    },

    async addTagPairs(workspaceId: string, pairs: Array<{ contactId: string; tagId: string }>, now: Date): Promise<void> {
      if (pairs.length) await db.insert(contactTags).values(pairs.map((p) => ({ workspaceId, ...p, createdAt: now }))).onConflictDoNothing();
    },

    async removeTags(workspaceId: string, contactIds: string[], tagIds: string[]): Promise<void> {
      if (contactIds.length === 0 || tagIds.length === 0) return;
      await db
        .delete(contactTags)
        .where(
          and(eq(contactTags.workspaceId, workspaceId), inArray(contactTags.contactId, contactIds), inArray(contactTags.tagId, tagIds)),
        );
    },

    // ------------------------------------------------------------ channels of a contact

    async workspaceChannels(workspaceId: string) {
      return db
        .select({ id: channels.id, type: channels.type, name: channels.name })
        .from(channels)
        .where(eq(channels.workspaceId, workspaceId))
        .orderBy(channels.createdAt, channels.id);
    },

    async identities(workspaceId: string, contactId: string) {
      return db
        .select({ channelId: contactChannels.channelId, identifier: contactChannels.identifier, connectedAt: contactChannels.connectedAt })
        .from(contactChannels)
        .where(
          and(eq(contactChannels.workspaceId, workspaceId), eq(contactChannels.contactId, contactId), isNull(contactChannels.removedAt)),
        )
        .orderBy(contactChannels.connectedAt);
    },

    /** Marks the contact's identities on the channel removed (history stays); answers how many. */
    async removeIdentity(workspaceId: string, contactId: string, channelId: string, now: Date): Promise<number> {
      const removed = await db
        .update(contactChannels)
        .set({ removedAt: now })
        .where(
          and(
            eq(contactChannels.workspaceId, workspaceId),
            eq(contactChannels.contactId, contactId),
            eq(contactChannels.channelId, channelId),
            isNull(contactChannels.removedAt),
          ),
        )
        .returning({ id: contactChannels.id });
      return removed.length;
    },
  };
}

export type ContactsRepository = ReturnType<typeof createContactsRepository>;
