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
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
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
import { createWorkflowsRepository, type RunRow, type WorkflowRow } from './workflows.repository.js';

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;

export const RUN_JOB = 'workflow.run';
/** A workflow started this often for one contact within LOOP_WINDOW_MS is looping: the next run stops at once. */
export const LOOP_BOUND = 10;
const LOOP_WINDOW_MS = 60_000;
/** Instructions one job executes before it hands the run to a fresh job (a jump-only loop cannot spin forever). */
const SLICE = 500;
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_MAX_BYTES = 256 * 1024;

export type WorkflowInput = { name: string; trigger: unknown; steps: unknown; enabled?: boolean };
export type WorkflowPatch = { name?: string; trigger?: unknown; steps?: unknown; enabled?: boolean };

type StepRecord = { type: string; path: string; status: 'completed' | 'failed' | 'waiting' | 'skipped'; at: string; error?: string; result?: string };
type RunContext = { trigger?: Record<string, unknown>; vars?: Record<string, unknown>; replied?: boolean; replyAt?: number; shortcut?: boolean };

/** What executing one instruction decided. */
type Outcome = {
  record?: Omit<StepRecord, 'at'>;
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

/** How long a process trusts what it knows of a workspace having workflows, should an event be lost. */
const HAS_WORKFLOWS_TTL_MS = 30_000;

/**
 * Workflows (SPEC §5): definitions with versions, triggers matched from domain events after
 * commit, and runs that are rows plus jobs. A run executes the version it started on; each
 * instruction is begun once (workflow_step_log), so nothing runs twice whatever crashes; a
 * waiting run is a row and a queued job, costing nothing until its time.
 */
export function createWorkflowsService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  logger: Logger;
  workspace: WorkspaceService;
  contacts: ContactsService;
  conversations: ConversationsService;
  messages: MessagesService;
  /** Whether a user is online now (round-robin assignment picks among those). */
  isOnline: (userId: string) => boolean;
}) {
  const { db, bus, clock, jobs, logger, workspace, contacts, conversations, messages } = deps;
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
    const recent = await repository.recentRunCount(workflow.id, contactId, new Date(now.getTime() - LOOP_WINDOW_MS));
    const looping = recent >= LOOP_BOUND;
    const base = {
      id: newId(),
      workspaceId: workflow.workspaceId,
      workflowId: workflow.id,
      version: workflow.version,
      contactId,
      conversationId: input.conversationId,
      triggerKey: input.triggerKey,
      startedBy: input.startedBy ?? null,
      context: { trigger: input.trigger, vars: {}, ...(input.shortcut ? { shortcut: true } : {}) },
      createdAt: now,
      updatedAt: now,
    };
    if (looping) {
      return repository.insertRun({
        ...base,
        status: 'stopped',
        reason: `loop: started ${recent} times within a minute for this contact`,
        finishedAt: now,
      });
    }
    return db.transaction(async (tx) => {
      const run = await createWorkflowsRepository(tx).insertRun({ ...base, status: 'running' });
      if (run) await jobs.enqueue({ type: RUN_JOB, workspaceId: workflow.workspaceId, payload: { runId: run.id }, maxAttempts: 5 }, tx);
      return run;
    });
  }

  /** Runs every enabled workflow of these triggers that `matches`, for the contact. */
  async function trigger(
    workspaceId: string,
    types: TriggerType[],
    contactId: string,
    key: string,
    matches: (definition: Definition) => boolean,
    data: Record<string, unknown>,
    conversationId?: string | null,
  ) {
    const candidates = await repository.enabledWithTrigger(workspaceId, types);
    if (candidates.length === 0) return;
    // Spam held back and blocked contacts trigger nothing (SPEC §2.6 item 2).
    const state = await repository.contactState(workspaceId, contactId);
    if (!state || state.blockedAt || state.quarantinedAt) return;
    const conversation = conversationId === undefined ? await repository.conversationOf(workspaceId, contactId) : undefined;
    for (const { workflow, definition } of candidates) {
      if (!matches(definition as unknown as Definition)) continue;
      await startRun({ workflow, contactId, conversationId: conversationId ?? conversation?.id ?? null, triggerKey: key, trigger: data });
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
        const conversation = await repository.conversation(workspaceId, message.conversationId);
        if (!conversation) return;
        const state = await repository.contactState(workspaceId, conversation.contactId);
        if (!state || state.blockedAt || state.quarantinedAt) return;
        await resumeOnReply(workspaceId, conversation.contactId);
        const text = message.text ?? '';
        await trigger(
          workspaceId,
          ['message_received'],
          conversation.contactId,
          `message:${message.id}`,
          (d) => d.trigger.type === 'message_received' && messageMatches(d.trigger, text),
          { type: 'message_received', messageId: message.id, text },
          conversation.id,
        );
        return;
      }
      case 'conversation.opened': {
        const conversation = await repository.conversation(workspaceId, data.conversationId as string);
        if (!conversation) return;
        await trigger(
          workspaceId,
          ['conversation_opened'],
          conversation.contactId,
          `opened:${conversation.id}:${conversation.openedAt?.toISOString() ?? ''}`,
          (d) => d.trigger.type === 'conversation_opened',
          { type: 'conversation_opened' },
          conversation.id,
        );
        return;
      }
      case 'contact.updated': {
        const contact = data.contact as { id: string; updatedAt: string | Date };
        const changed = (data.changed as string[] | undefined) ?? [];
        const added = ((data.tagsAdded as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        const removed = ((data.tagsRemoved as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        const at = new Date(contact.updatedAt).toISOString();
        await trigger(
          workspaceId,
          ['tag_added', 'tag_removed', 'contact_field_changed'],
          contact.id,
          `contact:${contact.id}:${at}`,
          ({ trigger: t }) =>
            (t.type === 'tag_added' && added.includes(t.tag.toLowerCase())) ||
            (t.type === 'tag_removed' && removed.includes(t.tag.toLowerCase())) ||
            (t.type === 'contact_field_changed' && changed.includes(t.field)),
          { type: 'contact_updated', changed, tagsAdded: data.tagsAdded ?? [], tagsRemoved: data.tagsRemoved ?? [] },
        );
        return;
      }
      case 'contact.created': {
        // A contact made with tags has had them added.
        const contact = data.contact as { id: string; tags?: string[] };
        const added = (contact.tags ?? []).map((t) => t.toLowerCase());
        if (added.length === 0) return;
        await trigger(workspaceId, ['tag_added'], contact.id, `created:${contact.id}`, ({ trigger: t }) => t.type === 'tag_added' && added.includes(t.tag.toLowerCase()), {
          type: 'contact_created',
          tagsAdded: contact.tags,
        });
        return;
      }
      case 'contacts.updated': {
        // Bulk tagging from the Contacts module.
        const added = ((data.tagsAdded as string[] | undefined) ?? []).map((t) => t.toLowerCase());
        if (added.length === 0) return;
        const key = newId();
        for (const contactId of (data.contactIds as string[]) ?? []) {
          await trigger(workspaceId, ['tag_added'], contactId, `bulk:${key}:${contactId}`, ({ trigger: t }) => t.type === 'tag_added' && added.includes(t.tag.toLowerCase()), {
            type: 'contact_updated',
            tagsAdded: data.tagsAdded,
          });
        }
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

  const pending = new Set<Promise<void>>();
  /*
   * Whether a workspace has any workflow, remembered per process: a workspace without one (most
   * messages of most workspaces) costs its inbound messages no query here. A change of the
   * workspace's workflows, on any instance, reaches every process as an event and forgets the
   * answer; one read before that event is not kept (the generation moved).
   */
  const hasWorkflows = createBoundedCache<string, boolean>({ max: 10_000, ttlMs: HAS_WORKFLOWS_TTL_MS });
  const generations = new Map<string, number>();
  async function workspaceHasWorkflows(workspaceId: string): Promise<boolean> {
    const known = hasWorkflows.get(workspaceId);
    if (known !== undefined) return known;
    const generation = generations.get(workspaceId) ?? 0;
    const any = await repository.anyWorkflow(workspaceId);
    if ((generations.get(workspaceId) ?? 0) === generation) hasWorkflows.set(workspaceId, any);
    return any;
  }

  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'workflow.updated' || event.type === 'workflow.deleted') {
      hasWorkflows.delete(event.workspaceId);
      generations.set(event.workspaceId, (generations.get(event.workspaceId) ?? 0) + 1);
      return;
    }
    if (!['message.created', 'conversation.opened', 'contact.created', 'contact.updated', 'contacts.updated', 'contact.deleted', 'contacts.deleted'].includes(event.type)) return;
    const work: Promise<void> = workspaceHasWorkflows(event.workspaceId)
      .then((any) => (any ? onEvent(event) : undefined))
      .catch((error: unknown) => logger.error({ err: error, type: event.type }, 'workflow trigger failed'))
      .finally(() => pending.delete(work));
    pending.add(work);
  });

  // ---------------------------------------------------------------- executing runs

  const stamp = (record: Omit<StepRecord, 'at'>): StepRecord => ({ ...record, at: clock.now().toISOString() });

  /** The user a run acts as: who started it (a shortcut), else the workflow's author, else an owner. */
  async function actorOf(run: RunRow, workflow: WorkflowRow): Promise<Actor | undefined> {
    const userId = run.startedBy ?? workflow.updatedBy ?? workflow.createdBy ?? (await repository.anOwner(run.workspaceId));
    if (!userId) return undefined;
    return { userId, workspaceId: run.workspaceId, role: 'owner' };
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

  async function execute(run: RunRow, workflow: WorkflowRow, instruction: Exclude<Instruction, { op: 'jump' }>, actor: Actor): Promise<Outcome> {
    const { step, at: path } = instruction;
    const pc = run.pc;
    const context = run.context as RunContext;
    let contact;
    try {
      contact = await contacts.get(actor, run.contactId);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return { pc, end: { status: 'stopped', reason: 'contact deleted' } };
      throw error;
    }
    // SPEC §2.6 items 6 and 7: a blocked contact's runs stop, except a shortcut started for it,
    // which goes on until it would reach the contact or its conversation.
    if (contact.blocked && (!context.shortcut || touchesContact(step.type))) {
      return { record: { type: step.type, path, status: 'skipped', error: 'contact blocked' }, pc, end: { status: 'stopped', reason: 'contact blocked' } };
    }
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
          const target = await needConversation();
          if (step.strategy === 'unassign') {
            await conversations.assign(actor, target.id, { assigneeId: null });
            return done();
          }
          if (step.strategy === 'round_robin') {
            const members = await repository.teamMemberIds(run.workspaceId, step.teamId!);
            const online = members.filter((id) => deps.isOnline(id));
            if (online.length === 0) return failed(step, path, pc, 'no_one_online: no member of the team is online');
            const last = workflow.roundRobin[step.teamId!];
            const next = online.find((id) => last !== undefined && id > last) ?? online[0]!;
            await conversations.assign(actor, target.id, { assigneeId: next, teamId: step.teamId });
            await repository.rememberRoundRobin(workflow.id, step.teamId!, next);
            return done(next);
          }
          await conversations.assign(actor, target.id, {
            ...(step.userId ? { assigneeId: step.userId } : {}),
            ...(step.teamId ? { teamId: step.teamId } : {}),
          });
          return done(step.userId ?? step.teamId);
        }
        case 'add_tag':
        case 'remove_tag': {
          const has = contact.tags.some((t) => t.toLowerCase() === step.tag.toLowerCase());
          if (step.type === 'add_tag' && has) return done('unchanged');
          if (step.type === 'remove_tag' && !has) return done('unchanged');
          const tags = step.type === 'add_tag' ? [...contact.tags, step.tag] : contact.tags.filter((t) => t.toLowerCase() !== step.tag.toLowerCase());
          await contacts.update(actor, run.contactId, { tags });
          return done();
        }
        case 'update_field': {
          const value = step.value === null ? null : renderText(step.value, scope);
          const patch = step.field.startsWith('customFields.') ? { customFields: { [step.field.slice('customFields.'.length)]: value } } : { [step.field]: value };
          await contacts.update(actor, run.contactId, patch as Parameters<ContactsService['update']>[2]);
          return done();
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

  /** Executes the run from where it stands until it waits or ends. */
  async function advance(runId: string) {
    let workflow: WorkflowRow | undefined;
    for (let slice = 0; slice < SLICE; slice++) {
      // Read again each time: a block or a deletion since the last step stops the run here.
      const run = await repository.findRun(null, runId);
      if (!run || run.status !== 'running') return;
      workflow ??= await repository.find(run.workspaceId, run.workflowId);
      const compiled = workflow && (await programOf(run.workflowId, run.version));
      const now = clock.now();
      const expect = { seq: run.seq, status: 'running' as const };
      if (!workflow || !compiled) {
        await repository.moveRun(run.id, expect, { status: 'stopped', reason: 'workflow deleted', updatedAt: now, finishedAt: now });
        return;
      }
      const { program } = compiled;
      const instruction = program[run.pc];
      if (!instruction) {
        await repository.moveRun(run.id, expect, { status: 'completed', updatedAt: now, finishedAt: now });
        return;
      }
      if (instruction.op === 'jump') {
        if (!(await repository.moveRun(run.id, expect, { pc: instruction.to, updatedAt: now }))) return;
        continue;
      }
      // At most once: a worker that died inside this instruction left it begun, and it is not repeated.
      if (!(await repository.beginStep(run.id, run.seq, now))) {
        const error = 'interrupted: the server stopped during this step, which is not repeated';
        await repository.moveRun(run.id, expect, {
          seq: run.seq + 1,
          steps: [...run.steps, stamp({ type: instruction.step.type, path: instruction.at, status: 'failed', error })],
          status: 'failed',
          reason: `${instruction.at} (${instruction.step.type}): ${error}`,
          updatedAt: now,
          finishedAt: now,
        });
        return;
      }
      const actor = await actorOf(run, workflow);
      const outcome: Outcome = actor ? await execute(run, workflow, instruction, actor) : { pc: run.pc, end: { status: 'failed', reason: 'no user to act as' } };
      const at = clock.now();
      const patch = {
        seq: run.seq + 1,
        pc: outcome.pc,
        context: outcome.context ?? run.context,
        steps: outcome.record ? [...run.steps, stamp(outcome.record)] : run.steps,
        updatedAt: at,
        ...(outcome.end ? { status: outcome.end.status, reason: outcome.end.reason ?? null, finishedAt: at } : {}),
        ...(outcome.wait ? { status: 'waiting' as const, waitingFor: outcome.wait.for, waitUntil: outcome.wait.until } : {}),
      };
      const moved = await db.transaction(async (tx) => {
        const row = await createWorkflowsRepository(tx).moveRun(run.id, expect, patch);
        if (row && outcome.wait) {
          await jobs.enqueue(
            { type: RUN_JOB, workspaceId: run.workspaceId, payload: { runId: run.id, resume: { seq: row.seq, kind: outcome.wait.for === 'time' ? 'time' : 'timeout' } }, runAt: outcome.wait.until, maxAttempts: 5 },
            tx,
          );
        }
        return row;
      });
      if (!moved || moved.status !== 'running') return;
    }
    // A long run continues in a job of its own.
    await jobs.enqueue({ type: RUN_JOB, payload: { runId }, maxAttempts: 5 });
  }

  /** The last step (a wait) done: how it ended. */
  const finishWait = (run: RunRow, result: string) => {
    const steps = [...run.steps];
    const last = steps[steps.length - 1];
    if (last && last.status === 'waiting') steps[steps.length - 1] = { ...last, status: 'completed', result, at: clock.now().toISOString() };
    return steps;
  };

  async function resume(runId: string, resumeAt: { seq: number; kind: 'time' | 'timeout' }) {
    const run = await repository.findRun(null, runId);
    if (!run || run.status !== 'waiting' || run.seq !== resumeAt.seq) return;
    const context = run.context as RunContext;
    const moved = await repository.moveRun(
      run.id,
      { seq: run.seq, status: 'waiting' },
      {
        status: 'running',
        waitingFor: null,
        waitUntil: null,
        steps: finishWait(run, resumeAt.kind === 'time' ? 'waited' : 'timeout'),
        context: resumeAt.kind === 'timeout' ? { ...context, replied: false } : context,
        updatedAt: clock.now(),
      },
    );
    if (moved) await advance(runId);
  }

  async function resumeOnReply(workspaceId: string, contactId: string) {
    for (const run of await repository.runsWaitingForReply(workspaceId, contactId)) {
      const context = run.context as RunContext;
      await db.transaction(async (tx) => {
        const moved = await createWorkflowsRepository(tx).moveRun(
          run.id,
          { seq: run.seq, status: 'waiting' },
          {
            status: 'running',
            waitingFor: null,
            waitUntil: null,
            pc: context.replyAt ?? run.pc,
            steps: finishWait(run, 'replied'),
            context: { ...context, replied: true },
            updatedAt: clock.now(),
          },
        );
        if (moved) await jobs.enqueue({ type: RUN_JOB, workspaceId, payload: { runId: run.id }, maxAttempts: 5 }, tx);
      });
    }
  }

  jobs.register(RUN_JOB, async ({ job }) => {
    const payload = job.payload as { runId: string; resume?: { seq: number; kind: 'time' | 'timeout' } };
    if (payload.resume) await resume(payload.runId, payload.resume);
    else await advance(payload.runId);
  });

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

    /** Triggers still being matched: for tests and a clean stop. */
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    close() {
      unsubscribe();
    },
  };
}
