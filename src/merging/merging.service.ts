import { z } from 'zod';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import { type Actor, grantOf } from '../platform/auth/permissions.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import { cursorPart, decodeCursor, encodeCursor } from '../platform/pagination.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import {
  groupIsSuggested,
  type MatchField,
  mergedConversation,
  mergedValues,
  orderedPair,
  reasonKey,
  resolveChoices,
  type Side,
  sharedReasons,
  suggestionsFor,
  undoBlocker,
  undoBlockerMessages,
} from './merge.rules.js';
import { type ContactSummary, createMergingRepository, type HistoryRow, type MergeSnapshot } from './merging.repository.js';

export type MergingService = ReturnType<typeof createMergingService>;

/** Other contacts listed per suggestion and per group at most; a group's `size` counts them all. */
const CANDIDATES = 50;
const GROUP_MEMBERS = 50;
/** Pages of the duplicate index read at most to fill one page of groups (dismissed groups are skipped). */
const GROUP_SCAN_PAGES = 10;

export const UNUSED_VALUES_SWEEP_JOB = 'merging.duplicate-values.sweep';
const UNUSED_VALUES_SWEEP_EVERY_MS = 60 * 60_000;
const UNUSED_VALUES_SWEEP_BATCH = 1000;

const nameOf = (contact: { first_name?: string | null; last_name?: string | null; display_name?: string | null; email?: string | null; phone?: string | null }) =>
  [contact.first_name, contact.last_name].filter(Boolean).join(' ') || contact.display_name || contact.email || contact.phone || null;

function publicHistoryItem(row: HistoryRow) {
  const blocker = undoBlocker({
    undone: row.undone_at !== null,
    mergedAgain: row.merged_again,
    primaryExists: row.primary_exists && row.has_snapshot,
    primaryBlocked: row.primary_blocked,
    conversationExists: row.conversation_exists,
  });
  const secondaryName = row.secondary_exists
    ? nameOf({ first_name: row.b_first_name, last_name: row.b_last_name, display_name: row.b_display_name, email: row.b_email, phone: row.b_phone })
    : row.secondary_row
      ? nameOf(row.secondary_row)
      : null;
  return {
    id: row.id,
    primary: {
      id: row.primary_id,
      exists: row.primary_exists,
      name: row.primary_exists ? nameOf({ first_name: row.p_first_name, last_name: row.p_last_name, display_name: row.p_display_name, email: row.p_email, phone: row.p_phone }) : null,
    },
    secondary: { id: row.secondary_id, exists: row.secondary_exists, name: secondaryName },
    fields: row.fields,
    mergedBy: row.merged_by,
    mergedAt: row.merged_at,
    undoneBy: row.undone_by,
    undoneAt: row.undone_at,
    /** Why an undo would be refused now (the code the API would answer), or null. */
    undoBlocker: blocker,
  };
}

export type MergeHistoryItem = ReturnType<typeof publicHistoryItem>;

/** A history page starts after (merged at, id) of the previous page's last merge. */
const historyCursor = z.tuple([cursorPart.time, cursorPart.id]);
/** A page of groups starts after (size, field, value) of the previous page's last group. */
const groupCursor = z.tuple([z.number().int().min(0), z.enum(['phone', 'email']), cursorPart.text]);

/**
 * Duplicates and merging (SPEC §2.5, §2.6 item 9). Suggestions are read from what Contacts keeps
 * current in the writing transaction: the normalised phone and email with their indexes for one
 * contact, and `duplicate_values` (kept by triggers on contacts) for the Dashboard's groups.
 * A merge and its undo are each one transaction over both contacts, locked in id order; the merge
 * keeps a snapshot of every row the undo puts back.
 */
export function createMergingService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  workspace: WorkspaceService;
  contacts: ContactsService;
  conversations: ConversationsService;
}) {
  const { db, bus, clock, jobs, workspace, contacts, conversations } = deps;
  const repository = createMergingRepository(db);

  // The triggers count down to zero and leave the row; this deletes what no contact holds any more.
  jobs.every(UNUSED_VALUES_SWEEP_JOB, UNUSED_VALUES_SWEEP_EVERY_MS, async ({ checkpoint }) => {
    let deleted = 0;
    for (;;) {
      const batch = await repository.deleteUnusedValues(UNUSED_VALUES_SWEEP_BATCH);
      deleted += batch;
      if (batch < UNUSED_VALUES_SWEEP_BATCH) return { deleted };
      await checkpoint({ progress: deleted });
    }
  });

  /** SPEC §1: owners and managers merge; agents from the drawer when the workspace allows it. */
  async function requireMayMerge(actor: Actor) {
    const grant = grantOf(actor.role, 'contacts.merge');
    if (grant === 'allow') return;
    if (grant === 'setting' && (await workspace.settings(actor)).agentsMayMerge) return;
    throw forbidden('merge_not_allowed', 'This workspace does not let agents merge contacts');
  }

  /** A contact merged away since answers `contact_merged`, not a bare 404. */
  async function goneError(workspaceId: string, contactId: string): Promise<AppError> {
    const [row] = await repository.history(workspaceId, { limit: 1, secondaryId: contactId });
    return row && row.undone_at === null ? conflict('contact_merged', 'This contact was merged into another one') : notFound('Contact');
  }

  /** Through the contacts' own read path, so an agent reads only the contacts it may (SPEC §1). */
  async function requireReadable(actor: Actor, contactId: string) {
    try {
      return await contacts.get(actor, contactId);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) throw await goneError(actor.workspaceId, contactId);
      throw error;
    }
  }

  /** The contacts an agent may read, of these; everyone else reads them all. */
  async function readableIds(actor: Actor, ids: string[]): Promise<Set<string>> {
    if (grantOf(actor.role, 'contacts.module') === 'allow') return new Set(ids);
    const readable = await Promise.all(ids.map((id) => contacts.get(actor, id).then(() => id, () => undefined)));
    return new Set(readable.filter((id): id is string => id !== undefined));
  }

  async function historyItem(workspaceId: string, id: string) {
    const [row] = await repository.history(workspaceId, { limit: 1, ids: [id] });
    if (!row) throw notFound('Merge');
    return publicHistoryItem(row);
  }

  return {
    /** The contact's duplicates, one suggestion per other contact, with the values they share. */
    async suggestionsOf(actor: Actor, contactId: string) {
      const contact = await requireReadable(actor, contactId);
      await requireMayMerge(actor);
      if (contact.blocked) return { items: [] };
      const found = await repository.candidates(actor.workspaceId, contact, CANDIDATES);
      const readable = await readableIds(actor, found.map((c) => c.id));
      const candidates = found.filter((c) => readable.has(c.id));
      const dismissals = await repository.dismissals(actor.workspaceId, [contactId], 'of');
      const byId = new Map<string, ContactSummary>([[contact.id, contact], ...candidates.map((c) => [c.id, c] as const)]);
      const summary = (id: string) => {
        const { firstName, lastName, displayName, email, phone } = byId.get(id)!;
        return { id, firstName, lastName, displayName, email, phone };
      };
      return {
        items: suggestionsFor(contact, candidates, dismissals).map((item) => ({ ...item, contacts: item.contactIds.map(summary) })),
      };
    },

    /**
     * The workspace's duplicate groups, largest first: each value shared by unblocked contacts,
     * unless every pair in it was dismissed. Read from `duplicate_values`, page by page.
     */
    async groups(actor: Actor, options: { cursor?: string; limit: number }) {
      let after: [number, MatchField, string] | undefined = decodeCursor(options.cursor, groupCursor);
      const items = [];
      let nextCursor: string | null = null;
      for (let scanned = 0; scanned < GROUP_SCAN_PAGES && items.length < options.limit; scanned++) {
        // One more than a page: whether anything follows is known without another round trip.
        const rows = await repository.groups(actor.workspaceId, after, options.limit + 1);
        const found = await repository.membersOf(actor.workspaceId, rows, GROUP_MEMBERS);
        const membersOf = (row: { field: string; value: string }) => found.filter((m) => m.field === row.field && m.value === row.value).map((m) => m.contact);
        const dismissals = await repository.dismissals(actor.workspaceId, [...new Set(found.map((m) => m.contact.id))], 'within');
        let processed = 0;
        for (const row of rows) {
          processed++;
          after = [row.contacts, row.field, row.value];
          const members = membersOf(row);
          if (members.length < 2) continue;
          if (dismissals.size > 0 && !groupIsSuggested(members, dismissals)) continue;
          items.push({ contactIds: members.map((m) => m.id), reasons: [{ field: row.field, value: row.value }], size: row.contacts, contacts: members });
          if (items.length === options.limit) break;
        }
        // A short page read to its end: nothing follows.
        if (rows.length <= options.limit && processed === rows.length) {
          after = undefined;
          break;
        }
      }
      if (after) nextCursor = encodeCursor(after);
      return { items, nextCursor };
    },

    /** "Not the same person": the pair is not suggested again until it shares a new value. */
    async dismiss(actor: Actor, contactIds: [string, string]) {
      const [a, b] = contactIds;
      if (a === b) throw badRequest('merge_same_contact', 'contactIds: two different contacts', { field: 'contactIds' });
      const first = await requireReadable(actor, a);
      const second = await requireReadable(actor, b);
      await requireMayMerge(actor);
      const shared = sharedReasons(first, second);
      if (shared.length === 0) throw conflict('not_a_suggestion', 'These contacts share no phone number or email');
      const [contactA, contactB] = orderedPair(a, b);
      await repository.dismiss({ workspaceId: actor.workspaceId, contactA, contactB, values: shared.map(reasonKey), by: actor.userId, at: clock.now() });
      await bus.publish({ type: 'contacts.suggestion_dismissed', workspaceId: actor.workspaceId, data: { contactIds: [contactA, contactB] } });
    },

    /**
     * Keeps `primaryId` with the chosen values, the union of tags, custom fields and identities
     * (moved as they are, so replies keep going where each channel knows the contact), and one
     * conversation: the secondary's messages join the primary's (or its conversation becomes the
     * primary's when that had none). The secondary is deleted; the snapshot brings it back.
     */
    async merge(actor: Actor, input: { primaryId: string; secondaryId: string; fields?: Record<string, Side> }) {
      const { primaryId, secondaryId } = input;
      const workspaceId = actor.workspaceId;
      if (primaryId === secondaryId) throw badRequest('merge_same_contact', 'secondaryId: a contact cannot be merged with itself', { field: 'secondaryId' });
      await requireReadable(actor, primaryId);
      await requireReadable(actor, secondaryId);
      await requireMayMerge(actor);
      const now = clock.now();
      const mergeId = newId();

      const outcome = await db.transaction(async (tx) => {
        const repo = createMergingRepository(tx);
        await repo.lockIdentities(workspaceId, { contactIds: [primaryId, secondaryId] });
        const locked = await repo.lockContacts(workspaceId, [primaryId, secondaryId]);
        const primary = locked.find((c) => c.id === primaryId);
        const secondary = locked.find((c) => c.id === secondaryId);
        if (!primary || !secondary) throw await goneError(workspaceId, primary ? secondaryId : primaryId);
        if (primary.blockedAt || secondary.blockedAt) throw conflict('contact_blocked', 'A blocked contact cannot be merged, either way: unblock it first');
        const resolved = resolveChoices(primary, secondary, input.fields);
        if (!resolved.ok) {
          throw badRequest('invalid_field', `fields.${resolved.field}: not a field of these contacts`, { field: `fields.${resolved.field}` });
        }

        const conversationRows = await repo.lockConversations(workspaceId, [primaryId, secondaryId]);
        const primaryConversation = conversationRows.find((c) => c.contactId === primaryId);
        const secondaryConversation = conversationRows.find((c) => c.contactId === secondaryId);
        const conversationMove = !secondaryConversation ? 'none' : primaryConversation ? 'messages' : 'reassigned';

        const snapshot: MergeSnapshot = {
          primary: await repo.rowJson('contacts', workspaceId, primaryId),
          secondary: await repo.rowJson('contacts', workspaceId, secondaryId),
          primaryTags: await repo.tagsJson(workspaceId, primaryId),
          secondaryTags: await repo.tagsJson(workspaceId, secondaryId),
          identityIds: [],
          conversationMove,
          primaryConversation: primaryConversation ? await repo.rowJson('conversations', workspaceId, primaryConversation.id) : null,
          secondaryConversation: secondaryConversation ? await repo.rowJson('conversations', workspaceId, secondaryConversation.id) : null,
          secondaryReads: conversationMove === 'messages' ? await repo.readsJson(workspaceId, secondaryConversation!.id) : [],
          spamDecisionIds: [],
          dismissals: await repo.dismissalsJson(workspaceId, secondaryId),
          heldSnapshotIds: [],
        };

        await repo.updateContact(workspaceId, primaryId, { ...mergedValues(primary, secondary, resolved.choices), updatedAt: now });
        await repo.copyTags(workspaceId, secondaryId, primaryId);
        snapshot.identityIds = await repo.moveOwned('contact_channels', workspaceId, secondaryId, primaryId);
        snapshot.spamDecisionIds = await repo.moveOwned('spam_decisions', workspaceId, secondaryId, primaryId);
        snapshot.heldSnapshotIds = await repo.moveHeldSnapshots(workspaceId, secondaryId, primaryId);
        if (conversationMove === 'reassigned') await repo.updateConversation(workspaceId, secondaryConversation!.id, { contactId: primaryId });
        if (conversationMove === 'messages') {
          await repo.updateConversation(workspaceId, primaryConversation!.id, { ...mergedConversation(primaryConversation!, secondaryConversation!), updatedAt: now });
        }
        await repo.insertMerge(
          { id: mergeId, workspaceId, primaryId, secondaryId, fields: resolved.choices, mergedBy: actor.userId, mergedAt: now },
          { holderId: primaryId, snapshot },
        );
        if (conversationMove === 'messages') {
          await repo.moveMessages(workspaceId, mergeId, secondaryConversation!.id, primaryConversation!.id);
          await repo.deleteConversation(workspaceId, secondaryConversation!.id);
        }
        await repo.deleteContact(workspaceId, secondaryId);
        return { conversationMove, primaryConversation, secondaryConversation };
      });

      await bus.publish({ type: 'contacts.merged', workspaceId, data: { mergeId, primaryId, secondaryId } });
      const { primaryConversation, secondaryConversation } = outcome;
      if (outcome.conversationMove === 'messages') {
        await bus.publish({
          type: 'conversation.deleted',
          workspaceId,
          audience: { assigneeId: secondaryConversation!.assigneeId, teamId: secondaryConversation!.teamId },
          data: { conversationId: secondaryConversation!.id, contactId: secondaryId, mergedInto: primaryConversation!.id },
        });
      }
      const kept = primaryConversation ?? secondaryConversation;
      if (kept) await conversations.publishUpdated(workspaceId, kept.id);
      return { merge: await historyItem(workspaceId, mergeId), contact: await contacts.get(actor, primaryId) };
    },

    /**
     * Puts both contacts back as they were before the merge: rows, tags, identities, conversations
     * and which messages were whose, spam decisions and dismissals. What happened to the kept
     * contact's conversation since (new messages) stays with it. Refused, with the reason, when a
     * later merge, a deletion or a block stands in the way (undoBlocker).
     */
    async undo(actor: Actor, mergeId: string) {
      const workspaceId = actor.workspaceId;
      const before = await historyItem(workspaceId, mergeId);
      await requireMayMerge(actor);
      if (grantOf(actor.role, 'contacts.merge') !== 'allow') {
        if (before.mergedBy !== actor.userId) throw forbidden('merge_not_allowed', 'Agents may undo only the merges they made');
        if (before.primary.exists) await requireReadable(actor, before.primary.id);
      }
      const now = clock.now();

      const outcome = await db.transaction(async (tx) => {
        const repo = createMergingRepository(tx);
        const merge = await repo.lockMerge(workspaceId, mergeId);
        if (!merge) throw notFound('Merge');
        const held = await repo.snapshotOf(mergeId);
        await repo.lockIdentities(workspaceId, { ids: held?.identityIds ?? [] });
        await repo.lockContacts(workspaceId, [merge.primaryId]);
        const [state] = await repo.history(workspaceId, { limit: 1, ids: [mergeId] });
        const blocker = publicHistoryItem(state!).undoBlocker;
        if (blocker) throw conflict(blocker, undoBlockerMessages[blocker]);
        const snapshot = held!;
        const { primaryId, secondaryId } = merge;

        await repo.insertContactFrom(snapshot.secondary);
        await repo.restoreContact(workspaceId, snapshot.primary, merge.mergedAt);
        await repo.setTags(workspaceId, primaryId, snapshot.primaryTags);
        await repo.setTags(workspaceId, secondaryId, snapshot.secondaryTags);
        await repo.moveOwned('contact_channels', workspaceId, primaryId, secondaryId, snapshot.identityIds);
        await repo.moveOwned('spam_decisions', workspaceId, primaryId, secondaryId, snapshot.spamDecisionIds);
        await repo.moveHeldSnapshots(workspaceId, primaryId, secondaryId, snapshot.heldSnapshotIds);

        const restored: Array<Record<string, unknown>> = [];
        const primaryConversation = snapshot.primaryConversation;
        const secondaryConversation = snapshot.secondaryConversation;
        if (snapshot.conversationMove === 'reassigned') {
          await repo.updateConversation(workspaceId, secondaryConversation!.id as string, { contactId: secondaryId });
        }
        if (snapshot.conversationMove === 'messages') {
          await repo.insertConversationFrom(secondaryConversation!);
          restored.push(secondaryConversation!);
          await repo.moveMessagesBack(workspaceId, mergeId, primaryConversation!.id as string, secondaryConversation!.id as string);
          await repo.restoreReads(snapshot.secondaryReads);
          // Messages since the merge changed the kept conversation for real: it keeps that state.
          if (!(await repo.hasMessagesSince(workspaceId, primaryConversation!.id as string, merge.mergedAt))) {
            await repo.restoreConversation(workspaceId, primaryConversation!);
            restored.push(primaryConversation!);
          }
        }
        for (const row of restored) {
          if (row.status === 'snoozed' && typeof row.snoozed_until === 'string') {
            await conversations.scheduleWake(tx, { workspaceId, conversationId: row.id as string, until: new Date(row.snoozed_until) });
          }
        }
        await repo.restoreDismissals(snapshot.dismissals);
        await repo.markUndone(workspaceId, mergeId, actor.userId, now);
        return { merge, conversationIds: [primaryConversation?.id, secondaryConversation?.id].filter((id): id is string => typeof id === 'string') };
      });

      const { primaryId, secondaryId } = outcome.merge;
      await bus.publish({ type: 'contacts.unmerged', workspaceId, data: { mergeId, primaryId, secondaryId } });
      for (const conversationId of outcome.conversationIds) await conversations.publishUpdated(workspaceId, conversationId);
      return { merge: await historyItem(workspaceId, mergeId) };
    },

    /** Merges newest first, with who, when, which contacts, what was chosen, and what would stop an undo. */
    async history(actor: Actor, options: { cursor?: string; limit: number }) {
      const rows = await repository.history(actor.workspaceId, { after: decodeCursor(options.cursor, historyCursor), limit: options.limit + 1 });
      const items = rows.slice(0, options.limit);
      const last = items.at(-1);
      return {
        items: items.map(publicHistoryItem),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.merged_at.toISOString(), last.id]) : null,
      };
    },

    async get(actor: Actor, mergeId: string) {
      const item = await historyItem(actor.workspaceId, mergeId);
      if (grantOf(actor.role, 'contacts.module') !== 'allow' && item.mergedBy !== actor.userId) throw notFound('Merge');
      return item;
    },
  };
}
