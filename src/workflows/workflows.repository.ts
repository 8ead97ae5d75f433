import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { channels, contacts, conversations, customFields, tags, teamMembers, teams, users, workflowRuns, workflowStepLog, workflowVersions, workflows } from '../platform/db/schema.js';

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

    /** Enabled workflows of the workspace with one of these triggers, with their current definition. */
    /** Whether the workspace has any workflow, enabled or not (runs belong to one: none, no runs). */
    async anyWorkflow(workspaceId: string): Promise<boolean> {
      const [row] = await db.select({ id: workflows.id }).from(workflows).where(eq(workflows.workspaceId, workspaceId)).limit(1);
      return row !== undefined;
    },

    async enabledWithTrigger(workspaceId: string, triggerTypes: string[]) {
      return db
        .select({ workflow: workflows, definition: workflowVersions.definition })
        .from(workflows)
        .innerJoin(workflowVersions, and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, workflows.version)))
        .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.enabled, true), inArray(workflows.triggerType, triggerTypes)));
    },

    /** A run once per workflow and cause: undefined when another instance (or event) made it already. */
    async insertRun(row: typeof workflowRuns.$inferInsert) {
      const [run] = await db.insert(workflowRuns).values(row).onConflictDoNothing().returning();
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

    async recentRunCount(workflowId: string, contactId: string, since: Date) {
      const result = await db.execute(
        sql`select count(*)::int as n from workflow_runs where workflow_id = ${workflowId} and contact_id = ${contactId} and created_at > ${since}`,
      );
      return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
    },

    /** Compare-and-set on the run: applies only while the run is where the caller saw it. */
    async moveRun(id: string, expect: { seq: number; status: RunStatus }, patch: Partial<typeof workflowRuns.$inferInsert>) {
      const [row] = await db
        .update(workflowRuns)
        .set(patch)
        .where(and(eq(workflowRuns.id, id), eq(workflowRuns.seq, expect.seq), eq(workflowRuns.status, expect.status)))
        .returning();
      return row;
    },

    /** Begins instruction `seq` of the run; false when it was begun before (a worker died in it). */
    async beginStep(runId: string, seq: number, at: Date) {
      const rows = await db.insert(workflowStepLog).values({ runId, seq, startedAt: at }).onConflictDoNothing().returning({ seq: workflowStepLog.seq });
      return rows.length > 0;
    },

    async stopRunsOfContacts(workspaceId: string, contactIds: string[], reason: string, at: Date) {
      if (contactIds.length === 0) return [];
      return db
        .update(workflowRuns)
        .set({ status: 'stopped', reason, waitingFor: null, updatedAt: at, finishedAt: at })
        .where(and(eq(workflowRuns.workspaceId, workspaceId), inArray(workflowRuns.contactId, contactIds), inArray(workflowRuns.status, ['running', 'waiting'])))
        .returning({ id: workflowRuns.id });
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
