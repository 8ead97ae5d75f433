import { z } from 'zod';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { MessagesService } from '../messages/messages.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { EventBus, DomainEvent } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, conflict, notFound } from '../platform/errors.js';
import { createBoundedCache } from '../platform/bounded-cache.js';
import { createGroupCommit } from '../platform/group-commit.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logging.js';
import { OutboundRefused, outboundRequest } from '../platform/outbound-http.js';
import { cursorPart, decodeCursor, page } from '../platform/pagination.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import {
  checkDefinition,
  compile,
  type Definition,
  evaluate,
  type Instruction,
  messageMatches,
  renderText,
  type Step,
  touchesContact,
  type TriggerType,
  walkConditions,
  walkSteps,
} from './workflow-definition.rules.js';
import { createWorkflowsRepository, type NewRun, type RunMove, type RunRow, type WorkflowRow } from './workflows.repository.js';

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;

/** `task` for each item, at most `limit` at a time; the results in the items' order. */
async function inTurn<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!);
      }
    }),
  );
  return results;
}

/** A workflow started this often for one contact within LOOP_WINDOW_MS is looping: the next run stops at once. */
export const LOOP_BOUND = 10;
const LOOP_WINDOW_MS = 60_000;
/** Instructions a process executes in a row before it lets the run go for the poller to pick up again. */
const SLICE = 500;
/** How long a process holds a run it advances; each step renews it. A run whose holder died is claimed after it. */
const LEASE_MS = 30_000;
/** How often a process looks for waits that came due and runs nobody holds. */
const POLL_MS = 250;
/** Hands a process advances runs with at once: each holds one database connection at a time. */
const RUN_CONCURRENCY = Number(process.env.WORKFLOW_CONCURRENCY ?? 4);
/** Runs one hand takes together: those at the same step take it in one statement where the step allows. */
const BATCH = 100;
/** Runs of one batch that do a step one by one (a message, an HTTP request) do it this many at a time. */
const ONE_BY_ONE = 4;
/** Runs a process keeps claimed ahead of its free hands; past this, new runs wait in their rows for the poller. */
const READY_MAX = 2000;
/** How long a process trusts a user it loaded to act as (a workflow's author); any change of the workspace's users forgets it. */
const ACTOR_TTL_MS = 60_000;
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_MAX_BYTES = 256 * 1024;

export type WorkflowInput = { name: string; trigger: unknown; steps: unknown; enabled?: boolean };
export type WorkflowPatch = { name?: string; trigger?: unknown; steps?: unknown; enabled?: boolean };

type StepRecord = { type: string; path: string; status: 'completed' | 'failed' | 'waiting' | 'skipped'; at: string; error?: string; result?: string };
type RunContext = { trigger?: Record<string, unknown>; vars?: Record<string, unknown>; replied?: boolean; replyAt?: number; shortcut?: boolean };

type ContactItem = Awaited<ReturnType<ContactsService['get']>>;

/** What executing one instruction decided. */
type Outcome = {
  record?: Omit<StepRecord, 'at'>;
  /** The contact as the step left it. */
  contact?: ContactItem;
  pc: number;
  context?: RunContext;
  end?: { status: 'completed' | 'stopped' | 'failed'; reason?: string };
  wait?: { until: Date; for: 'time' | 'reply' };
};

const cursorShape = z.tuple([cursorPart.time, cursorPart.id]);

export function publicWorkflow(row: WorkflowRow, definition: Record<string, unknown>) {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    version: row.version,
    trigger: definition.trigger,
    steps: definition.steps,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function publicRun(row: RunRow) {
  return {
    id: row.id,
    workflowId: row.workflowId,
    version: row.version,
    contactId: row.contactId,
    conversationId: row.conversationId,
    status: row.status,
    reason: row.reason,
    steps: row.steps,
    waitUntil: row.waitUntil,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

const invalid = (field: string, message: string) => badRequest('invalid_workflow', message, { field });

/**
 * Steps that leave the same state when done twice (a tag added is there once, an assignee is set):
 * after a crash they are simply done again. Any other step (a message, a comment, an HTTP request)
 * is begun in the run's row before it acts and is never begun twice.
 */
const REPEATABLE = new Set<Step['type']>(['add_tag', 'remove_tag', 'update_field', 'assign', 'open_conversation', 'close_conversation', 'wait', 'wait_for_reply', 'branch', 'stop']);

/** How long a process trusts what it knows of a workspace's workflows, should an event be lost. */
const KNOWN_TTL_MS = 30_000;
/** A refusal that comes while the run that sent the message is advancing waits this long, this often, for it. */
const LATE_FAILURE_ATTEMPTS = 20;
const LATE_FAILURE_RETRY_MS = 250;
const TRIGGER_EVENTS = new Set(['message.created', 'message.updated', 'conversation.opened', 'contact.created', 'contact.updated', 'contacts.updated', 'contact.deleted', 'contacts.deleted']);

/**
 * Workflows (SPEC §5): definitions with versions, triggers matched in memory from domain events
 * after commit, and runs that are rows held by one process at a time (a lease). A run executes the
 * version it started on; each instruction is begun once (the run's begun_seq), so nothing runs
 * twice whatever crashes; a waiting run is a row, costing nothing until a poll claims it due.
 */
export function createWorkflowsService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  workspace: WorkspaceService;
  contacts: ContactsService;
  conversations: ConversationsService;
  messages: MessagesService;
  /** Whether a user is online now (round-robin assignment picks among those). */
  isOnline: (userId: string) => boolean;
}) {
  const { db, bus, clock, logger, workspace, contacts, conversations, messages } = deps;
  const repository = createWorkflowsRepository(db);
  const programs = new Map<string, { definition: Definition; program: Instruction[] }>();

  async function programOf(workflowId: string, version: number) {
    const key = `${workflowId}:${version}`;
    const cached = programs.get(key);
    if (cached) return cached;
    const row = await repository.version(workflowId, version);
    if (!row) return undefined;
    const definition = row.definition as unknown as Definition;
    const compiled = { definition, program: compile(definition.steps) };
    if (programs.size > 5000) programs.clear();
    programs.set(key, compiled);
    return compiled;
  }

  /** Shape first, then what the definition names must exist in the workspace. */
  async function checked(workspaceId: string, input: { trigger?: unknown; steps?: unknown }): Promise<Definition> {
    const result = checkDefinition(input);
    if (!result.ok) throw invalid(result.problem.field, result.problem.message);
    const definition = result.value;
    const tagNames = new Set((await repository.tagNames(workspaceId)).map((t) => t.toLowerCase()));
    const fieldKeys = new Set(await repository.customFieldKeys(workspaceId));
    const tagExists = (tag: string, at: string) => {
      if (!tagNames.has(tag.toLowerCase())) throw invalid(at, `${at}: no tag "${tag}" in this workspace`);
    };
    const fieldExists = (field: string, at: string) => {
      if (field.startsWith('customFields.') && !fieldKeys.has(field.slice('customFields.'.length))) throw invalid(at, `${at}: no custom field "${field.slice(13)}" in this workspace`);
    };
    const { trigger } = definition;
    if (trigger.type === 'tag_added' || trigger.type === 'tag_removed') tagExists(trigger.tag, 'trigger.tag');
    if (trigger.type === 'contact_field_changed') fieldExists(trigger.field, 'trigger.field');
    const userRefs: Array<{ id: string; at: string }> = [];
    const teamRefs: Array<{ id: string; at: string }> = [];
    for (const { step, at } of walkSteps(definition.steps)) {
      if (step.type === 'add_tag' || step.type === 'remove_tag') tagExists(step.tag, `${at}.tag`);
      if (step.type === 'update_field') fieldExists(step.field, `${at}.field`);
      if (step.type === 'assign') {
        if (step.userId) userRefs.push({ id: step.userId, at: `${at}.userId` });
        if (step.teamId) teamRefs.push({ id: step.teamId, at: `${at}.teamId` });
      }
      if (step.type === 'branch') {
        for (const { condition, at: place } of walkConditions(step.if, `${at}.if`)) {
          if (condition.type === 'tag') tagExists(condition.tag, `${place}.tag`);
          if (condition.type === 'field') fieldExists(condition.field, `${place}.field`);
        }
      }
    }
    const users = new Set(await repository.userIds(workspaceId, userRefs.map((r) => r.id)));
    for (const ref of userRefs) if (!users.has(ref.id)) throw invalid(ref.at, `${ref.at}: no such user in this workspace`);
    const teams = new Set(await repository.teamIds(workspaceId, teamRefs.map((r) => r.id)));
    for (const ref of teamRefs) if (!teams.has(ref.id)) throw invalid(ref.at, `${ref.at}: no such team in this workspace`);
    return definition;
  }

  async function requireWorkflow(workspaceId: string, id: string) {
    const row = await repository.find(workspaceId, id);
    if (!row) throw notFound('Workflow');
    return row;
  }

  async function withDefinition(row: WorkflowRow) {
    const version = await repository.version(row.id, row.version);
    return publicWorkflow(row, version?.definition ?? {});
  }

  // ---------------------------------------------------------------- starting runs

  /** Runs started at the same moment (a flood of messages) are made by one statement. */
  const insertRun = createGroupCommit(
    async (rows: NewRun[]) => {
      const made = await repository.insertRuns(rows, { bound: LOOP_BOUND });
      return rows.map((row) => made.get(row.id));
    },
    { maxBatch: BATCH, concurrency: 2 },
  );

  async function startRun(input: {
    workflow: WorkflowRow;
    contactId: string;
    conversationId: string | null;
    triggerKey: string;
    trigger: Record<string, unknown>;
    startedBy?: string | null;
    shortcut?: boolean;
  }): Promise<RunRow | undefined> {
    const { workflow, contactId } = input;
    const now = clock.now();
    // Advanced here at once, unless this process does not run workflows or has more than it can take: then the poller claims it.
    const inline = runner.running && runner.ready.length < READY_MAX;
    const run = await insertRun({
      id: newId(),
      workspaceId: workflow.workspaceId,
      workflowId: workflow.id,
      version: workflow.version,
      contactId,
      conversationId: input.conversationId,
      triggerKey: input.triggerKey,
      startedBy: input.startedBy ?? null,
      context: { trigger: input.trigger, vars: {}, ...(input.shortcut ? { shortcut: true } : {}) },
      leaseOwner: inline ? runner.owner : null,
      leaseUntil: inline ? new Date(now.getTime() + LEASE_MS) : null,
      createdAt: now,
      loopSince: new Date(now.getTime() - LOOP_WINDOW_MS),
    });
    if (run && run.status === 'running' && inline) runner.hand(run);
    return run;
  }

  /*
   * Each workspace's workflows with their current definitions, remembered per process: triggers
   * are matched in memory, so an event that starts nothing (most events of most workspaces) costs
   * no query. A change of the workspace's workflows, on any instance, reaches every process as an
   * event and forgets them; a read begun before that event is not kept (the generation moved).
   */
  type Known = {
    byId: Map<string, WorkflowRow>;
    enabled: Array<{ workflow: WorkflowRow; definition: Definition }>;
    /** Whether a run of the workspace can be waiting for a reply (some version has the step). */
    waitsForReply: boolean;
  };
  const known = createBoundedCache<string, Known>({ max: 10_000, ttlMs: KNOWN_TTL_MS });
  const generations = new Map<string, number>();
  async function workflowsOf(workspaceId: string): Promise<Known> {
    const cached = known.get(workspaceId);
    if (cached) return cached;
    const generation = generations.get(workspaceId) ?? 0;
    const rows = await repository.allWithDefinitions(workspaceId);
    const value: Known = {
      byId: new Map(rows.map((row) => [row.workflow.id, row.workflow])),
      enabled: rows.filter((row) => row.workflow.enabled).map((row) => ({ workflow: row.workflow, definition: row.definition as unknown as Definition })),
      waitsForReply: rows.length > 0 && (await repository.anyWaitsForReply(workspaceId)),
    };
    if ((generations.get(workspaceId) ?? 0) === generation) known.set(workspaceId, value);
    return value;
  }

  /**
   * Runs every enabled workflow of these triggers that `matches`, for the contact. `reachable`: the
   * event itself shows the contact neither blocked nor held back as spam (a message announced).
   */
  async function trigger(input: {
    workspaceId: string;
    types: TriggerType[];
    contactId: string;
    key: string;
    matches: (definition: Definition) => boolean;
    data: Record<string, unknown>;
    conversationId?: string | null;
    reachable?: boolean;
  }) {
    const { workspaceId, contactId } = input;
    const chosen = (await workflowsOf(workspaceId)).enabled.filter(({ workflow, definition }) => input.types.includes(workflow.triggerType as TriggerType) && input.matches(definition));
    if (chosen.length === 0) return;
    // Spam held back and blocked contacts trigger nothing (SPEC §2.6 item 2).
    if (!input.reachable) {
      const state = await repository.contactState(workspaceId, contactId);
      if (!state || state.blockedAt || state.quarantinedAt) return;
    }
    const conversationId = input.conversationId !== undefined ? input.conversationId : ((await repository.conversationOf(workspaceId, contactId))?.id ?? null);
    for (const { workflow } of chosen) {
      await startRun({ workflow, contactId, conversationId, triggerKey: input.key, trigger: input.data });
    }
  }

  async function onEvent(event: DomainEvent) {
    const { workspaceId, data } = event;
    switch (event.type) {
      case 'message.created': {
        const message = data.message as {
          id: string;
          direction: string;
          type: string;
          hidden: boolean;
          text: string | null;
          conversationId: string;
          channelId: string | null;
          content?: { autoReply?: boolean } | null;
        };
        if (message.direction !== 'in' || message.type !== 'message' || message.hidden) return;
        // An out-of-office answer (email's Auto-Submitted and kin) is neither a trigger nor the contact's reply.
        if (message.content?.autoReply === true) return;
        // A message is announced only when its contact is neither blocked nor held back as spam, and names its contact.
        let contactId = data.contactId as string | undefined;
        if (!contactId) {
          const conversation = await repository.conversation(workspaceId, message.conversationId);
          const state = conversation && (await repository.contactState(workspaceId, conversation.contactId));
          if (!conversation || !state || state.blockedAt || state.quarantinedAt) return;
          contactId = conversation.contactId;
        }
        if ((await workflowsOf(workspaceId)).waitsForReply) await resumeOnReply(workspaceId, contactId);
        const text = message.text ?? '';
        await trigger({
          workspaceId,
          types: ['message_received'],
          contactId,
          key: `message:${message.id}`,
          matches: (d) => d.trigger.type === 'message_received' && messageMatches(d.trigger, text),
          data: { type: 'message_received', messageId: message.id, text },
          conversationId: message.conversationId,
          reachable: true,
        });
        return;
      }
      case 'message.updated': {
        // A provider refused a message a workflow sent, after the step had handed it over.
        const message = data.message as { id: string; direction: string; status: string; error: string | null; errorCode: string | null };
        const contactId = data.contactId as string | undefined;
        if (message.direction !== 'out' || message.status !== 'failed' || !contactId) return;
        await failSentStep(workspaceId, contactId, message);
        return;
      }
      case 'conversation.opened': {
        const conversation = await repository.conversation(workspaceId, data.conversationId as string);
        if (!conversation) return;
        await trigger({
          workspaceId,
          types: ['conversation_opened'],
          contactId: conversation.contactId,
          key: `opened:${conversation.id}:${conversation.openedAt?.toISOString() ?? ''}`,
          matches: (d) => d.trigger.type === 'conversation_opened',
          data: { type: 'conversation_opened' },
          conversationId: conversation.id,
        });
        return;
      }
      case 'contact.updated': {
        const contact = data.contact as { id: string; updatedAt: string | Date };
        const changed = (data.changed as string[] | undefined) ?? [];
        const added = ((data.tagsAdded as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        const removed = ((data.tagsRemoved as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        const at = new Date(contact.updatedAt).toISOString();
        await trigger({
          workspaceId,
          types: ['tag_added', 'tag_removed', 'contact_field_changed'],
          contactId: contact.id,
          key: `contact:${contact.id}:${at}`,
          matches: ({ trigger: t }) =>
            (t.type === 'tag_added' && added.includes(t.tag.toLowerCase())) ||
            (t.type === 'tag_removed' && removed.includes(t.tag.toLowerCase())) ||
            (t.type === 'contact_field_changed' && changed.includes(t.field)),
          data: { type: 'contact_updated', changed, tagsAdded: data.tagsAdded ?? [], tagsRemoved: data.tagsRemoved ?? [] },
        });
        return;
      }
      case 'contact.created': {
        // A contact made with tags has had them added.
        const contact = data.contact as { id: string; tags?: string[] };
        const added = (contact.tags ?? []).map((t) => t.toLowerCase());
        if (added.length === 0) return;
        await trigger({
          workspaceId,
          types: ['tag_added'],
          contactId: contact.id,
          key: `created:${contact.id}`,
          matches: ({ trigger: t }) => t.type === 'tag_added' && added.includes(t.tag.toLowerCase()),
          data: { type: 'contact_created', tagsAdded: contact.tags },
        });
        return;
      }
      case 'contacts.updated': {
        // Tags changed on many contacts at once (a bulk job, a workflow's step for many runs). The
        // event names its cause, so that every instance hearing it (and a job resumed after a crash)
        // makes the same key: one run each.
        const added = ((data.tagsAdded as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        const removed = ((data.tagsRemoved as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        if (added.length === 0 && removed.length === 0) return;
        const cause = (data.cause as string | undefined) ?? newId();
        // Many at a time: their runs are made together, and go on together.
        await inTurn((data.contactIds as string[]) ?? [], 32, (contactId) =>
          trigger({
            workspaceId,
            types: ['tag_added', 'tag_removed'],
            contactId,
            key: `bulk:${cause}:${added.length > 0 ? 'added' : 'removed'}:${contactId}`,
            matches: ({ trigger: t }) => (t.type === 'tag_added' && added.includes(t.tag.toLowerCase())) || (t.type === 'tag_removed' && removed.includes(t.tag.toLowerCase())),
            data: { type: 'contact_updated', changed: ['tags'], tagsAdded: data.tagsAdded ?? [], tagsRemoved: data.tagsRemoved ?? [] },
          }),
        );
        return;
      }
      case 'contact.deleted':
        await repository.stopRunsOfContacts(workspaceId, [data.contactId as string], 'contact deleted', clock.now());
        return;
      case 'contacts.deleted':
        await repository.stopRunsOfContacts(workspaceId, data.contactIds as string[], 'contact deleted', clock.now());
        return;
    }
  }

  /**
   * The send_message step that sent a message the provider refused later (a delivery that failed,
   * a status webhook's failure) is failed with the provider's reason, and so is its run unless it
   * ended otherwise. A run still advancing is waited for: its holder is rewriting its record.
   */
  async function failSentStep(workspaceId: string, contactId: string, message: { id: string; error: string | null; errorCode: string | null }) {
    const error = `delivery_failed${message.errorCode ? ` (${message.errorCode})` : ''}: ${message.error ?? 'the provider refused the message'}`;
    for (let attempt = 0; attempt < LATE_FAILURE_ATTEMPTS; attempt++) {
      let busy = false;
      for (const run of await repository.runsThatSent(workspaceId, contactId, message.id)) {
        if (run.status === 'running') {
          busy = true;
          continue;
        }
        const steps = run.steps.map((step) => (step.type === 'send_message' && step.result === message.id ? { ...step, status: 'failed', error } : step));
        const path = steps.find((step) => step.result === message.id)?.path;
        const ends = run.status === 'waiting' || run.status === 'completed';
        const now = clock.now();
        await repository.moveRun(
          run.id,
          { seq: run.seq, status: run.status },
          {
            seq: run.seq + 1,
            steps,
            updatedAt: now,
            ...(ends ? { status: 'failed' as const, reason: `${String(path)} (send_message): ${error}`, waitingFor: null, waitUntil: null, leaseOwner: null, leaseUntil: null, finishedAt: run.finishedAt ?? now } : {}),
          },
        );
      }
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, LATE_FAILURE_RETRY_MS));
    }
  }

  const pending = new Set<Promise<void>>();
  const actors = createBoundedCache<string, Actor>({ max: 10_000, ttlMs: ACTOR_TTL_MS });
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'workflow.updated' || event.type === 'workflow.deleted') {
      known.delete(event.workspaceId);
      generations.set(event.workspaceId, (generations.get(event.workspaceId) ?? 0) + 1);
      return;
    }
    // What a workflow acts as (its author, with their teams and the workspace's settings) is read afresh.
    if (/^(user|team|workspace)\./.test(event.type)) {
      actors.deleteWhere((_, key) => key.startsWith(`${event.workspaceId}:`));
      return;
    }
    if (!TRIGGER_EVENTS.has(event.type)) return;
    const work: Promise<void> = workflowsOf(event.workspaceId)
      .then((of) => (of.byId.size > 0 ? onEvent(event) : undefined))
      .catch((error: unknown) => logger.error({ err: error, type: event.type }, 'workflow trigger failed'))
      .finally(() => pending.delete(work));
    pending.add(work);
  });

  // ---------------------------------------------------------------- executing runs

  const stamp = (record: Omit<StepRecord, 'at'>): StepRecord => ({ ...record, at: clock.now().toISOString() });

  /**
   * The user a run acts as, with an owner's rights: who started it (a shortcut), else the
   * workflow's author, else an owner. Loaded once and remembered (forgotten on any change of the
   * workspace's users, teams or settings), so a step costs no reading of who acts.
   */
  async function actorOf(run: RunRow, workflow: WorkflowRow): Promise<Actor | undefined> {
    const userId = run.startedBy ?? workflow.updatedBy ?? workflow.createdBy ?? (await repository.anOwner(run.workspaceId));
    if (!userId) return undefined;
    const key = `${run.workspaceId}:${userId}`;
    const cached = actors.get(key);
    if (cached) return cached;
    const actor = await workspace.loadActor(run.workspaceId, userId, 'owner');
    if (actor) actors.set(key, actor);
    return actor;
  }

  const failed = (step: Step, path: string, pc: number, error: string): Outcome => ({
    record: { type: step.type, path, status: 'failed', error },
    pc: pc + 1,
    end: { status: 'failed', reason: `${path} (${step.type}): ${error}` },
  });

  const describe = (error: unknown) =>
    error instanceof AppError ? `${error.code}: ${error.message}` : error instanceof OutboundRefused ? `http_refused: ${error.message}` : error instanceof Error ? error.message : String(error);

  /** Deep copy of an HTTP body with `{{…}}` filled in its texts. */
  const renderDeep = (value: unknown, scope: Record<string, unknown>): unknown =>
    typeof value === 'string'
      ? renderText(value, scope)
      : Array.isArray(value)
        ? value.map((v) => renderDeep(v, scope))
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, scope)]))
          : value;

  /**
   * SPEC §2.6 items 6 and 7: a blocked contact's runs stop, except a shortcut started for it,
   * which goes on until it would reach the contact or its conversation.
   */
  function stopsBlocked(run: RunRow, contact: ContactItem, { step, at: path }: Exclude<Instruction, { op: 'jump' }>): Outcome | undefined {
    if (!contact.blocked || ((run.context as RunContext).shortcut && !touchesContact(step.type))) return undefined;
    return { record: { type: step.type, path, status: 'skipped', error: 'contact blocked' }, pc: run.pc, end: { status: 'stopped', reason: 'contact blocked' } };
  }

  async function execute(run: RunRow, workflow: WorkflowRow, instruction: Exclude<Instruction, { op: 'jump' }>, actor: Actor, contact: ContactItem): Promise<Outcome> {
    const { step, at: path } = instruction;
    const pc = run.pc;
    const context = run.context as RunContext;
    const blocked = stopsBlocked(run, contact, instruction);
    if (blocked) return blocked;
    const scope = { contact, vars: context.vars ?? {}, trigger: context.trigger ?? {} };
    const conversation = () => repository.conversationOf(run.workspaceId, run.contactId);
    const needConversation = async () => {
      const found = await conversation();
      if (!found) throw conflict('no_conversation', 'The contact has no conversation');
      return found;
    };
    const done = (result?: string): Outcome => ({ record: { type: step.type, path, status: 'completed', ...(result ? { result } : {}) }, pc: pc + 1 });

    try {
      switch (step.type) {
        case 'send_message': {
          const text = renderText(step.text, scope);
          try {
            const message = await messages.sendToContact(actor, run.contactId, { type: 'reply', text, automated: true });
            return done(message.id);
          } catch (error) {
            const refusedForWindow = error instanceof AppError && (error.code === 'template_required' || error.code === 'messaging_window_closed');
            if (!step.template || !refusedForWindow) throw error;
            const template = { name: step.template.name, language: step.template.language, parameters: (step.template.parameters ?? []).map((p) => renderText(p, scope)) };
            const message = await messages.sendToContact(actor, run.contactId, { type: 'reply', template, automated: true });
            return done(message.id);
          }
        }
        case 'add_comment': {
          const target = await needConversation();
          const message = await messages.send(actor, target.id, { type: 'comment', text: renderText(step.text, scope) });
          return done(message.id);
        }
        case 'assign': {
          if (step.strategy !== 'round_robin') throw new Error('a fixed assignment is done by executeGroup');
          const target = await needConversation();
          const members = await repository.teamMemberIds(run.workspaceId, step.teamId!);
          const online = members.filter((id) => deps.isOnline(id));
          if (online.length === 0) return failed(step, path, pc, 'no_one_online: no member of the team is online');
          // Whom it assigned last changes with every run, on any process: taken and moved on in one locked step.
          const next = await repository.nextRoundRobin(workflow.id, step.teamId!, online);
          if (!next) return { pc, end: { status: 'stopped', reason: 'workflow deleted' } };
          await conversations.assign(actor, target.id, { assigneeId: next, teamId: step.teamId });
          return done(next);
        }
        case 'add_tag':
        case 'remove_tag':
          throw new Error(`${step.type} is done by executeGroup`);
        case 'update_field': {
          const value = step.value === null ? null : renderText(step.value, scope);
          const patch = step.field.startsWith('customFields.') ? { customFields: { [step.field.slice('customFields.'.length)]: value } } : { [step.field]: value };
          return { ...done(), contact: await contacts.update(actor, run.contactId, patch as Parameters<ContactsService['update']>[2]) };
        }
        case 'wait':
          return { record: { type: step.type, path, status: 'waiting' }, pc: pc + 1, wait: { until: new Date(clock.now().getTime() + step.seconds * 1000), for: 'time' } };
        case 'open_conversation':
        case 'close_conversation': {
          const target = await needConversation();
          const wanted = step.type === 'open_conversation' ? 'open' : 'closed';
          if (target.status === wanted) return done('unchanged');
          if (step.type === 'open_conversation') await conversations.open(actor, target.id);
          else await conversations.close(actor, target.id);
          return done();
        }
        case 'http_request': {
          const settings = await workspace.settingsOf(run.workspaceId);
          const url = renderText(step.url, scope);
          const body = step.body === undefined || step.method === 'GET' ? undefined : JSON.stringify(renderDeep(step.body, scope));
          const response = await outboundRequest(url, {
            method: step.method,
            body,
            headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
            allowedPrivateHosts: settings.allowedPrivateHosts,
            timeoutMs: HTTP_TIMEOUT_MS,
            maxRedirects: 3,
            maxResponseBytes: HTTP_MAX_BYTES,
          });
          const raw = response.body.toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw);
          } catch {
            // Not JSON: later steps read it as text.
          }
          const vars = { ...(context.vars ?? {}), [step.saveAs ?? 'http']: { status: response.status, body: parsed } };
          if (response.status >= 400) return { ...failed(step, path, pc, `http_status: the server answered ${response.status}`), context: { ...context, vars } };
          return { ...done(String(response.status)), context: { ...context, vars } };
        }
        case 'stop':
          return { record: { type: step.type, path, status: 'completed' }, pc: pc + 1, end: { status: 'stopped', reason: `${path}: stop step` } };
        case 'branch': {
          if (instruction.op !== 'branch') throw new Error('branch without its instruction');
          const target = await conversation();
          const settings = await workspace.settingsOf(run.workspaceId);
          const result = evaluate(step.if, {
            fields: { ...contact, vars: context.vars ?? {} },
            tags: contact.tags,
            channel: target?.channelType ?? null,
            now: clock.now(),
            timeZone: settings.timeZone,
            businessHours: settings.businessHours,
            replied: context.replied === true,
          });
          return { record: { type: step.type, path, status: 'completed', result: result ? 'then' : 'else' }, pc: result ? pc + 1 : instruction.elseAt };
        }
        case 'wait_for_reply': {
          if (instruction.op !== 'wait_for_reply') throw new Error('wait without its instruction');
          return {
            record: { type: step.type, path, status: 'waiting' },
            pc: pc + 1,
            context: { ...context, replyAt: instruction.replyAt, replied: false },
            wait: { until: new Date(clock.now().getTime() + step.timeoutSeconds * 1000), for: 'reply' },
          };
        }
      }
    } catch (error) {
      if (error instanceof AppError || error instanceof OutboundRefused || (error instanceof Error && step.type === 'http_request')) {
        return failed(step, path, pc, describe(error));
      }
      throw error;
    }
  }

  /**
   * The step the runs stand at, one run or many. Tags and a fixed assignment are done for all of
   * them in one statement (one run is a group of one: there is one way to do them); any other step
   * for each run in turn (`execute`), a few at a time. The outcomes in the runs' order.
   */
  async function executeGroup(items: Array<{ run: RunRow; contact: ContactItem }>, workflow: WorkflowRow, instruction: Exclude<Instruction, { op: 'jump' }>, actor: Actor): Promise<Outcome[]> {
    const { step, at: path } = instruction;
    const together = step.type === 'add_tag' || step.type === 'remove_tag' || (step.type === 'assign' && step.strategy !== 'round_robin');
    if (!together) return inTurn(items, ONE_BY_ONE, ({ run, contact }) => execute(run, workflow, instruction, actor, contact));
    const outcomes: Outcome[] = [];
    const live: number[] = [];
    items.forEach(({ run, contact }, i) => {
      const blocked = stopsBlocked(run, contact, instruction);
      if (blocked) outcomes[i] = blocked;
      else live.push(i);
    });
    const done = (i: number, result?: string): Outcome => ({ record: { type: step.type, path, status: 'completed', ...(result ? { result } : {}) }, pc: items[i]!.run.pc + 1 });
    try {
      if (step.type === 'add_tag' || step.type === 'remove_tag') {
        const adding = step.type === 'add_tag';
        const wanted = step.tag.toLowerCase();
        const has = (i: number) => items[i]!.contact.tags.some((t) => t.toLowerCase() === wanted);
        const toChange = live.filter((i) => has(i) !== adding);
        for (const i of live) if (!toChange.includes(i)) outcomes[i] = done(i, 'unchanged');
        if (toChange.length > 0) {
          const contactIds = toChange.map((i) => items[i]!.run.contactId);
          const { changed, tag } = await contacts.tagMany(actor, contactIds, adding ? { add: step.tag } : { remove: step.tag }, `workflow:${newId()}`);
          for (const i of toChange) {
            const { contact } = items[i]!;
            const tags = adding ? [...contact.tags, tag] : contact.tags.filter((t) => t.toLowerCase() !== wanted);
            outcomes[i] = { ...done(i, changed.includes(contact.id) ? undefined : 'unchanged'), contact: { ...contact, tags } };
          }
        }
      } else if (step.type === 'assign') {
        const conversationOf = await repository.conversationsOf(workflow.workspaceId, live.map((i) => items[i]!.run.contactId));
        const targets = live.filter((i) => conversationOf.has(items[i]!.run.contactId));
        for (const i of live) if (!targets.includes(i)) outcomes[i] = failed(step, path, items[i]!.run.pc, 'no_conversation: The contact has no conversation');
        const input = step.strategy === 'unassign' ? { assigneeId: null } : { ...(step.userId ? { assigneeId: step.userId } : {}), ...(step.teamId ? { teamId: step.teamId } : {}) };
        const assigned = new Set(await conversations.assignMany(actor, targets.map((i) => conversationOf.get(items[i]!.run.contactId)!), input));
        for (const i of targets) {
          outcomes[i] = assigned.has(conversationOf.get(items[i]!.run.contactId)!)
            ? done(i, step.strategy === 'unassign' ? undefined : (step.userId ?? step.teamId))
            : failed(step, path, items[i]!.run.pc, 'contact_blocked: The contact is blocked: unblock it first');
        }
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      for (const i of live) outcomes[i] ??= failed(step, path, items[i]!.run.pc, describe(error));
    }
    return outcomes;
  }

  /**
   * Advances runs this process holds, of one workflow version and one author, from where each
   * stands until it waits, ends, or has taken its slice: the runs at the same step take it
   * together. A step that cannot be repeated is begun in each run's row before it acts (at most
   * once: a step begun and never recorded is not begun again); every step is recorded after, in
   * one statement for all, each only while this process holds its run: a block or a deletion
   * ends a run between steps, another process taking it over stops this one.
   */
  async function advance(start: RunRow[]) {
    const first = start[0]!;
    const now = clock.now();
    const finish = (status: 'stopped' | 'failed', reason: string) =>
      repository.moveRuns(runner.owner, 'running', start.map((run) => ({ id: run.id, seq: run.seq, next: { ...carry(run), status, reason, leaseOwner: null, leaseUntil: null, updatedAt: now, finishedAt: now } })));
    // Deleting a workflow deletes its runs: one known to this process is still there, or the next move finds no run.
    const workflow = (await workflowsOf(first.workspaceId)).byId.get(first.workflowId) ?? (await repository.find(first.workspaceId, first.workflowId));
    const compiled = workflow && (await programOf(first.workflowId, first.version));
    if (!workflow || !compiled) return void (await finish('stopped', 'workflow deleted'));
    const actor = await actorOf(first, workflow);
    if (!actor) return void (await finish('failed', 'no user to act as'));
    const { program } = compiled;
    // Jumps decide nothing: followed here, they are recorded with the next step.
    const follow = (from: number) => {
      let pc = from;
      for (let hops = 0; program[pc]?.op === 'jump' && hops <= program.length; hops++) pc = (program[pc] as { to: number }).to;
      return pc;
    };
    // Read once for the slice; the steps that change a contact hand it back as they left it.
    const known = await contacts.getMany(actor, start.map((run) => run.contactId));
    let runs = start;
    for (let slice = 0; slice < SLICE && runs.length > 0; slice++) {
      const at = clock.now();
      const leaseUntil = new Date(at.getTime() + LEASE_MS);
      const moves: RunMove[] = [];
      const end = (run: RunRow, next: Partial<RunMove['next']>) =>
        moves.push({ id: run.id, seq: run.seq, next: { ...carry(run), leaseOwner: null, leaseUntil: null, updatedAt: at, finishedAt: at, ...next } });
      const byStep = new Map<number, Array<{ run: RunRow; contact: ContactItem }>>();
      for (const run of runs) {
        const pc = follow(run.pc);
        const instruction = program[pc];
        const contact = known.get(run.contactId);
        if (!contact) end(run, { status: 'stopped', reason: 'contact deleted' });
        else if (!instruction || instruction.op === 'jump') end(run, { pc, status: 'completed' });
        else if (run.begunSeq >= run.seq) {
          // At most once: a process that died inside this step left it begun, and it is not repeated.
          const error = 'interrupted: the server stopped during this step, which is not repeated';
          end(run, {
            seq: run.seq + 1,
            steps: [...run.steps, stamp({ type: instruction.step.type, path: instruction.at, status: 'failed', error })],
            status: 'failed',
            reason: `${instruction.at} (${instruction.step.type}): ${error}`,
          });
        } else byStep.set(pc, [...(byStep.get(pc) ?? []), { run: { ...run, pc }, contact }]);
      }
      for (const [pc, group] of byStep) {
        const instruction = program[pc] as Exclude<Instruction, { op: 'jump' }>;
        let items = group;
        if (!REPEATABLE.has(instruction.step.type)) {
          const begun = await repository.beginSteps(runner.owner, items.map(({ run }) => ({ id: run.id, seq: run.seq })), leaseUntil);
          items = items.filter(({ run }) => begun.has(run.id));
        }
        const outcomes = await executeGroup(items, workflow, instruction, actor);
        const done = clock.now();
        items.forEach(({ run }, i) => {
          const outcome = outcomes[i]!;
          if (outcome.contact) known.set(run.contactId, outcome.contact);
          // The last step's record ends the run too.
          const ends = outcome.end ?? (!outcome.wait && program[follow(outcome.pc)] === undefined ? { status: 'completed' as const } : undefined);
          moves.push({
            id: run.id,
            seq: run.seq,
            next: {
              ...carry(run),
              seq: run.seq + 1,
              pc: outcome.pc,
              context: outcome.context ?? run.context,
              steps: outcome.record ? [...run.steps, stamp(outcome.record)] : run.steps,
              updatedAt: done,
              leaseUntil: new Date(done.getTime() + LEASE_MS),
              ...(ends ? { status: ends.status, reason: ends.reason ?? null, finishedAt: done, leaseOwner: null, leaseUntil: null } : {}),
              ...(outcome.wait ? { status: 'waiting' as const, waitingFor: outcome.wait.for, waitUntil: outcome.wait.until, leaseOwner: null, leaseUntil: null } : {}),
            },
          });
        });
      }
      runs = (await repository.moveRuns(runner.owner, 'running', moves)).filter((run) => run.status === 'running');
    }
    // Long runs let go: the poller takes them up again, here or elsewhere.
    await repository.moveRuns(runner.owner, 'running', runs.map((run) => ({ id: run.id, seq: run.seq, next: { ...carry(run), leaseOwner: null, leaseUntil: null } })));
  }

  /** A run's columns as they stand, for a move that changes some of them. */
  const carry = (run: RunRow): RunMove['next'] => ({
    seq: run.seq,
    pc: run.pc,
    status: run.status,
    reason: run.reason,
    context: run.context,
    steps: run.steps,
    waitingFor: run.waitingFor,
    waitUntil: run.waitUntil,
    leaseOwner: run.leaseOwner,
    leaseUntil: run.leaseUntil,
    updatedAt: run.updatedAt,
    finishedAt: run.finishedAt,
  });

  /** The last step (a wait) done: how it ended. */
  const finishWait = (run: RunRow, result: string) => {
    const steps = [...run.steps];
    const last = steps[steps.length - 1];
    if (last && last.status === 'waiting') steps[steps.length - 1] = { ...last, status: 'completed', result, at: clock.now().toISOString() };
    return steps;
  };

  /** Waits of runs this process claimed came due (their time passed, or a reply did not come in time): they go on together. */
  async function resume(due: RunRow[]) {
    const now = clock.now();
    const moved = await repository.moveRuns(
      runner.owner,
      'waiting',
      due.map((run) => {
        const timedOut = run.waitingFor === 'reply';
        const context = run.context as RunContext;
        return {
          id: run.id,
          seq: run.seq,
          next: {
            ...carry(run),
            status: 'running',
            waitingFor: null,
            waitUntil: null,
            steps: finishWait(run, timedOut ? 'timeout' : 'waited'),
            context: timedOut ? { ...context, replied: false } : context,
            leaseUntil: new Date(now.getTime() + LEASE_MS),
            updatedAt: now,
          },
        };
      }),
    );
    if (moved.length > 0) await advance(moved);
  }

  /** The contact wrote: its runs waiting for a reply take the reply path, here and now. */
  async function resumeOnReply(workspaceId: string, contactId: string) {
    for (const run of await repository.runsWaitingForReply(workspaceId, contactId)) {
      const context = run.context as RunContext;
      const now = clock.now();
      const inline = runner.running;
      const moved = await repository.moveRun(
        run.id,
        { seq: run.seq, status: 'waiting' },
        {
          status: 'running',
          waitingFor: null,
          waitUntil: null,
          pc: context.replyAt ?? run.pc,
          steps: finishWait(run, 'replied'),
          context: { ...context, replied: true },
          leaseOwner: inline ? runner.owner : null,
          leaseUntil: inline ? new Date(now.getTime() + LEASE_MS) : null,
          updatedAt: now,
        },
      );
      if (moved && inline) runner.hand(moved);
    }
  }

  /** Runs of one version, author and state go on together. */
  const together = (run: RunRow) => `${run.workflowId}:${run.version}:${run.startedBy ?? ''}:${run.status}`;

  /*
   * The runner: runs this process holds wait in `ready` for one of RUN_CONCURRENCY hands, each
   * taking up to BATCH runs that go on together. New runs and replies are handed over where they
   * happen; a poller claims, in one statement, the waits that came due and the runs whose process
   * died. A waiting run is a row, costing nothing.
   */
  const runner = {
    owner: `${process.pid}-${newId().slice(-8)}`,
    running: false,
    ready: [] as RunRow[],
    held: new Set<string>(),
    active: 0,
    inFlight: new Set<Promise<void>>(),
    timer: undefined as NodeJS.Timeout | undefined,
    polling: undefined as Promise<void> | undefined,

    soon: false,

    /** Takes a run this process holds; runs handed over in the same turn (made by one statement) go on together. */
    hand(run: RunRow) {
      if (runner.held.has(run.id)) return;
      runner.held.add(run.id);
      runner.ready.push(run);
      if (runner.soon) return;
      runner.soon = true;
      setImmediate(() => {
        runner.soon = false;
        runner.work();
      });
    },

    work() {
      while (runner.running && runner.active < RUN_CONCURRENCY && runner.ready.length > 0) {
        const key = together(runner.ready[0]!);
        const batch: RunRow[] = [];
        runner.ready = runner.ready.filter((run) => (batch.length < BATCH && together(run) === key ? (batch.push(run), false) : true));
        runner.active++;
        const done: Promise<void> = (batch[0]!.status === 'waiting' ? resume(batch) : advance(batch))
          .catch((error: unknown) => logger.error({ err: error, runIds: batch.map((run) => run.id) }, 'workflow runs failed to advance'))
          .finally(() => {
            runner.active--;
            for (const run of batch) runner.held.delete(run.id);
            runner.inFlight.delete(done);
            runner.work();
          });
        runner.inFlight.add(done);
      }
    },

    /** Claims what came due, as much as there is room for; answers whether it filled the room. */
    async poll(): Promise<boolean> {
      const room = RUN_CONCURRENCY * BATCH - runner.ready.length;
      if (room <= 0) return true;
      const now = clock.now();
      const claimed = await repository.claimDue(runner.owner, now, new Date(now.getTime() + LEASE_MS), room);
      for (const run of claimed) runner.hand(run);
      return claimed.length === room;
    },

    schedule(delayMs: number) {
      if (!runner.running) return;
      runner.timer = setTimeout(() => {
        runner.polling = runner
          .poll()
          .catch((error: unknown) => (logger.error({ err: error }, 'workflow poll failed'), false))
          .then((full) => runner.schedule(full ? 10 : POLL_MS));
      }, delayMs);
      runner.timer.unref();
    },
  };

  // ---------------------------------------------------------------- the API

  return {
    async list(actor: Actor, query: { cursor?: string; limit: number }) {
      const after = decodeCursor(query.cursor, cursorShape);
      const rows = await repository.list(actor.workspaceId, query.limit + 1, after);
      const result = page(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
      return { items: await Promise.all(result.items.map(withDefinition)), nextCursor: result.nextCursor };
    },

    /** Enabled shortcut workflows: what a user may start from a conversation's or contact's menu. */
    async shortcuts(actor: Actor) {
      const rows = await repository.enabledWithTrigger(actor.workspaceId, ['shortcut']);
      return { items: rows.map(({ workflow }) => ({ id: workflow.id, name: workflow.name })).sort((a, b) => a.name.localeCompare(b.name)) };
    },

    async get(actor: Actor, id: string) {
      return withDefinition(await requireWorkflow(actor.workspaceId, id));
    },

    async create(actor: Actor, input: WorkflowInput) {
      const definition = await checked(actor.workspaceId, input);
      const id = newId();
      const now = clock.now();
      await db.transaction(async (tx) => {
        await createWorkflowsRepository(tx).insert(
          { id, workspaceId: actor.workspaceId, name: input.name.trim(), enabled: input.enabled ?? false, triggerType: definition.trigger.type, version: 1, createdBy: actor.userId, updatedBy: actor.userId, createdAt: now, updatedAt: now },
          { workflowId: id, version: 1, workspaceId: actor.workspaceId, definition: definition as unknown as Record<string, unknown>, createdBy: actor.userId, createdAt: now },
        );
      });
      await bus.publish({ type: 'workflow.updated', workspaceId: actor.workspaceId, data: { workflowId: id } });
      return withDefinition((await repository.find(actor.workspaceId, id))!);
    },

    /** A new definition is a new version: runs in flight finish on the one they started with. */
    async update(actor: Actor, id: string, patch: WorkflowPatch) {
      const now = clock.now();
      const current = await requireWorkflow(actor.workspaceId, id);
      let definition: Definition | undefined;
      if (patch.trigger !== undefined || patch.steps !== undefined) {
        const stored = (await repository.version(id, current.version))!.definition as unknown as Definition;
        definition = await checked(actor.workspaceId, { trigger: patch.trigger ?? stored.trigger, steps: patch.steps ?? stored.steps });
      }
      await db.transaction(async (tx) => {
        const repo = createWorkflowsRepository(tx);
        const row = await repo.find(actor.workspaceId, id, { forUpdate: true });
        if (!row) throw notFound('Workflow');
        const version = definition ? row.version + 1 : row.version;
        if (definition) await repo.insertVersion({ workflowId: id, version, workspaceId: actor.workspaceId, definition: definition as unknown as Record<string, unknown>, createdBy: actor.userId, createdAt: now });
        await repo.update(actor.workspaceId, id, {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(definition ? { version, triggerType: definition.trigger.type } : {}),
          updatedBy: actor.userId,
          updatedAt: now,
        });
      });
      await bus.publish({ type: 'workflow.updated', workspaceId: actor.workspaceId, data: { workflowId: id } });
      return withDefinition((await repository.find(actor.workspaceId, id))!);
    },

    async duplicate(actor: Actor, id: string) {
      const row = await requireWorkflow(actor.workspaceId, id);
      const version = (await repository.version(id, row.version))!;
      const copy = await this.create(actor, { name: `${row.name} (copy)`.slice(0, 200), ...(version.definition as { trigger: unknown; steps: unknown }), enabled: false });
      return copy;
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.remove(actor.workspaceId, id))) throw notFound('Workflow');
      await bus.publish({ type: 'workflow.deleted', workspaceId: actor.workspaceId, data: { workflowId: id } });
    },

    async runs(actor: Actor, id: string, query: { cursor?: string; limit: number }) {
      await requireWorkflow(actor.workspaceId, id);
      const after = decodeCursor(query.cursor, cursorShape);
      const rows = await repository.runs(actor.workspaceId, id, query.limit + 1, after);
      const result = page(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
      return { items: result.items.map(publicRun), nextCursor: result.nextCursor };
    },

    async getRun(actor: Actor, workflowId: string, runId: string) {
      const run = await repository.findRun(actor.workspaceId, runId);
      if (!run || run.workflowId !== workflowId) throw notFound('Run');
      return publicRun(run);
    },

    /**
     * A user starts a shortcut workflow for a contact they may reach. A blocked contact's run
     * starts too and ends at the first step that would reach the contact (SPEC §2.6 item 7).
     */
    async startShortcut(actor: Actor, id: string, contactId: string) {
      const workflow = await requireWorkflow(actor.workspaceId, id);
      if (workflow.triggerType !== 'shortcut') throw conflict('not_a_shortcut', 'This workflow is not started by a shortcut');
      if (!workflow.enabled) throw conflict('workflow_disabled', 'This workflow is not published');
      if (!(await repository.contactState(actor.workspaceId, contactId))) throw notFound('Contact');
      await conversations.requireReachableContact(actor, contactId);
      const conversation = await repository.conversationOf(actor.workspaceId, contactId);
      const run = await startRun({
        workflow,
        contactId,
        conversationId: conversation?.id ?? null,
        triggerKey: `shortcut:${newId()}`,
        trigger: { type: 'shortcut', userId: actor.userId },
        startedBy: actor.userId,
        shortcut: true,
      });
      return publicRun(run!);
    },

    /** In the block's transaction (a port of blocking): the contact's runs stop at once. */
    async stopRunsOfContact(tx: Db, input: { workspaceId: string; contactId: string; reason: string; at: Date }) {
      await createWorkflowsRepository(tx).stopRunsOfContacts(input.workspaceId, [input.contactId], input.reason, input.at);
    },

    /** Starts advancing runs in this process: what is handed over here, and what the poller claims. */
    start() {
      if (runner.running) return;
      runner.running = true;
      runner.schedule(0);
    },

    /** Stops claiming; runs claimed and not begun are let go for another process; those in hand finish. */
    async stop() {
      runner.running = false;
      if (runner.timer) clearTimeout(runner.timer);
      await runner.polling;
      const waiting = runner.ready.splice(0);
      for (const run of waiting) runner.held.delete(run.id);
      await repository.release(runner.owner, waiting.map((run) => run.id));
      while (runner.inFlight.size > 0) await Promise.all([...runner.inFlight]);
    },

    /** Triggers still being matched and runs being advanced here: for tests and a clean stop. */
    async settled() {
      while (pending.size > 0 || runner.inFlight.size > 0) await Promise.all([...pending, ...runner.inFlight]);
    },

    close() {
      unsubscribe();
    },
  };
}
