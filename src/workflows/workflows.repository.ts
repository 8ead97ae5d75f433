import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';
import { channels, contacts, conversations, customFields, tags, teamMembers, teams, users, workflowRuns, workflowVersions, workflows } from '../platform/db/schema.js';

export type WorkflowRow = typeof workflows.$inferSelect;
export type RunRow = typeof workflowRuns.$inferSelect;
export type RunStatus = RunRow['status'];

/** A run to make: what startRun knows, and since when its earlier runs count towards a loop. */
export type NewRun = Pick<RunRow, 'id' | 'workspaceId' | 'workflowId' | 'version' | 'contactId' | 'conversationId' | 'triggerKey' | 'startedBy' | 'context' | 'leaseOwner' | 'leaseUntil' | 'createdAt'> & {
  loopSince: Date;
};

/** Where a run moves: every column a step changes, with the values it has next. */
export type RunMove = {
  id: string;
  seq: number;
  next: Pick<RunRow, 'seq' | 'pc' | 'status' | 'reason' | 'context' | 'steps' | 'waitingFor' | 'waitUntil' | 'leaseOwner' | 'leaseUntil' | 'updatedAt' | 'finishedAt'>;
};

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const timeColumns = new Set(['waitUntil', 'leaseUntil', 'createdAt', 'updatedAt', 'finishedAt']);

/** A run as raw SQL answers it (snake case, times as the driver gives them), as drizzle's own queries answer it. */
function toRun(raw: Record<string, unknown>): RunRow {
  const run: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = camelCase(key);
    run[name] = timeColumns.has(name) && typeof value === 'string' ? new Date(value) : value;
  }
  return run as RunRow;
}

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
     * Many runs in one statement (group commit), each once per workflow and cause; each made
     * stopped, with the reason, when its workflow started `loop.bound` times for the contact since
     * `since`. Answers the rows made, by id (a run another instance made already is missing).
     */
    async insertRuns(rows: NewRun[], loop: { bound: number }): Promise<Map<string, RunRow>> {
      if (rows.length === 0) return new Map();
      const input = rows.map((row) => ({
        id: row.id,
        workspace_id: row.workspaceId,
        workflow_id: row.workflowId,
        version: row.version,
        contact_id: row.contactId,
        conversation_id: row.conversationId,
        trigger_key: row.triggerKey,
        started_by: row.startedBy,
        context: row.context,
        lease_owner: row.leaseOwner,
        lease_until: row.leaseUntil?.toISOString() ?? null,
        since: row.loopSince.toISOString(),
        created_at: row.createdAt.toISOString(),
      }));
      const result = await db.execute(sql`
        insert into workflow_runs (id, workspace_id, workflow_id, version, contact_id, conversation_id, trigger_key, started_by, context,
                                   status, reason, finished_at, lease_owner, lease_until, created_at, updated_at)
        select m.id, m.workspace_id, m.workflow_id, m.version, m.contact_id, m.conversation_id, m.trigger_key, m.started_by, m.context,
               case when l.n >= ${loop.bound} then 'stopped' else 'running' end,
               case when l.n >= ${loop.bound} then 'loop: started ' || l.n || ' times within a minute for this contact' end,
               case when l.n >= ${loop.bound} then m.created_at end,
               case when l.n >= ${loop.bound} then null else m.lease_owner end,
               case when l.n >= ${loop.bound} then null else m.lease_until end,
               m.created_at, m.created_at
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as m(id uuid, workspace_id uuid, workflow_id uuid, version int, contact_id uuid,
               conversation_id uuid, trigger_key text, started_by uuid, context jsonb, lease_owner text, lease_until timestamptz,
               since timestamptz, created_at timestamptz)
        cross join lateral (select count(*) as n from workflow_runs r where r.workflow_id = m.workflow_id and r.contact_id = m.contact_id and r.created_at > m.since) l
        on conflict do nothing
        returning *`);
      return new Map(rowsOf<Record<string, unknown>>(result).map((raw) => toRun(raw)).map((run) => [run.id, run]));
    },

    /**
     * Compare-and-set on many runs in one statement: each moves to its `next` values only while it
     * is at `seq` with `status` and held by `owner`. Answers the rows that moved.
     */
    async moveRuns(owner: string, status: RunStatus, moves: RunMove[]): Promise<RunRow[]> {
      if (moves.length === 0) return [];
      const input = moves.map(({ id, seq, next }) => ({
        id,
        expected: seq,
        seq: next.seq,
        pc: next.pc,
        status: next.status,
        reason: next.reason,
        context: next.context,
        steps: next.steps,
        waiting_for: next.waitingFor,
        wait_until: next.waitUntil?.toISOString() ?? null,
        lease_owner: next.leaseOwner,
        lease_until: next.leaseUntil?.toISOString() ?? null,
        updated_at: next.updatedAt.toISOString(),
        finished_at: next.finishedAt?.toISOString() ?? null,
      }));
      const result = await db.execute(sql`
        update workflow_runs r set seq = m.seq, pc = m.pc, status = m.status, reason = m.reason, context = m.context, steps = m.steps,
               waiting_for = m.waiting_for, wait_until = m.wait_until, lease_owner = m.lease_owner, lease_until = m.lease_until,
               updated_at = m.updated_at, finished_at = m.finished_at
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as m(id uuid, expected int, seq int, pc int, status text, reason text,
               context jsonb, steps jsonb, waiting_for text, wait_until timestamptz, lease_owner text, lease_until timestamptz,
               updated_at timestamptz, finished_at timestamptz)
        where r.id = m.id and r.seq = m.expected and r.status = ${status} and r.lease_owner = ${owner}
        returning r.*`);
      return rowsOf<Record<string, unknown>>(result).map(toRun);
    },

    /** Begins the step at `seq` of many runs this process holds (see beginStep); answers the ids begun. */
    async beginSteps(owner: string, runs: Array<{ id: string; seq: number }>, leaseUntil: Date): Promise<Set<string>> {
      if (runs.length === 0) return new Set();
      const result = await db.execute(sql`
        update workflow_runs r set begun_seq = r.seq, lease_until = ${leaseUntil.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) as m(id uuid, seq int)
        where r.id = m.id and r.seq = m.seq and r.status = 'running' and r.lease_owner = ${owner} and r.begun_seq < r.seq
        returning r.id`);
      return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    },

    /** The conversation of each of these contacts (a contact has one at most). */
    async conversationsOf(workspaceId: string, contactIds: readonly string[]): Promise<Map<string, string>> {
      if (contactIds.length === 0) return new Map();
      const rows = await db
        .select({ id: conversations.id, contactId: conversations.contactId })
        .from(conversations)
        .where(and(eq(conversations.workspaceId, workspaceId), inArray(conversations.contactId, [...new Set(contactIds)])));
      return new Map(rows.map((row) => [row.contactId, row.id]));
    },

    async findRun(workspaceId: string, id: string) {
      const [row] = await db
        .select()
        .from(workflowRuns)
        .where(and(eq(workflowRuns.id, id), eq(workflowRuns.workspaceId, workspaceId)));
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

    /** Compare-and-set on a run nobody needs to hold (a reply, a late refusal): applies only while it is where the caller saw it. */
    async moveRun(id: string, expect: { seq: number; status: RunStatus }, patch: Partial<typeof workflowRuns.$inferInsert>) {
      const [row] = await db
        .update(workflowRuns)
        .set(patch)
        .where(and(eq(workflowRuns.id, id), eq(workflowRuns.seq, expect.seq), eq(workflowRuns.status, expect.status)))
        .returning();
      return row;
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
      const sent = JSON.stringify([{ type: 'send_message', result: messageId }]);
      return db.select().from(workflowRuns).where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.contactId, contactId), sql`${workflowRuns.steps} @> ${sent}::jsonb`));
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
    /**
     * The next of `online` (sorted) after whom the workflow assigned last for the team, remembered as
     * the last: one at a time for the workflow (its row locked), whichever process or run asks.
     */
    async nextRoundRobin(id: string, teamId: string, online: string[]): Promise<string | undefined> {
      return db.transaction(async (tx) => {
        const [row] = await tx.select({ roundRobin: workflows.roundRobin }).from(workflows).where(eq(workflows.id, id)).for('update');
        if (!row) return undefined;
        const last = row.roundRobin[teamId];
        const next = online.find((userId) => last !== undefined && userId > last) ?? online[0]!;
        await tx.execute(sql`update workflows set round_robin = round_robin || ${JSON.stringify({ [teamId]: next })}::jsonb where id = ${id}`);
        return next;
      });
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
