import { z } from 'zod';
import { searchTerms } from '../contacts/contact-search.rules.js';
import { textSearchConfig } from '../platform/db/text-search.rules.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import { cursorPart, decodeCursor, encodeCursor } from '../platform/pagination.js';
import { type Actor, grantOf } from '../platform/auth/permissions.js';
import type { WorkspaceSettings } from '../workspace/settings.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { applyLifecycleEvent, type LifecycleEvent, lifecycleTimes } from './conversation-lifecycle.rules.js';
import { canReachContact, canSeeConversation, type ConversationViewer, seesEveryConversation } from './conversation-visibility.rules.js';
import {
  type ConversationFilter,
  type ConversationRow,
  createConversationsRepository,
  type SummaryRow,
} from './conversations.repository.js';
import type { createOnlineSince } from './online-since.js';
import { statusDot } from './status-dot.rules.js';

const WAKE_JOB = 'conversation.wake';
const PREVIEW_CHARS = 140;

/** Who looks at the inbox, with what the visibility rules need (SPEC §1: agents see Mine, Unassigned, their teams, and All if allowed). */
type Viewer = { actor: Actor; settings: WorkspaceSettings; teamIds: string[]; language: string | null };

export function contactName(contact: SummaryRow['contact']): string | null {
  const full = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return full || contact.displayName || contact.email || contact.phone || null;
}

/** What every user may see of a conversation; the same for all, so events can carry it. */
export function publicSummary(row: SummaryRow) {
  const c = row.conversation;
  return {
    id: c.id,
    contactId: c.contactId,
    status: c.status,
    snoozedUntil: c.snoozedUntil,
    blocked: row.contact.blockedAt !== null,
    /** Held by the spam rules for review: in no inbox until released. */
    quarantined: row.contact.quarantinedAt !== null,
    assigneeId: c.assigneeId,
    teamId: c.teamId,
    lastMessageAt: c.lastMessageAt,
    lastInboundAt: c.lastInboundAt,
    lastOutboundAt: c.lastOutboundAt,
    awaitingReplySince: c.awaitingReplySince,
    createdAt: c.createdAt,
    contact: { id: c.contactId, name: contactName(row.contact), avatarUrl: row.contact.avatarUrl },
    /** The channel the contact last wrote on (its type and the workspace's name for it). */
    channel: row.channel,
    lastMessage: row.lastMessage && {
      text: row.lastMessage.text.length > PREVIEW_CHARS ? `${row.lastMessage.text.slice(0, PREVIEW_CHARS)}…` : row.lastMessage.text,
      direction: row.lastMessage.direction,
      type: row.lastMessage.type,
      createdAt: row.lastMessage.createdAt,
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;

export function createConversationsService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  workspace: WorkspaceService;
  onlineSince: ReturnType<typeof createOnlineSince>;
  /** Deleting a conversation deletes its files, in the same transaction (a port: attachments sit above conversations). */
  attachments: { discardOfConversation(tx: Db, workspaceId: string, conversationId: string): Promise<void> };
}) {
  const { db, bus, clock, jobs, workspace, onlineSince, attachments } = deps;
  const repository = createConversationsRepository(db);

  async function viewerOf(actor: Actor): Promise<Viewer> {
    const me = await workspace.me(actor);
    return { actor, settings: me.workspace.settings, teamIds: me.teamIds, language: me.user.language };
  }

  const ruleViewer = (viewer: Viewer): ConversationViewer => ({
    userId: viewer.actor.userId,
    role: viewer.actor.role,
    teamIds: viewer.teamIds,
    agentsSeeAll: viewer.settings.agentsSeeAll,
  });
  const canSee = (viewer: Viewer, row: ConversationRow) => canSeeConversation(ruleViewer(viewer), row);

  /** The conversation if it exists in the workspace and the actor may see it; 404 otherwise (no hint it exists). */
  async function requireVisible(actor: Actor, id: string): Promise<{ row: ConversationRow; viewer: Viewer }> {
    const [row, viewer] = await Promise.all([repository.find(actor.workspaceId, id), viewerOf(actor)]);
    if (!row || !canSee(viewer, row)) throw notFound('Conversation');
    return { row, viewer };
  }

  /** Summaries as one user sees them: with their read time and their dot. */
  async function forViewer(viewer: Viewer, rows: SummaryRow[]) {
    const teamIds = [...new Set(rows.flatMap((r) => (r.conversation.assigneeId === null && r.conversation.teamId ? [r.conversation.teamId] : [])))];
    const members = await repository.teamMembers(viewer.actor.workspaceId, teamIds);
    const now = clock.now();
    return rows.map((row) => {
      const c = row.conversation;
      const responsibleIds = c.assigneeId ? [c.assigneeId] : c.teamId ? (members.get(c.teamId) ?? []) : [];
      const dot = statusDot({
        status: c.status,
        assigneeId: c.assigneeId,
        responsible: responsibleIds.map((userId) => ({ userId, onlineSince: onlineSince.of(userId) })),
        lastInboundAt: c.lastInboundAt,
        awaitingReplySince: c.awaitingReplySince,
        readAt: row.readAt,
        viewerId: viewer.actor.userId,
        missedAfterSeconds: viewer.settings.missedAfterSeconds,
        now,
      });
      return { ...publicSummary(row), readAt: row.readAt, dot };
    });
  }

  async function summaryFor(viewer: Viewer, id: string) {
    const row = await repository.summary(viewer.actor.workspaceId, id, viewer.actor.userId);
    if (!row) throw notFound('Conversation');
    return (await forViewer(viewer, [row]))[0]!;
  }

  /**
   * `conversation.updated` with the summary every user's list needs; each client works out its own
   * dot. Whether a viewer has read the contact's latest message is all the dot needs of their read
   * time, so `readBy` names who opened the conversation since (empty while nobody awaits a reply):
   * a client that never had this conversation in a list learns its own read state too.
   */
  /** `known`: the summary and readers when the caller has them (an inbound message does): no reads then. */
  async function publishUpdated(workspaceId: string, id: string, known?: { summary: SummaryRow; readBy: string[] }) {
    const row = known?.summary ?? (await repository.summary(workspaceId, id, null));
    if (!row) return;
    const { awaitingReplySince, lastInboundAt } = row.conversation;
    const readBy = known?.readBy ?? (awaitingReplySince && lastInboundAt ? await repository.readersSince(workspaceId, id, lastInboundAt) : []);
    const audience = { assigneeId: row.conversation.assigneeId, teamId: row.conversation.teamId };
    await bus.publish({ type: 'conversation.updated', workspaceId, audience, data: { conversation: { ...publicSummary(row), readBy } } });
  }

  /** `conversation.updated` for many conversations: two reads in all. */
  async function publishUpdatedMany(workspaceId: string, ids: readonly string[]) {
    const rows = await repository.summariesOf(workspaceId, ids);
    const awaiting = new Map<string, Date>();
    for (const row of rows) {
      const { awaitingReplySince, lastInboundAt } = row.conversation;
      if (awaitingReplySince && lastInboundAt) awaiting.set(row.conversation.id, lastInboundAt);
    }
    const readers = await repository.readersSinceMany(workspaceId, awaiting);
    for (const row of rows) await publishUpdated(workspaceId, row.conversation.id, { summary: row, readBy: readers.get(row.conversation.id) ?? [] });
  }

  async function publishOpened(workspaceId: string, id: string, reopened: boolean) {
    await bus.publish({ type: 'conversation.opened', workspaceId, data: { conversationId: id, reopened } });
  }

  /**
   * Apply one lifecycle event under a row lock: two agents acting at once take turns. A blocked
   * contact's conversation is neither opened, closed nor snoozed by anyone (SPEC §2.6 items 4, 8).
   */
  async function transition(actor: Actor, id: string, event: LifecycleEvent) {
    const { viewer } = await requireVisible(actor, id);
    const reopened = await db.transaction(async (tx) => {
      const repo = createConversationsRepository(tx);
      const row = await repo.lock(actor.workspaceId, id);
      if (!row) throw notFound('Conversation');
      await refuseBlocked(repo, actor.workspaceId, row.contactId);
      const next = applyLifecycleEvent(row, event);
      if (!next) throw conflict('invalid_transition', `A ${row.status} conversation cannot ${event.type}`);
      const now = clock.now();
      await repo.update(actor.workspaceId, id, { ...next, ...lifecycleTimes(row.status, next.status, now), updatedAt: now });
      return row.status === 'closed' && next.status === 'open';
    });
    await publishUpdated(actor.workspaceId, id);
    if (reopened) await publishOpened(actor.workspaceId, id, true);
    return summaryFor(viewer, id);
  }

  jobs.register(WAKE_JOB, async ({ job }) => {
    const { conversationId, until } = job.payload as { conversationId: string; until: string };
    const workspaceId = job.workspaceId!;
    const woke = await db.transaction(async (tx) => {
      const repo = createConversationsRepository(tx);
      const row = await repo.lock(workspaceId, conversationId);
      // Reopened, closed or snoozed again since: this wake-up is no longer wanted.
      if (!row || row.status !== 'snoozed' || row.snoozedUntil?.getTime() !== new Date(until).getTime()) return false;
      await repo.update(workspaceId, conversationId, { ...applyLifecycleEvent(row, { type: 'wake' })!, updatedAt: clock.now() });
      return true;
    });
    if (woke) await publishUpdated(workspaceId, conversationId);
    return { woke };
  });

  return {
    requireVisible: async (actor: Actor, id: string) => (await requireVisible(actor, id)).row,

    /** Who may read the contact, for the events about it; undefined when there is no such contact. */
    audienceOfContact: (workspaceId: string, contactId: string) => repository.contactAudience(workspaceId, contactId),

    /**
     * 404, as for its conversation, unless the actor may read and change the contact
     * (canReachContact): whoever sees every conversation passes without a query (and finds out
     * below whether the contact exists).
     */
    async requireReachableContact(actor: Actor, contactId: string): Promise<void> {
      const viewer = await viewerOf(actor);
      if (seesEveryConversation(ruleViewer(viewer))) return;
      const contact = await repository.contactAudience(actor.workspaceId, contactId);
      if (!contact || !canReachContact(ruleViewer(viewer), contact)) throw notFound('Contact');
    },
    /** True when no conversation is hidden from the actor: then any row of a conversation proves it may be seen. */
    seesEveryConversation: async (actor: Actor) => seesEveryConversation({ role: actor.role, agentsSeeAll: (await viewerOf(actor)).settings.agentsSeeAll }),
    find: (workspaceId: string, id: string) => repository.find(workspaceId, id),
    publishUpdated,
    publishOpened,

    async list(
      actor: Actor,
      query: { inbox?: string; status?: 'open' | 'snoozed' | 'closed'; q?: string; cursor?: string; limit: number },
    ) {
      const viewer = await viewerOf(actor);
      const filter: ConversationFilter = { status: query.status };
      const restricted = !seesEveryConversation({ role: actor.role, agentsSeeAll: viewer.settings.agentsSeeAll });
      if (restricted) filter.visibleTo = { userId: actor.userId, teamIds: viewer.teamIds };

      const inbox = query.inbox;
      if (inbox === 'mine') filter.inbox = { kind: 'mine', userId: actor.userId };
      else if (inbox === 'unassigned' || inbox === 'blocked') filter.inbox = { kind: inbox };
      else if (inbox === 'all') {
        if (restricted) throw forbidden('inbox_not_allowed', 'This workspace does not let agents see all conversations');
        filter.inbox = { kind: 'all' };
      } else if (inbox?.startsWith('team:')) {
        const teamId = inbox.slice('team:'.length);
        await workspace.getTeam(actor, teamId);
        if (restricted && !viewer.teamIds.includes(teamId)) throw forbidden('inbox_not_allowed', 'You are not a member of this team');
        filter.inbox = { kind: 'team', teamId };
      }

      const q = query.q?.trim();
      if (q) {
        // Words as written, or stemmed in the searcher's language. Not for queries with phrases or
        // exclusions: OR-ing two readings would let one reading's exclusion match what the other excludes.
        const plainWords = !/"|(^|\s)-/.test(q);
        const configs = [...new Set(['simple', ...(plainWords ? [textSearchConfig(viewer.language ?? 'en')] : [])])];
        filter.search = { text: q, configs, contact: searchTerms(q) };
      }

      const rows = await repository.list(actor.workspaceId, filter, actor.userId, query.limit + 1, decodeTimeCursor(query.cursor));
      const items = await forViewer(viewer, rows.slice(0, query.limit));
      const last = rows.length > query.limit ? rows[query.limit - 1]!.conversation : undefined;
      return { items, nextCursor: last ? encodeCursor([last.lastMessageAt.toISOString(), last.id]) : null };
    },

    /**
     * How many open conversations each inbox the actor may see holds, and how many of them wait
     * unread by the actor; `total` over every conversation the actor sees.
     */
    async counts(actor: Actor) {
      const viewer = await viewerOf(actor);
      const seesAll = seesEveryConversation({ role: actor.role, agentsSeeAll: viewer.settings.agentsSeeAll });
      const teamIds = actor.role === 'agent' ? viewer.teamIds : (await workspace.listTeams(actor)).items.map((team) => team.id);
      const inboxes = [
        { key: 'mine', kind: 'mine' as const },
        { key: 'unassigned', kind: 'unassigned' as const },
        ...(seesAll ? [{ key: 'all', kind: 'all' as const }] : [{ key: 'total', kind: 'visible' as const, teamIds: viewer.teamIds }]),
        ...teamIds.map((teamId) => ({ key: `team:${teamId}`, kind: 'team' as const, teamId })),
      ];
      const counts = await repository.openCounts(actor.workspaceId, actor.userId, inboxes);
      const of = (key: string) => counts.get(key) ?? { open: 0, unread: 0 };
      return {
        total: of(seesAll ? 'all' : 'total'),
        items: inboxes.filter((inbox) => inbox.key !== 'total').map((inbox) => ({ inbox: inbox.key, ...of(inbox.key) })),
      };
    },

    async get(actor: Actor, id: string) {
      const { viewer } = await requireVisible(actor, id);
      return summaryFor(viewer, id);
    },

    async markRead(actor: Actor, id: string) {
      const { viewer } = await requireVisible(actor, id);
      const readAt = clock.now();
      await repository.markRead(actor.workspaceId, actor.userId, id, readAt);
      // Only this user's dot changes; their other tabs learn it too.
      await bus.publish({ type: 'conversation.read', workspaceId: actor.workspaceId, userIds: [actor.userId], data: { conversationId: id, readAt } });
      return summaryFor(viewer, id);
    },

    async close(actor: Actor, id: string) {
      const { closingLogic } = (await viewerOf(actor)).settings;
      return transition(actor, id, { type: 'close', closingLogic });
    },

    async open(actor: Actor, id: string) {
      return transition(actor, id, { type: 'open' });
    },

    async snooze(actor: Actor, id: string, until: Date) {
      if (until.getTime() <= clock.now().getTime()) throw badRequest('invalid_field', 'until: must be in the future', { field: 'until' });
      await requireVisible(actor, id);
      // Queued first: if the snooze then fails, the wake-up finds nothing to wake and does nothing.
      await jobs.enqueue({ type: WAKE_JOB, workspaceId: actor.workspaceId, payload: { conversationId: id, until: until.toISOString() }, runAt: until });
      return transition(actor, id, { type: 'snooze', until });
    },

    async assign(actor: Actor, id: string, input: { assigneeId?: string | null; teamId?: string | null }) {
      const { viewer } = await requireVisible(actor, id);
      await Promise.all([
        input.assigneeId ? checked('assigneeId', workspace.getUser(actor, input.assigneeId)) : undefined,
        input.teamId ? checked('teamId', workspace.getTeam(actor, input.teamId)) : undefined,
      ]);
      await db.transaction(async (tx) => {
        const repo = createConversationsRepository(tx);
        const row = await repo.lock(actor.workspaceId, id);
        if (!row) throw notFound('Conversation');
        await refuseBlocked(repo, actor.workspaceId, row.contactId);
        await repo.update(actor.workspaceId, id, { assigneeId: input.assigneeId, teamId: input.teamId, updatedAt: clock.now() });
      });
      await publishUpdated(actor.workspaceId, id);
      return summaryFor(viewer, id);
    },

    /**
     * Many conversations assigned at once, for work that acts on many (workflows advancing many
     * runs): one statement, and each conversation's `conversation.updated` as `assign` sends it.
     * A blocked contact's conversation is left as it is. Answers the ids assigned.
     */
    async assignMany(actor: Actor, ids: readonly string[], input: { assigneeId?: string | null; teamId?: string | null }) {
      const viewer = await viewerOf(actor);
      const visible: string[] = [];
      if (seesEveryConversation(ruleViewer(viewer))) visible.push(...ids);
      else {
        for (const id of ids) {
          // Those the actor may not see are left out, as `getMany` leaves out contacts; any other failure is one.
          const seen = await requireVisible(actor, id).then(
            () => true,
            (error: unknown) => {
              if (error instanceof AppError && error.status === 404) return false;
              throw error;
            },
          );
          if (seen) visible.push(id);
        }
      }
      await Promise.all([
        input.assigneeId ? checked('assigneeId', workspace.getUser(actor, input.assigneeId)) : undefined,
        input.teamId ? checked('teamId', workspace.getTeam(actor, input.teamId)) : undefined,
      ]);
      const assigned = await repository.assignMany(actor.workspaceId, visible, { assigneeId: input.assigneeId, teamId: input.teamId, updatedAt: clock.now() });
      await publishUpdatedMany(actor.workspaceId, assigned);
      return assigned;
    },

    /**
     * Deletes the conversation with its messages and their files (the files by a job that follows
     * the commit). Agents only where the workspace allows it (SPEC §1).
     */
    async remove(actor: Actor, id: string) {
      const { viewer } = await requireVisible(actor, id);
      if (grantOf(actor.role, 'conversations.delete') !== 'allow' && !viewer.settings.agentsMayDeleteConversations) {
        throw forbidden('forbidden', 'This workspace does not let agents delete conversations');
      }
      const row = await db.transaction(async (tx) => {
        const repo = createConversationsRepository(tx);
        // Locked first: a reply being stored with a file waits, or finds the conversation gone.
        if (!(await repo.lock(actor.workspaceId, id))) return undefined;
        await attachments.discardOfConversation(tx, actor.workspaceId, id);
        return repo.delete(actor.workspaceId, id);
      });
      if (!row) throw notFound('Conversation');
      await bus.publish({
        type: 'conversation.deleted',
        workspaceId: actor.workspaceId,
        audience: { assigneeId: row.assigneeId, teamId: row.teamId },
        data: { conversationId: id, contactId: row.contactId },
      });
    },

    /**
     * In the caller's transaction: the contact wrote. Opens its conversation (or reopens it); a
     * hidden message (blocked contact) is filed without changing anything.
     */
    async recordInbound(tx: Db, input: { workspaceId: string; contactId: string; channelId: string; at: Date; hidden: boolean; newContact?: boolean }) {
      const { workspaceId, contactId, channelId, at, hidden } = input;
      const repo = createConversationsRepository(tx);
      // A contact made in this transaction has no conversation to look for.
      let row = input.newContact ? undefined : await repo.lockByContact(workspaceId, contactId);
      if (!row) {
        const created = await repo.insertIfAbsent({
          id: newId(),
          workspaceId,
          contactId,
          status: hidden ? 'closed' : 'open',
          lastMessageAt: at,
          lastInboundAt: hidden ? null : at,
          awaitingReplySince: hidden ? null : at,
          lastChannelId: channelId,
          openedAt: at,
          closedAt: hidden ? at : null,
          createdAt: at,
          updatedAt: at,
        });
        if (created) return { conversation: created, opened: !hidden, reopened: false };
        row = (await repo.lockByContact(workspaceId, contactId))!;
      }
      if (hidden) return { conversation: row, opened: false, reopened: false };
      const next = applyLifecycleEvent(row, { type: 'inbound' })!;
      const updated = await repo.update(workspaceId, row.id, {
        ...next,
        ...lifecycleTimes(row.status, next.status, at),
        lastMessageAt: at,
        lastInboundAt: at,
        awaitingReplySince: row.awaitingReplySince ?? at,
        lastChannelId: channelId,
        updatedAt: at,
      });
      const reopened = row.status === 'closed';
      return { conversation: updated, opened: reopened, reopened };
    },

    /**
     * In the caller's transaction: a user replied or commented. A reply reopens a closed
     * conversation for its sender. Without `conversationId` (writing from the contact's record),
     * the contact's conversation is used, or made.
     */
    async recordOutbound(
      tx: Db,
      input: {
        workspaceId: string;
        contactId: string;
        conversationId?: string;
        senderId: string | null;
        /** The reply's channel: shown with a conversation the contact has not written on yet. */
        channelId?: string | null;
        /** The workspace's assignOnReply: a reply takes an unassigned conversation for its sender. */
        assignUnassigned?: boolean;
        at: Date;
        kind: 'reply' | 'comment';
      },
    ) {
      const { workspaceId, contactId, conversationId, senderId, at, kind } = input;
      const repo = createConversationsRepository(tx);
      let row = conversationId ? await repo.lock(workspaceId, conversationId) : await repo.lockByContact(workspaceId, contactId);
      if (!row && conversationId) throw notFound('Conversation');
      const created = !row;
      if (!row) {
        // Made closed: the reply below opens it for its sender, as it would reopen any closed conversation.
        await repo.insertIfAbsent({ id: newId(), workspaceId, contactId, status: 'closed', lastMessageAt: at, closedAt: at, createdAt: at, updatedAt: at });
        row = (await repo.lockByContact(workspaceId, contactId))!;
      }
      if (kind === 'comment') return { conversation: row, opened: false, created };
      const next = applyLifecycleEvent(row, { type: 'outbound', senderId, assignUnassigned: input.assignUnassigned })!;
      const updated = await repo.update(workspaceId, row.id, {
        ...next,
        ...lifecycleTimes(row.status, next.status, at),
        lastMessageAt: at,
        lastOutboundAt: at,
        awaitingReplySince: null,
        lastChannelId: row.lastChannelId ?? input.channelId ?? null,
        updatedAt: at,
      });
      return { conversation: updated, opened: row.status === 'closed', created };
    },

    /**
     * In the caller's transaction: blocking closes the contact's open or snoozed conversation
     * first (SPEC §2.6 item 1), as a user's close would, so a pending snooze wake-up finds it
     * closed and does nothing.
     */
    async closeForBlock(tx: Db, input: { workspaceId: string; contactId: string; closingLogic: WorkspaceSettings['closingLogic']; at: Date }) {
      const repo = createConversationsRepository(tx);
      const row = await repo.lockByContact(input.workspaceId, input.contactId);
      if (!row || row.status === 'closed') return;
      const next = applyLifecycleEvent(row, { type: 'close', closingLogic: input.closingLogic })!;
      await repo.update(input.workspaceId, row.id, { ...next, ...lifecycleTimes(row.status, next.status, input.at), updatedAt: input.at });
    },

    /** In the caller's transaction: a snoozed conversation put back (a merge undone) wakes at its time again. */
    async scheduleWake(tx: Db, input: { workspaceId: string; conversationId: string; until: Date }) {
      await jobs.enqueue({ type: WAKE_JOB, workspaceId: input.workspaceId, payload: { conversationId: input.conversationId, until: input.until.toISOString() }, runAt: input.until }, tx);
    },

    /** The contact's conversation, if it has one (writing from the contact's record). */
    findByContact: (workspaceId: string, contactId: string) => repository.findByContact(workspaceId, contactId),
  };
}

const timeCursor = z.tuple([cursorPart.time, cursorPart.id]);

/** A keyset cursor of (time, id), as lists of conversations and of messages make them. */
export function decodeTimeCursor(cursor: string | undefined): [Date, string] | undefined {
  const values = decodeCursor(cursor, timeCursor);
  return values && [new Date(values[0]), values[1]];
}

/** Anything that changes a blocked contact's conversation is refused (SPEC §2.6 item 4). */
async function refuseBlocked(repo: ReturnType<typeof createConversationsRepository>, workspaceId: string, contactId: string) {
  if (await repo.contactBlockedAt(workspaceId, contactId)) throw conflict('contact_blocked', 'The contact is blocked: unblock it first');
}

/** A referenced user or team that is not in the workspace is a bad field, not a missing resource. */
async function checked(field: string, lookup: Promise<unknown>) {
  try {
    await lookup;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) {
      throw badRequest('invalid_field', `${field}: not in this workspace`, { field });
    }
    throw error;
  }
}
