import type { ConversationsService } from '../conversations/conversations.service.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { conflict, notFound } from '../platform/errors.js';
import { type Actor, grantOf } from '../platform/auth/permissions.js';
import type { WorkspaceSettings } from '../workspace/settings.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { createBlockingRepository } from './blocking.repository.js';
import { createSpamRepository } from './spam.repository.js';

export type BlockingService = ReturnType<typeof createBlockingService>;

/** Who blocked: a user, or the spam rules (`by: null`). */
export type BlockCause = { by: string | null; reason: 'user' | 'spam' };
/** Undefined when the workspace has no such contact. */
export type BlockOutcome = { contactId: string; changed: boolean; blockedAt: Date | null } | undefined;

export const contactBlocked = () => conflict('contact_blocked', 'The contact is blocked: unblock it first');

/**
 * Blocking a contact (SPEC §2.6). What a block means elsewhere is enforced where it happens:
 * receive() stores a blocked contact's messages hidden and uncounted, sends, open, close, snooze
 * and assign refuse with `contact_blocked`, lists and segments leave it out. Modules still to
 * come (Workflows, Merging) ask `isBlocked` / `assertNotBlocked` and react to `contact.blocked`.
 */
export function createBlockingService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  workspace: WorkspaceService;
  conversations: ConversationsService;
  /**
   * Stops every running or waiting workflow of the contact, in the block's transaction (SPEC §2.6
   * item 6). A port: workflows sit above blocking.
   */
  workflows?: { stopRunsOfContact(tx: Db, input: { workspaceId: string; contactId: string; reason: string; at: Date }): Promise<void> };
}) {
  const { db, bus, clock, workspace, conversations } = deps;
  const repository = createBlockingRepository(db);

  /**
   * In the caller's transaction: closes the contact's conversation, then marks the contact
   * blocked (item 1) and no longer held by the spam rules. The contact row is locked for update
   * first, so an inbound message being stored (which share-locks it) finishes before, and the
   * next one sees the block.
   */
  async function blockWithin(tx: Db, input: { workspaceId: string; contactId: string; closingLogic: WorkspaceSettings['closingLogic']; at: Date }): Promise<BlockOutcome> {
    const { workspaceId, contactId, at } = input;
    const repo = createBlockingRepository(tx);
    const contact = await repo.lock(workspaceId, contactId);
    if (!contact) return undefined;
    if (contact.blockedAt) return { contactId, changed: false, blockedAt: contact.blockedAt };
    await conversations.closeForBlock(tx, { workspaceId, contactId, closingLogic: input.closingLogic, at });
    // A block ends a spam hold: the contact is blocked, not waiting for review, and an unblock
    // later means normal behaviour, so its next message is screened afresh.
    await repo.update(workspaceId, contactId, { blockedAt: at, quarantinedAt: null }, at);
    await deps.workflows?.stopRunsOfContact(tx, { workspaceId, contactId, reason: 'contact blocked', at });
    return { contactId, changed: true, blockedAt: at };
  }

  /**
   * In the caller's transaction: normal behaviour from now on. Nothing received while blocked is
   * replayed: hidden messages stay hidden and uncounted, the conversation stays closed until the
   * contact writes again or a user sends. What the spam rules blocked counts as reversed.
   */
  async function unblockWithin(tx: Db, input: { workspaceId: string; contactId: string; by: string | null; at: Date }): Promise<BlockOutcome> {
    const { workspaceId, contactId, by, at } = input;
    const repo = createBlockingRepository(tx);
    const contact = await repo.lock(workspaceId, contactId);
    if (!contact) return undefined;
    if (!contact.blockedAt) return { contactId, changed: false, blockedAt: null };
    await repo.update(workspaceId, contactId, { blockedAt: null }, at);
    await createSpamRepository(tx).reverseActive(workspaceId, contactId, 'block', by, at);
    return { contactId, changed: true, blockedAt: null };
  }

  /** After commit: every browser moves the conversation, and future modules stop what involves the contact. */
  async function announce(workspaceId: string, outcome: BlockOutcome, cause: BlockCause) {
    if (!outcome?.changed) return;
    const { contactId, blockedAt } = outcome;
    const conversationId = (await conversations.findByContact(workspaceId, contactId))?.id ?? null;
    const type = blockedAt ? 'contact.blocked' : 'contact.unblocked';
    await bus.publish({ type, workspaceId, data: { contactId, conversationId, blockedAt, ...cause } });
    if (conversationId) await conversations.publishUpdated(workspaceId, conversationId);
  }

  /** Agents block from the Inbox: only contacts they may reach (SPEC §1), whose conversation they may see there. */
  async function requireReachable(actor: Actor, contactId: string) {
    if (grantOf(actor.role, 'contacts.module') === 'allow') return;
    await conversations.requireReachableContact(actor, contactId);
    const conversation = await conversations.findByContact(actor.workspaceId, contactId);
    if (conversation) await conversations.requireVisible(actor, conversation.id);
  }

  async function isBlocked(workspaceId: string, contactId: string): Promise<boolean> {
    const contact = await repository.find(workspaceId, contactId);
    if (!contact) throw notFound('Contact');
    return contact.blockedAt !== null;
  }

  return {
    blockWithin,
    announce,
    isBlocked,

    /** For the Workflows module (a step that messages, opens or closes) and the Merging module: refuse with `contact_blocked`. */
    async assertNotBlocked(workspaceId: string, contactId: string): Promise<void> {
      if (await isBlocked(workspaceId, contactId)) throw contactBlocked();
    },

    /** Idempotent: blocking a blocked contact changes nothing and answers its state. */
    async block(actor: Actor, contactId: string) {
      await requireReachable(actor, contactId);
      const { closingLogic } = await workspace.settings(actor);
      const outcome = await db.transaction((tx) => blockWithin(tx, { workspaceId: actor.workspaceId, contactId, closingLogic, at: clock.now() }));
      if (!outcome) throw notFound('Contact');
      await announce(actor.workspaceId, outcome, { by: actor.userId, reason: 'user' });
      return { blockedAt: outcome.blockedAt };
    },

    async unblock(actor: Actor, contactId: string) {
      await requireReachable(actor, contactId);
      const outcome = await db.transaction((tx) => unblockWithin(tx, { workspaceId: actor.workspaceId, contactId, by: actor.userId, at: clock.now() }));
      if (!outcome) throw notFound('Contact');
      await announce(actor.workspaceId, outcome, { by: actor.userId, reason: 'user' });
      return { blockedAt: outcome.blockedAt };
    },

    /**
     * A batch of the Contacts module's bulk job: each contact in its own short transaction, one
     * event for the batch (a browser refreshes once, not once per contact). Answers those changed.
     */
    async setBlockedMany(workspaceId: string, contactIds: string[], blocked: boolean, by: string | null): Promise<string[]> {
      const { closingLogic } = await workspace.settingsOf(workspaceId);
      const changed: string[] = [];
      for (const contactId of contactIds) {
        // A contact deleted since the batch was read answers no outcome: nothing to do.
        const outcome = await db.transaction((tx) =>
          blocked ? blockWithin(tx, { workspaceId, contactId, closingLogic, at: clock.now() }) : unblockWithin(tx, { workspaceId, contactId, by, at: clock.now() }),
        );
        if (outcome?.changed) changed.push(contactId);
      }
      if (changed.length > 0) {
        await bus.publish({ type: blocked ? 'contacts.blocked' : 'contacts.unblocked', workspaceId, data: { contactIds: changed, by, reason: 'user' } });
      }
      return changed;
    },
  };
}
