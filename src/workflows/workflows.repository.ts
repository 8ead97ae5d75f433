import { and, desc, eq, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { channels, contacts, conversations, customFields, tags, teamMembers, teams, users, workflowRuns, workflowVersions, workflows } from '../platform/db/schema.js';

export type WorkflowRow = typeof workflows.$inferSelect;
export type RunRow = typeof workflowRuns.$inferSelect;
export type RunStatus = RunRow['status'];

export function createWorkflowsRepository(db: Db) {
  return {
    async insert(row: typeof workflows.$inferInsert, version: typeof workflowVersions.$inferInsert) {
      await db.insert(workflows).values(row);
      await db.insert(workflowVersions).values(version);
    },

    async find(workspaceId: string, id: string, options: { forUpdate?: boolean } = {}) {
      const query = db
        .select()
        .from(workflows)
        .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.id, id)));
      const [row] = options.forUpdate ? await query.for('update') : await query;
      return row;
    },

    async list(workspaceId: string, limit: number, after?: [string, string]) {
      return db
        .select()
        .from(workflows)
        .where(and(eq(workflows.workspaceId, workspaceId), after ? or(sql`${workflows.createdAt} < ${after[0]}::timestamptz`, and(sql`${workflows.createdAt} = ${after[0]}::timestamptz`, lt(workflows.id, after[1]))) : undefined))
        .orderBy(desc(workflows.createdAt), desc(workflows.id))
        .limit(limit);
    },

    async update(workspaceId: string, id: string, patch: Partial<typeof workflows.$inferInsert>) {
      const [row] = await db
        .update(workflows)
        .set(patch)
        .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.id, id)))
        .returning();
      return row;
    },

    async insertVersion(version: typeof workflowVersions.$inferInsert) {
      await db.insert(workflowVersions).values(version);
    },

    async version(workflowId: string, version: number) {
      const [row] = await db
        .select()
        .from(workflowVersions)
        .where(and(eq(workflowVersions.workflowId, workflowId), eq(workflowVersions.version, version)));
      return row;
    },

    async remove(workspaceId: string, id: string) {
      const removed = await db
        .delete(workflows)
        .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.id, id)))
        .returning({ id: workflows.id });
      return removed.length > 0;
    },

    /** Every workflow of the workspace with its current definition: what trigger matching keeps in memory. */
    async allWithDefinitions(workspaceId: string) {
      return db
        .select({ workflow: workflows, definition: workflowVersions.definition })
        .from(workflows)
        .innerJoin(workflowVersions, and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, workflows.version)))
        .where(eq(workflows.workspaceId, workspaceId));
    },

    /** Whether any version of any of the workspace's workflows waits for a reply: only then can a run wait for one. */
    async anyWaitsForReply(workspaceId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: workflowVersions.workflowId })
        .from(workflowVersions)
        .where(and(eq(workflowVersions.workspaceId, workspaceId), sql`${workflowVersions.definition}::text like '%"wait_for_reply"%'`))
        .limit(1);
      return row !== undefined;
    },

    async enabledWithTrigger(workspaceId: string, triggerTypes: string[]) {
      return db
        .select({ workflow: workflows, definition: workflowVersions.definition })
        .from(workflows)
        .innerJoin(workflowVersions, and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, workflows.version)))
        .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.enabled, true), inArray(workflows.triggerType, triggerTypes)));
    },

    /**
     * A run once per workflow and cause: undefined when another instance (or event) made it already.
     * A workflow started `loop.bound` times for the contact since `loop.since` is looping: the run is
     * made stopped, with the reason, in the same statement.
     */
    async insertRun(row: typeof workflowRuns.$inferInsert & { createdAt: Date }, loop: { since: Date; bound: number; reason: (count: SQL) => SQL }) {
      const recent = sql`(select count(*) from workflow_runs where workflow_id = ${row.workflowId} and contact_id = ${row.contactId} and created_at > ${loop.since})`;
      const looping = sql`${recent} >= ${loop.bound}`;
      const [run] = await db
        .insert(workflowRuns)
        .values({
          ...row,
          status: sql`case when ${looping} then 'stopped' else ${row.status}::text end`,
          reason: sql`case when ${looping} then ${loop.reason(recent)} end`,
          finishedAt: sql`case when ${looping} then ${row.createdAt}::timestamptz end`,
          leaseOwner: sql`case when ${looping} then null else ${row.leaseOwner ?? null}::text end`,
          leaseUntil: sql`case when ${looping} then null else ${row.leaseUntil ?? null}::timestamptz end`,
        })
        .onConflictDoNothing()
        .returning();
      return run;
    },

    async findRun(workspaceId: string | null, id: string) {
      const [row] = await db
        .select()
        .from(workflowRuns)
        .where(and(eq(workflowRuns.id, id), workspaceId ? eq(workflowRuns.workspaceId, workspaceId) : undefined));
      return row;
    },

    async runs(workspaceId: string, workflowId: string, limit: number, after?: [string, string]) {
      return db
        .select()
        .from(workflowRuns)
        .where(
          and(
            eq(workflowRuns.workspaceId, workspaceId),
            eq(workflowRuns.workflowId, workflowId),
            after ? or(sql`${workflowRuns.createdAt} < ${after[0]}::timestamptz`, and(sql`${workflowRuns.createdAt} = ${after[0]}::timestamptz`, lt(workflowRuns.id, after[1]))) : undefined,
          ),
        )
        .orderBy(desc(workflowRuns.createdAt), desc(workflowRuns.id))
        .limit(limit);
    },

    /**
     * Compare-and-set on the run: applies only while the run is where the caller saw it and, for a
     * running run, while the caller's process holds it.
     */
    async moveRun(id: string, expect: { seq: number; status: RunStatus; owner?: string }, patch: Partial<typeof workflowRuns.$inferInsert>) {
      const [row] = await db
        .update(workflowRuns)
        .set(patch)
        .where(and(eq(workflowRuns.id, id), eq(workflowRuns.seq, expect.seq), eq(workflowRuns.status, expect.status), expect.owner ? eq(workflowRuns.leaseOwner, expect.owner) : undefined))
        .returning();
      return row;
    },

    /**
     * Begins instruction `seq` of a run this process holds (renewing its lease); false when the run
     * moved on, ended (a block, a deletion) or went to another process.
     */
    async beginStep(id: string, seq: number, owner: string, leaseUntil: Date) {
      const rows = await db
        .update(workflowRuns)
        .set({ begunSeq: seq, leaseUntil })
        .where(and(eq(workflowRuns.id, id), eq(workflowRuns.seq, seq), eq(workflowRuns.status, 'running'), eq(workflowRuns.leaseOwner, owner), lt(workflowRuns.begunSeq, seq)))
        .returning({ id: workflowRuns.id });
      return rows.length > 0;
    },

    /**
     * Claims up to `limit` runs for `owner` until `leaseUntil`: waits that came due, oldest first, and
     * running runs nobody holds (their process died, or none was running when they started).
     */
    async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number) {
      return db
        .update(workflowRuns)
        .set({ leaseOwner: owner, leaseUntil })
        .where(
          sql`${workflowRuns.id} in (
            with due as (
              select id from workflow_runs
              where status = 'waiting' and wait_until <= ${now} and (lease_until is null or lease_until < ${now})
              order by wait_until limit ${limit} for update skip locked
            ), stale as (
              select id from workflow_runs
              where status = 'running' and (lease_until is null or lease_until < ${now})
              limit ${limit} for update skip locked
            )
            select id from due union all select id from stale)`,
        )
        .returning();
    },

    /** Lets go of runs this process claimed and never began, for another to take at once. */
    async release(owner: string, ids: string[]) {
      if (ids.length === 0) return;
      await db
        .update(workflowRuns)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(inArray(workflowRuns.id, ids), eq(workflowRuns.leaseOwner, owner)));
    },

    async stopRunsOfContacts(workspaceId: string, contactIds: string[], reason: string, at: Date) {
      if (contactIds.length === 0) return [];
      return db
        .update(workflowRuns)
        .set({ status: 'stopped', reason, waitingFor: null, leaseOwner: null, leaseUntil: null, updatedAt: at, finishedAt: at })
        .where(and(eq(workflowRuns.workspaceId, workspaceId), inArray(workflowRuns.contactId, contactIds), inArray(workflowRuns.status, ['running', 'waiting'])))
        .returning({ id: workflowRuns.id });
    },

    /** The contact's runs whose send_message step sent this message. */
    async runsThatSent(workspaceId: string, contactId: string, messageId: string) {
      return db
        .select()
        .from(workflowRuns)
        .where(
          and(
            eq(workflowRuns.workspaceId, workspaceId),
            eq(workflowRuns.contactId, contactId),
            sql`${workflowRuns.steps} @> ${JSON.stringify([{ type: 'send_message', result: messageId }])}::jsonb`,
          ),
        );
    },

    async runsWaitingForReply(workspaceId: string, contactId: string) {
      return db
        .select()
        .from(workflowRuns)
        .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.contactId, contactId), eq(workflowRuns.status, 'waiting'), eq(workflowRuns.waitingFor, 'reply')));
    },

    // What a definition names, checked at save; what a condition reads, at run time.
    async tagNames(workspaceId: string) {
      return (await db.select({ name: tags.name }).from(tags).where(eq(tags.workspaceId, workspaceId))).map((r) => r.name);
    },
    async customFieldKeys(workspaceId: string) {
      return (await db.select({ key: customFields.key }).from(customFields).where(eq(customFields.workspaceId, workspaceId))).map((r) => r.key);
    },
    async userIds(workspaceId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return (await db.select({ id: users.id }).from(users).where(and(eq(users.workspaceId, workspaceId), inArray(users.id, ids)))).map((r) => r.id);
    },
    async teamIds(workspaceId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return (await db.select({ id: teams.id }).from(teams).where(and(eq(teams.workspaceId, workspaceId), inArray(teams.id, ids)))).map((r) => r.id);
    },
    async teamMemberIds(workspaceId: string, teamId: string) {
      return (
        await db
          .select({ userId: teamMembers.userId })
          .from(teamMembers)
          .innerJoin(teams, eq(teams.id, teamMembers.teamId))
          .where(and(eq(teams.workspaceId, workspaceId), eq(teamMembers.teamId, teamId)))
      )
        .map((r) => r.userId)
        .sort();
    },
    /** An owner of the workspace: the author of a workflow's actions when its own author is gone. */
    async anOwner(workspaceId: string) {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.workspaceId, workspaceId), eq(users.role, 'owner')))
        .limit(1);
      return row?.id;
    },
    async conversationOf(workspaceId: string, contactId: string) {
      const [row] = await db
        .select({ id: conversations.id, status: conversations.status, openedAt: conversations.openedAt, channelType: channels.type, contactId: conversations.contactId })
        .from(conversations)
        .leftJoin(channels, eq(channels.id, conversations.lastChannelId))
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.contactId, contactId)));
      return row;
    },
    async contactState(workspaceId: string, id: string) {
      const [row] = await db
        .select({ blockedAt: contacts.blockedAt, quarantinedAt: contacts.quarantinedAt })
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id)));
      return row;
    },
    async rememberRoundRobin(id: string, teamId: string, userId: string) {
      await db.execute(sql`update workflows set round_robin = round_robin || ${JSON.stringify({ [teamId]: userId })}::jsonb where id = ${id}`);
    },
    async conversation(workspaceId: string, id: string) {
      const [row] = await db
        .select({ id: conversations.id, contactId: conversations.contactId, openedAt: conversations.openedAt })
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), eq(conversations.id, id)));
      return row;
    },
  };
}
