import { and, desc, eq, gte, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { contacts, conversations, messages, spamDecisions, spamFingerprints, spamSettings } from '../platform/db/schema.js';
import type { SpamSettings } from './spam-signals.rules.js';

export type SpamDecisionRow = typeof spamDecisions.$inferSelect;
export type DecisionState = 'active' | 'reversed';

export function createSpamRepository(db: Db) {
  return {
    async settings(workspaceId: string): Promise<SpamSettings | undefined> {
      const [row] = await db
        .select({
          blockedDomains: spamSettings.blockedDomains,
          burstPerMinute: spamSettings.burstPerMinute,
          repeatedTextContacts: spamSettings.repeatedTextContacts,
          channels: spamSettings.channels,
        })
        .from(spamSettings)
        .where(eq(spamSettings.workspaceId, workspaceId));
      return row;
    },

    async saveSettings(workspaceId: string, settings: SpamSettings, at: Date): Promise<void> {
      await db
        .insert(spamSettings)
        .values({ workspaceId, ...settings, updatedAt: at })
        .onConflictDoUpdate({ target: spamSettings.workspaceId, set: { ...settings, updatedAt: at } });
    },

    /**
     * The contact's inbound messages since `since`, counted up to `cap` (enough to know a burst):
     * an index range on (workspace, conversation, created_at), never a scan of a long history.
     */
    async countInboundSince(workspaceId: string, contactId: string, since: Date, cap: number): Promise<number> {
      const result = await db.execute(sql`
        select count(*)::int as n from (
          select 1 from ${messages} m
          where m.workspace_id = ${workspaceId}
            and m.conversation_id = (select v.id from ${conversations} v where v.workspace_id = ${workspaceId} and v.contact_id = ${contactId})
            and m.created_at >= ${since.toISOString()}::timestamptz and m.direction = 'in'
          limit ${cap}
        ) recent`);
      return rowsOf<{ n: number }>(result)[0]!.n;
    },

    /**
     * Notes that a new contact sent this text; answers how many distinct new contacts did since
     * `since`. Older rows no longer count, and the sweep deletes them.
     */
    async recordFingerprint(workspaceId: string, fingerprint: string, contactId: string, at: Date, since: Date): Promise<number> {
      await db.insert(spamFingerprints).values({ workspaceId, fingerprint, contactId, createdAt: at }).onConflictDoNothing();
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(spamFingerprints)
        .where(and(eq(spamFingerprints.workspaceId, workspaceId), eq(spamFingerprints.fingerprint, fingerprint), gte(spamFingerprints.createdAt, since)));
      return row?.n ?? 0;
    },

    /** Deletes up to `limit` fingerprints older than `before`, oldest first along their created_at index; answers how many. */
    async deleteFingerprintsBefore(before: Date, limit: number): Promise<number> {
      const result = await db.execute(sql`
        with gone as (
          delete from ${spamFingerprints} f
          where (f.workspace_id, f.fingerprint, f.contact_id) in (
            select o.workspace_id, o.fingerprint, o.contact_id from ${spamFingerprints} o
            where o.created_at < ${before.toISOString()}::timestamptz
            order by o.created_at
            limit ${limit}
          )
          returning 1
        )
        select count(*)::int as n from gone`);
      return rowsOf<{ n: number }>(result)[0]!.n;
    },

    async insertDecision(row: typeof spamDecisions.$inferInsert): Promise<SpamDecisionRow> {
      const [created] = await db.insert(spamDecisions).values(row).returning();
      return created!;
    },

    async findDecision(workspaceId: string, id: string): Promise<SpamDecisionRow | undefined> {
      const [row] = await db
        .select()
        .from(spamDecisions)
        .where(and(eq(spamDecisions.workspaceId, workspaceId), eq(spamDecisions.id, id)));
      return row;
    },

    /** Marks the contact's decisions of this kind reversed: one click undoes what the rules did to it. */
    async reverseActive(workspaceId: string, contactId: string, action: SpamDecisionRow['action'], by: string | null, at: Date): Promise<string[]> {
      const rows = await db
        .update(spamDecisions)
        .set({ reversedAt: at, reversedBy: by })
        .where(
          and(
            eq(spamDecisions.workspaceId, workspaceId),
            eq(spamDecisions.contactId, contactId),
            eq(spamDecisions.action, action),
            isNull(spamDecisions.reversedAt),
          ),
        )
        .returning({ id: spamDecisions.id });
      return rows.map((r) => r.id);
    },

    /** Newest first, keyset on (created_at, id), with what a reviewer needs to judge each one. */
    async listDecisions(workspaceId: string, state: DecisionState | undefined, limit: number, before?: [Date, string], id?: string) {
      const conditions: Array<SQL | undefined> = [eq(spamDecisions.workspaceId, workspaceId)];
      if (state === 'active') conditions.push(isNull(spamDecisions.reversedAt));
      if (state === 'reversed') conditions.push(isNotNull(spamDecisions.reversedAt));
      if (id) conditions.push(eq(spamDecisions.id, id));
      if (before) conditions.push(sql`(${spamDecisions.createdAt}, ${spamDecisions.id}) < (${before[0]}, ${before[1]})`);
      return db
        .select({
          decision: spamDecisions,
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
          conversationId: conversations.id,
          message: { text: messages.text, createdAt: messages.createdAt },
        })
        .from(spamDecisions)
        .innerJoin(contacts, and(eq(contacts.workspaceId, spamDecisions.workspaceId), eq(contacts.id, spamDecisions.contactId)))
        .leftJoin(conversations, and(eq(conversations.workspaceId, spamDecisions.workspaceId), eq(conversations.contactId, spamDecisions.contactId)))
        .leftJoin(messages, and(eq(messages.workspaceId, spamDecisions.workspaceId), eq(messages.id, spamDecisions.messageId)))
        .where(and(...conditions))
        .orderBy(desc(spamDecisions.createdAt), desc(spamDecisions.id))
        .limit(limit);
    },
  };
}
