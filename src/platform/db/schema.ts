import { sql } from 'drizzle-orm';
import {
  date,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<'owner' | 'manager' | 'agent'>().notNull(),
    passwordHash: text('password_hash').notNull(),
    language: text('language'),
    /** What the user wants to be notified of (workspace/notification-settings.ts). */
    notificationSettings: jsonb('notification_settings').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    // Login is by email alone, so an address names one user across all workspaces.
    uniqueIndex('users_email_key').on(t.email),
    index('users_workspace_idx').on(t.workspaceId, t.name),
  ],
);

/** An invitation to join a workspace by email (issue 19): a link to set a password, valid 7 days. */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<'owner' | 'manager' | 'agent'>().notNull(),
    /** SHA-256 of the link's token: the token itself is only in the mail. */
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamptz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_token_key').on(t.tokenHash), index('invitations_workspace_idx').on(t.workspaceId, t.email)],
);

export const teams = pgTable(
  'teams',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('teams_workspace_name_key').on(t.workspaceId, sql`lower(${t.name})`)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    workspaceId: uuid('workspace_id').notNull(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.workspaceId, t.userId)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the token: a leaked table does not leak usable tokens. */
    tokenHash: text('token_hash').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.workspaceId, t.userId)],
);

/**
 * Login attempts per account and client address (an IPv6 address counts by its /64), so that
 * someone guessing from elsewhere cannot lock the real user out. Rows are forgotten once quiet.
 */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    email: text('email').notNull(),
    address: text('address').notNull(),
    failures: integer('failures').notNull().default(0),
    lastFailureAt: timestamptz('last_failure_at').notNull(),
    lockedUntil: timestamptz('locked_until'),
  },
  (t) => [primaryKey({ columns: [t.email, t.address] }), index('login_attempts_last_failure_idx').on(t.lastFailureAt)],
);

/** Random keys the server makes once and keeps (signing download links); one row per use, never shown. */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id'),
    type: text('type').notNull(),
    status: text('status').$type<'queued' | 'running' | 'done' | 'failed'>().notNull().default('queued'),
    /** Input plus the handler's own checkpoint, so a resumed job continues where it stopped. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    result: jsonb('result').$type<Record<string, unknown>>(),
    progress: integer('progress').notNull().default(0),
    total: integer('total'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    error: text('error'),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    lockedUntil: timestamptz('locked_until'),
    lockedBy: text('locked_by'),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    index('jobs_claim_idx').on(t.status, t.runAt),
    index('jobs_workspace_idx').on(t.workspaceId, t.createdAt),
  ],
);


// ---------------------------------------------------------------- channels

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** 'whatsapp' | 'messenger' | … | 'api': the registry decides what is valid. */
    type: text('type').notNull(),
    name: text('name').notNull(),
    /** Provider settings, secrets included: never returned by the API as they are. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** Paused: replies are refused (`channel_paused`); webhooks are still received, so nothing a customer writes is lost. */
    status: text('status').$type<'active' | 'paused'>().notNull().default('active'),
    /** The last message in or out, written at most every few seconds (a busy channel's row is not a hot spot). */
    lastActivityAt: timestamptz('last_activity_at'),
    /** `<type>:<value>` of the module's unique setting (an email channel's address), unique across workspaces; null where the type has none. */
    uniqueKey: text('unique_key'),
    createdAt: createdAt(),
  },
  (t) => [index('channels_workspace_idx').on(t.workspaceId, t.type), uniqueIndex('channels_unique_key_idx').on(t.uniqueKey)],
);

/**
 * Small values a provider needs shared by every process, per channel (WeChat's access token,
 * Viber's monthly count, when Meta last verified the webhook URL). Keyed by channel and name.
 */
export const channelState = pgTable(
  'channel_state',
  {
    workspaceId: uuid('workspace_id').notNull(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: jsonb('value').$type<unknown>().notNull(),
    /** Past it, the value reads as absent (a token's lifetime). */
    expiresAt: timestamptz('expires_at'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.channelId, t.key] }),
    // For the cascade from a deleted channel, which looks up by channel_id alone.
    index('channel_state_channel_fk_idx').on(t.channelId),
  ],
);

/**
 * Pre-approved messages per channel (WhatsApp's templates): a body with placeholders, and the
 * fields a channel type adds to it (`fields`, e.g. an email's subject), as its module declares them.
 */
export const templates = pgTable(
  'templates',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    /** As the provider knows it: a reply names the template by name and language. */
    name: text('name').notNull(),
    /** BCP 47 or the provider's code (`en`, `en_US`, `pt_BR`). */
    language: text('language').notNull(),
    category: text('category'),
    body: text('body').notNull(),
    /** What the channel type adds to the body (its module's `templates.fields`), by key. */
    fields: jsonb('fields').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('templates_channel_name_language_key').on(t.workspaceId, t.channelId, t.name, t.language),
    index('templates_channel_fk_idx').on(t.channelId),
  ],
);

// ---------------------------------------------------------------- contacts

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    firstName: text('first_name'),
    lastName: text('last_name'),
    /** Lower-cased. */
    email: text('email'),
    /** E.164, e.g. +4915112345678. */
    phone: text('phone'),
    /** ISO 3166-1 alpha-2; derived from the phone unless set by hand (countrySource). */
    country: text('country'),
    countrySource: text('country_source').$type<'phone' | 'manual'>(),
    language: text('language'),
    /** The profile from the channel the contact last spoke on (read-only for users). */
    displayName: text('display_name'),
    avatarUrl: text('avatar_url'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    customFields: jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({}),
    blockedAt: timestamptz('blocked_at'),
    /** Held by the spam rules for review: its conversation stays out of the inbox and it is not counted until released. */
    quarantinedAt: timestamptz('quarantined_at'),
    lastInteractionAt: timestamptz('last_interaction_at'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    /**
     * The names folded for search and sort (lower-case, accents removed), kept by the database
     * so that every writer (inbox, import, merge) keeps it right. SPEC §2.3.
     */
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(
        sql`lower(immutable_unaccent(btrim(coalesce(first_name || ' ', '') || coalesce(last_name || ' ', '') || coalesce(display_name, ''))))`,
      ),
  },
  (t) => [
    index('contacts_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    // text_pattern_ops: also serves the email prefix search (LIKE 'x%') under any collation.
    index('contacts_workspace_email_idx').on(t.workspaceId, t.email.op('text_pattern_ops')),
    // Also contacts_workspace_email_domain_idx on (workspace_id, split_part(email, '@', 2) text_pattern_ops)
    // for a search by the start of a domain: in the migration inbox_workday, as drizzle cannot express it.
    // text_pattern_ops: also serves a phone prefix ("+4915…"), which the trigram index answers slowly (every
    // phone shares the country code's trigrams: 137 ms at 1M contacts).
    index('contacts_workspace_phone_idx').on(t.workspaceId, t.phone.op('text_pattern_ops')),
    // Contacts module: one index per sort order and per selective filter, workspace first.
    index('contacts_workspace_name_idx').on(t.workspaceId, t.nameKey, t.id),
    index('contacts_workspace_last_interaction_idx').on(
      t.workspaceId,
      sql`coalesce(last_interaction_at, '-infinity'::timestamptz)`,
      t.id,
    ),
    index('contacts_workspace_id_idx').on(t.workspaceId, t.id),
    index('contacts_workspace_assignee_idx').on(t.workspaceId, t.assigneeId),
    index('contacts_workspace_country_idx').on(t.workspaceId, t.country),
    index('contacts_blocked_idx').on(t.workspaceId, t.createdAt, t.id).where(sql`blocked_at is not null`),
    // GIN cannot lead with workspace_id without btree_gin (absent from PGlite); queries filter it.
    index('contacts_name_trgm_idx').using('gin', t.nameKey.op('gin_trgm_ops')),
    index('contacts_phone_trgm_idx').using('gin', t.phone.op('gin_trgm_ops')),
    index('contacts_custom_fields_idx').using('gin', t.customFields.op('jsonb_path_ops')),
  ],
);

export const tags = pgTable(
  'tags',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tags_workspace_name_key').on(t.workspaceId, sql`lower(${t.name})`)],
);

export const contactTags = pgTable(
  'contact_tags',
  {
    workspaceId: uuid('workspace_id').notNull(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    tagId: uuid('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.tagId] }), index('contact_tags_tag_idx').on(t.workspaceId, t.tagId, t.contactId)],
);

export const customFields = pgTable(
  'custom_fields',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The key in contacts.custom_fields and in the API. */
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type')
      .$type<'text' | 'number' | 'date' | 'dropdown' | 'checkbox' | 'email' | 'phone' | 'url'>()
      .notNull(),
    options: jsonb('options').$type<string[]>(),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('custom_fields_workspace_key_key').on(t.workspaceId, t.key)],
);

export const segments = pgTable(
  'segments',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    filter: jsonb('filter').$type<Record<string, unknown>>().notNull(),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
  },
  (t) => [index('segments_workspace_idx').on(t.workspaceId, t.name)],
);

/** A contact's identity on one channel (its phone on WhatsApp, its PSID on Messenger, …). */
export const contactChannels = pgTable(
  'contact_channels',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    identifier: text('identifier').notNull(),
    connectedAt: timestamptz('connected_at').notNull(),
    /** The contact's last inbound message on this channel: opens the messaging window. */
    lastInboundAt: timestamptz('last_inbound_at'),
    /** Removed by a user (the number changed, say); history stays. */
    removedAt: timestamptz('removed_at'),
  },
  (t) => [
    uniqueIndex('contact_channels_identity_key').on(t.channelId, t.identifier),
    index('contact_channels_contact_idx').on(t.workspaceId, t.contactId),
    // Deleting a contact cascades here by contact_id alone: without an index led by it, each
    // deleted contact scans the whole index (PostgreSQL 15 has no skip scan).
    index('contact_channels_contact_fk_idx').on(t.contactId),
  ],
);

// ---------------------------------------------------------------- conversations

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    status: text('status').$type<'open' | 'snoozed' | 'closed'>().notNull().default('open'),
    snoozedUntil: timestamptz('snoozed_until'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    /** Newest activity: the inbox order (set at creation, so a conversation without messages sorts too). */
    lastMessageAt: timestamptz('last_message_at').notNull().defaultNow(),
    lastInboundAt: timestamptz('last_inbound_at'),
    lastOutboundAt: timestamptz('last_outbound_at'),
    /** The contact's oldest message nobody has replied to yet: drives the red "missed" dot. */
    awaitingReplySince: timestamptz('awaiting_reply_since'),
    /** The channel the contact last wrote on (or was first written to on): shown with the conversation. */
    lastChannelId: uuid('last_channel_id').references(() => channels.id, { onDelete: 'set null' }),
    /** When it was last opened (made, or reopened from closed): resolution times count from here. */
    openedAt: timestamptz('opened_at'),
    /** When it was closed, while it is: resolution times count to here. */
    closedAt: timestamptz('closed_at'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // One conversation per contact is current: its history spans all channels (SPEC §3.2).
    uniqueIndex('conversations_contact_key').on(t.contactId),
    index('conversations_workspace_status_idx').on(t.workspaceId, t.status, t.lastMessageAt, t.id),
    // One index per inbox, in list order, so a first page reads 50 index entries.
    index('conversations_workspace_activity_idx').on(t.workspaceId, t.lastMessageAt, t.id),
    // A message search's matches are put in inbox order by reading this index alone, not the rows.
    index('conversations_id_activity_idx').on(t.id, t.workspaceId, t.lastMessageAt),
    index('conversations_workspace_assignee_idx').on(t.workspaceId, t.assigneeId, t.lastMessageAt, t.id),
    index('conversations_workspace_team_idx').on(t.workspaceId, t.teamId, t.lastMessageAt, t.id),
    // The inbox counts (and the dashboard's open figures) read open conversations only, by assignee and by team.
    index('conversations_open_assignee_idx').on(t.workspaceId, t.assigneeId).where(sql`status = 'open'`),
    index('conversations_open_team_idx').on(t.workspaceId, t.teamId).where(sql`status = 'open'`),
    // The dashboard's resolution times: conversations closed in a period.
    index('conversations_workspace_closed_idx').on(t.workspaceId, t.closedAt).where(sql`closed_at is not null`),
  ],
);

/** When a user last opened a conversation: the purple dot is per user (SPEC §3.4). */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    workspaceId: uuid('workspace_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    readAt: timestamptz('read_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId, t.conversationId] }),
    // For the cascade from a deleted conversation (contact deletion), which looks up by conversation_id alone.
    index('conversation_reads_conversation_fk_idx').on(t.conversationId),
  ],
);

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Null for comments, which never leave the workspace. */
    channelId: uuid('channel_id').references(() => channels.id, { onDelete: 'set null' }),
    direction: text('direction').$type<'in' | 'out'>().notNull(),
    type: text('type').$type<'message' | 'comment'>().notNull(),
    /** As the customer or user wrote it: plain text, never HTML. */
    text: text('text').notNull(),
    status: text('status').$type<'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed'>().notNull(),
    error: text('error'),
    /** The provider's own code for a failure (`whatsapp:131047`), which the web app words in the reader's language. */
    errorCode: text('error_code'),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    /** The provider's id: dedupes inbound retries and matches delivery receipts to outbound messages. */
    providerMessageId: text('provider_message_id'),
    /** When the provider says the contact sent it (never later than when we received it). */
    providerTimestamp: timestamptz('provider_timestamp'),
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    /** Template or message tag of an outbound message; what an inbound one holds besides its text (`content`: an image, a location…). */
    options: jsonb('options').$type<Record<string, unknown>>(),
    /** Stored but not shown: messages of a blocked contact (SPEC §2.6). */
    hidden: boolean('hidden').notNull().default(false),
    /** The text's words in the contact's language and as written ('simple'); maintained on insert. */
    searchVector: tsvector('search_vector'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('messages_provider_id_key').on(t.workspaceId, t.channelId, t.direction, t.providerMessageId),
    index('messages_conversation_idx').on(t.workspaceId, t.conversationId, t.createdAt, t.id),
    // The cascade from a deleted conversation looks up by conversation_id alone: measured 6.5 ms per
    // conversation at 200k messages without this index (a full scan of the one above), 0.1 ms with it.
    index('messages_conversation_fk_idx').on(t.conversationId),
    // Also messages_workspace_created_idx on (workspace_id, created_at) INCLUDE (channel_id, direction, type,
    // hidden), for the dashboard's counts of a period: in the migration inbox_workday, as drizzle cannot express it.
    // GIN cannot lead with workspace_id without btree_gin (absent from PGlite); the query filters it.
    index('messages_search_idx').using('gin', t.searchVector),
    // Messenger's watermarks mark every earlier reply of a conversation delivered or read: only
    // replies not read yet are in here, so a long history costs nothing.
    index('messages_unread_replies_idx')
      .on(t.workspaceId, t.conversationId, t.createdAt)
      .where(sql`direction = 'out' and type = 'message' and status in ('sent', 'delivered')`),
  ],
);

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** Null until sent. Not cascaded: the row must outlive its message to find the file to delete. */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    contactId: uuid('contact_id'),
    uploadedBy: uuid('uploaded_by'),
    fileName: text('file_name').notNull(),
    /** Sniffed from the bytes, never taken from the client. */
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    storageKey: text('storage_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('attachments_message_idx').on(t.workspaceId, t.messageId),
    // For `on delete set null` from deleted messages, which looks up by message_id alone.
    index('attachments_message_fk_idx').on(t.messageId),
    index('attachments_contact_idx').on(t.workspaceId, t.contactId),
  ],
);

export const savedReplies = pgTable(
  'saved_replies',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** What follows `/` in the composer. */
    shortcut: text('shortcut').notNull(),
    text: text('text').notNull(),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('saved_replies_workspace_shortcut_key').on(t.workspaceId, sql`lower(${t.shortcut})`)],
);

// ---------------------------------------------------------------- usage

/**
 * Monthly active contacts: a row per contact and calendar month (UTC) in which a message was
 * exchanged while it was not blocked. Written in the message's own transaction; no foreign key to
 * contacts, because deleting a contact does not undo the month's usage.
 */
export const contactActivityMonths = pgTable(
  'contact_activity_months',
  {
    workspaceId: uuid('workspace_id').notNull(),
    /** First day of the month, UTC. */
    month: date('month', { mode: 'string' }).notNull(),
    contactId: uuid('contact_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.month, t.contactId] })],
);

// ---------------------------------------------------------------- blocking and spam

/** A workspace's spam rules: what raises a signal, and per channel what a score above its threshold does. */
export const spamSettings = pgTable('spam_settings', {
  workspaceId: uuid('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  blockedDomains: jsonb('blocked_domains').$type<string[]>().notNull().default([]),
  burstPerMinute: integer('burst_per_minute').notNull(),
  repeatedTextContacts: integer('repeated_text_contacts').notNull(),
  /** By channel id: `{action: 'none'|'quarantine'|'block', threshold}`. */
  channels: jsonb('channels').$type<Record<string, { action: 'none' | 'quarantine' | 'block'; threshold: number }>>().notNull().default({}),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/** What the spam rules did to an inbound message, with their reasons, until a user reverses it. */
export const spamDecisions = pgTable(
  'spam_decisions',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    /** The message that crossed the threshold; no foreign key, as the decision outlives a deleted conversation. */
    messageId: uuid('message_id').notNull(),
    channelId: uuid('channel_id').notNull(),
    action: text('action').$type<'quarantine' | 'block'>().notNull(),
    /** `{signal, weight, ...params}`, as spamSignals() words them (src/blocking/spam-signals.rules.ts). */
    reasons: jsonb('reasons').$type<Array<{ signal: string; weight: number; [param: string]: unknown }>>().notNull(),
    score: integer('score').notNull(),
    createdAt: createdAt(),
    reversedAt: timestamptz('reversed_at'),
    reversedBy: uuid('reversed_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('spam_decisions_workspace_idx').on(t.workspaceId, t.createdAt, t.id),
    index('spam_decisions_contact_idx').on(t.workspaceId, t.contactId),
    // For the cascade from a deleted contact, which looks up by contact_id alone.
    index('spam_decisions_contact_fk_idx').on(t.contactId),
  ],
);

/**
 * Fingerprints of texts that new contacts sent, for the repeated-text signal: written only for
 * contacts created within the signal's window, and read only within it. No foreign key: a deleted
 * contact still sent the text.
 */
export const spamFingerprints = pgTable(
  'spam_fingerprints',
  {
    workspaceId: uuid('workspace_id').notNull(),
    fingerprint: text('fingerprint').notNull(),
    contactId: uuid('contact_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.fingerprint, t.contactId] }),
    // For the sweep, which deletes what the window has left behind, oldest first.
    index('spam_fingerprints_created_idx').on(t.createdAt),
  ],
);

// ---------------------------------------------------------------- merging

/**
 * How many unblocked contacts of a workspace hold each phone number and each email: the
 * Dashboard's duplicate groups are the rows above one. Kept by triggers on `contacts` (hand-written
 * in the migration) in the writing statement's own transaction, so every writer (the API, inbound
 * messages, imports, bulk jobs, blocking, merging, cascades) keeps it right and none can forget.
 * Rows down to zero are left to a recurring sweep (merging.service).
 */
export const duplicateValues = pgTable(
  'duplicate_values',
  {
    workspaceId: uuid('workspace_id').notNull(),
    field: text('field').$type<'phone' | 'email'>().notNull(),
    value: text('value').notNull(),
    contacts: integer('contacts').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.field, t.value] }),
    // The Dashboard's pages: largest group first.
    index('duplicate_values_groups_idx').on(t.workspaceId, t.contacts.desc(), t.field, t.value).where(sql`contacts > 1`),
    // Values no contact holds any more, for the sweep that deletes them (the triggers only count).
    index('duplicate_values_unused_idx').on(t.workspaceId).where(sql`contacts <= 0`),
  ],
);

/**
 * "Not the same person": a pair of contacts (`contactA` < `contactB`) and the values they shared
 * when it was said. The pair is suggested again once they share a value not listed here.
 */
export const mergeDismissals = pgTable(
  'merge_dismissals',
  {
    workspaceId: uuid('workspace_id').notNull(),
    contactA: uuid('contact_a')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    contactB: uuid('contact_b')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    /** `phone:+4915…`, `email:a@b.c`. */
    values: text('values').array().notNull(),
    dismissedBy: uuid('dismissed_by').references(() => users.id, { onDelete: 'set null' }),
    dismissedAt: timestamptz('dismissed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.contactA, t.contactB] }),
    index('merge_dismissals_b_idx').on(t.workspaceId, t.contactB),
    // For the cascades from a deleted contact, which look up by contact id alone.
    index('merge_dismissals_a_fk_idx').on(t.contactA),
    index('merge_dismissals_b_fk_idx').on(t.contactB),
  ],
);

/** One merge: who merged which contacts when, what was chosen, and whether it was undone. */
export const merges = pgTable(
  'merges',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** No foreign keys: the history outlives either contact. */
    primaryId: uuid('primary_id').notNull(),
    secondaryId: uuid('secondary_id').notNull(),
    /** Each field that differed: which contact's value won (`firstName`, `customFields.<key>`, …). */
    fields: jsonb('fields').$type<Record<string, 'primary' | 'secondary'>>().notNull(),
    mergedBy: uuid('merged_by').references(() => users.id, { onDelete: 'set null' }),
    mergedAt: timestamptz('merged_at').notNull(),
    undoneBy: uuid('undone_by').references(() => users.id, { onDelete: 'set null' }),
    undoneAt: timestamptz('undone_at'),
  },
  (t) => [
    index('merges_workspace_idx').on(t.workspaceId, t.mergedAt.desc(), t.id.desc()),
    index('merges_primary_idx').on(t.workspaceId, t.primaryId),
    index('merges_secondary_idx').on(t.workspaceId, t.secondaryId),
  ],
);

/**
 * What undoing a merge needs: both contacts' rows, tags, identities, conversations and more, as
 * they were. Held by the contact that carries the merged data (`holderId`): deleting it deletes
 * the snapshot, as deleting a contact deletes its history; a later merge of that contact hands
 * the snapshot on to its own primary. Dropped by the undo.
 */
export const mergeSnapshots = pgTable(
  'merge_snapshots',
  {
    mergeId: uuid('merge_id')
      .primaryKey()
      .references(() => merges.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    holderId: uuid('holder_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('merge_snapshots_holder_idx').on(t.holderId)],
);

/** The secondary's messages that a merge moved into the primary's conversation (one array: one row to write), to move them back. */
export const mergeMessages = pgTable('merge_messages', {
  mergeId: uuid('merge_id')
    .primaryKey()
    .references(() => mergeSnapshots.mergeId, { onDelete: 'cascade' }),
  messageIds: uuid('message_ids').array().notNull(),
});

// ---------------------------------------------------------------- workflows

/** A workflow: its current (published) version is `version`; earlier versions stay for runs in flight. */
export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(false),
    /** The current version's trigger type, for matching without reading definitions. */
    triggerType: text('trigger_type').notNull(),
    version: integer('version').notNull().default(1),
    /** Round-robin assignment: the member each team last got, per team id. */
    roundRobin: jsonb('round_robin').$type<Record<string, string>>().notNull().default({}),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('workflows_trigger_idx').on(t.workspaceId, t.triggerType, t.enabled), index('workflows_workspace_idx').on(t.workspaceId, t.createdAt)],
);

/** Every version of a workflow's definition ({trigger, steps}); a run executes the version it started on. */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    workspaceId: uuid('workspace_id').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

/**
 * One run of a workflow version for a contact. A waiting run is this row plus a scheduled job;
 * `pc` is the next instruction of the compiled version, `seq` the number of instructions begun.
 */
export const workflowRuns = pgTable(
  'workflow_runs',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** No foreign keys: a run outlives a deleted contact or conversation and ends with a reason. */
    contactId: uuid('contact_id').notNull(),
    conversationId: uuid('conversation_id'),
    status: text('status').$type<'running' | 'waiting' | 'completed' | 'stopped' | 'failed'>().notNull(),
    reason: text('reason'),
    /** What started it (`message:<id>`, `shortcut:<uuid>`): one run per workflow and cause, whichever instance heard it. */
    triggerKey: text('trigger_key').notNull(),
    startedBy: uuid('started_by'),
    pc: integer('pc').notNull().default(0),
    seq: integer('seq').notNull().default(0),
    /** `time` or `reply` while waiting. */
    waitingFor: text('waiting_for'),
    waitUntil: timestamptz('wait_until'),
    /** Values later steps read: the trigger's, HTTP responses. */
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    steps: jsonb('steps').$type<Array<Record<string, unknown>>>().notNull().default([]),
    /**
     * The process advancing the run, until when: a run whose lease ran out (its process died) or
     * a wait that came due is claimed by the next process that polls. Null while nobody holds it.
     */
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamptz('lease_until'),
    /** The last `seq` whose step was begun: a step begun and never recorded is not begun again (at most once). */
    begunSeq: integer('begun_seq').notNull().default(-1),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    uniqueIndex('workflow_runs_trigger_idx').on(t.workflowId, t.triggerKey),
    // What the poller claims: waits come due, and runs whose process died.
    index('workflow_runs_due_idx').on(t.waitUntil).where(sql`status = 'waiting'`),
    index('workflow_runs_lease_idx').on(t.leaseUntil).where(sql`status = 'running'`),
    index('workflow_runs_workflow_idx').on(t.workflowId, t.createdAt.desc(), t.id.desc()),
    index('workflow_runs_contact_idx').on(t.workspaceId, t.contactId, t.status),
    // Loop protection counts a workflow's recent runs for one contact.
    index('workflow_runs_loop_idx').on(t.workflowId, t.contactId, t.createdAt),
  ],
);

