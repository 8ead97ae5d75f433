import type { ChannelsService } from '../channels/channels.service.js';
import { contactName, type ConversationsService, decodeTimeCursor } from '../conversations/conversations.service.js';
import { createBoundedCache } from '../platform/bounded-cache.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import { encodeCursor } from '../platform/pagination.js';
import type { UsageService } from '../usage/usage.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { createBlockingRepository } from './blocking.repository.js';
import type { BlockingService } from './blocking.service.js';
import {
  type ChannelSpamPolicy,
  defaultChannelPolicy,
  defaultSpamSettings,
  isNewContact,
  normaliseDomain,
  type SpamSettings,
  spamAction,
  spamScore,
  spamSignals,
  spamWindows,
  textFingerprint,
} from './spam-signals.rules.js';
import { createSpamRepository, type DecisionState } from './spam.repository.js';

export type SpamService = ReturnType<typeof createSpamService>;

/** What receive() does with a message: store it as usual, hold it for review, or hide it (the contact is now blocked). */
export type Screening = { verdict: 'pass' | 'quarantine' | 'block'; afterCommit(): Promise<void> };

export type SpamSettingsPatch = Partial<Omit<SpamSettings, 'channels'>> & { channels?: Record<string, ChannelSpamPolicy> };

const PREVIEW_CHARS = 140;

/** Deletes the repeated-text signal's fingerprints once its window has passed them. */
export const FINGERPRINT_SWEEP_JOB = 'spam.fingerprints.sweep';
export const FINGERPRINT_SWEEP_EVERY_MS = 15 * 60_000;
// Each batch is its own short statement, so a sweep after a large campaign never holds many locks at once.
const FINGERPRINT_SWEEP_BATCH = 1000;

const pass: Screening = { verdict: 'pass', afterCommit: async () => undefined };

type DecisionListRow = Awaited<ReturnType<ReturnType<typeof createSpamRepository>['listDecisions']>>[number];

/** A decision as the review list shows it: what was done, why, and to whom. */
function publicDecision(row: DecisionListRow) {
  const { decision, contact, message } = row;
  return {
    id: decision.id,
    action: decision.action,
    state: decision.reversedAt ? ('reversed' as const) : ('active' as const),
    score: decision.score,
    reasons: decision.reasons,
    contactId: decision.contactId,
    contact: {
      id: decision.contactId,
      name: contactName(contact),
      avatarUrl: contact.avatarUrl,
      blocked: contact.blockedAt !== null,
      quarantined: contact.quarantinedAt !== null,
    },
    conversationId: row.conversationId,
    channelId: decision.channelId,
    messageId: decision.messageId,
    message: message && {
      text: message.text.length > PREVIEW_CHARS ? `${message.text.slice(0, PREVIEW_CHARS)}…` : message.text,
      createdAt: message.createdAt,
    },
    createdAt: decision.createdAt,
    reversedAt: decision.reversedAt,
    reversedBy: decision.reversedBy,
  };
}

/**
 * Spam signals on inbound messages, and what each channel does above its threshold: quarantine
 * (the conversation stays out of the inbox, uncounted, until released) or block (through the
 * blocking service). Every decision is stored with its reasons and reversible in one call.
 */
const SETTINGS_TTL_MS = 5_000;

export function createSpamService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  usage: UsageService;
  blocking: BlockingService;
  channels: ChannelsService;
  conversations: ConversationsService;
  workspace: WorkspaceService;
}) {
  const { db, bus, clock, jobs, usage, blocking, channels, conversations, workspace } = deps;
  const repository = createSpamRepository(db);

  // Rows the window has passed are never counted again: from the cutoff at the start of the sweep, oldest first.
  jobs.every(FINGERPRINT_SWEEP_JOB, FINGERPRINT_SWEEP_EVERY_MS, async ({ checkpoint }) => {
    const before = spamWindows(clock.now()).repeatedTextSince;
    let deleted = 0;
    for (;;) {
      const batch = await repository.deleteFingerprintsBefore(before, FINGERPRINT_SWEEP_BATCH);
      deleted += batch;
      if (batch < FINGERPRINT_SWEEP_BATCH) return { deleted };
      await checkpoint({ progress: deleted });
    }
  });

  const settingsOf = async (repo: ReturnType<typeof createSpamRepository>, workspaceId: string) =>
    (await repo.settings(workspaceId)) ?? defaultSpamSettings;

  /**
   * The settings every inbound message is screened with, read once per SETTINGS_TTL_MS rather
   * than once per message; a change on any instance evicts them at once through the bus.
   */
  const screeningSettings = createBoundedCache<string, SpamSettings>({ max: 10_000, ttlMs: SETTINGS_TTL_MS });
  bus.subscribe((event) => {
    if (event.type === 'spam.settings.updated') screeningSettings.delete(event.workspaceId);
  });
  async function settingsForScreening(repo: ReturnType<typeof createSpamRepository>, workspaceId: string) {
    const cached = screeningSettings.get(workspaceId);
    if (cached) return cached;
    const settings = await settingsOf(repo, workspaceId);
    screeningSettings.set(workspaceId, settings);
    return settings;
  }

  async function decision(workspaceId: string, id: string) {
    const [row] = await repository.listDecisions(workspaceId, undefined, 1, undefined, id);
    if (!row) throw notFound('Spam decision');
    return publicDecision(row);
  }

  async function checkedChannels(actor: Actor, policies: Record<string, ChannelSpamPolicy>) {
    for (const channelId of Object.keys(policies)) {
      try {
        await channels.get(actor, channelId);
      } catch (error) {
        if (error instanceof AppError && error.status === 404) {
          throw badRequest('invalid_field', `channels.${channelId}: no channel with this id in the workspace`, { field: `channels.${channelId}` });
        }
        throw error;
      }
    }
  }

  function checkedDomains(domains: string[]): string[] {
    return [
      ...new Set(
        domains.map((value, index) => {
          const domain = normaliseDomain(value);
          if (!domain) throw badRequest('invalid_field', `blockedDomains.${index}: not a domain name`, { field: `blockedDomains.${index}` });
          return domain;
        }),
      ),
    ];
  }

  return {
    /**
     * In receive()'s transaction, for a contact that is not blocked, before its message is stored.
     * Costs one primary-key read when the channel takes no action; otherwise a bounded index range
     * for the burst and, for new contacts only, one small upsert and count for repeated text.
     */
    async screen(
      tx: Db,
      input: { workspaceId: string; channelId: string; contact: { id: string; createdAt: Date; quarantinedAt: Date | null }; messageId: string; text: string; at: Date },
    ): Promise<Screening> {
      const { workspaceId, channelId, contact, messageId, text, at } = input;
      // Held for review: everything it sends waits with it, without a new decision each time.
      if (contact.quarantinedAt) return { verdict: 'quarantine', afterCommit: pass.afterCommit };
      const repo = createSpamRepository(tx);
      const settings = await settingsForScreening(repo, workspaceId);
      const policy = settings.channels[channelId] ?? defaultChannelPolicy;
      if (policy.action === 'none') return pass;

      const windows = spamWindows(at);
      const recentInbound = 1 + (await repo.countInboundSince(workspaceId, contact.id, windows.burstSince, settings.burstPerMinute));
      const fingerprint = isNewContact(contact.createdAt, at) ? textFingerprint(text) : null;
      const repeatedTextContacts = fingerprint ? await repo.recordFingerprint(workspaceId, fingerprint, contact.id, at, windows.repeatedTextSince) : 0;
      const reasons = spamSignals({ text, recentInbound, repeatedTextContacts }, settings);
      const score = spamScore(reasons);
      const action = spamAction(score, policy);
      if (action === 'none') return pass;

      const row = await repo.insertDecision({ id: newId(), workspaceId, contactId: contact.id, messageId, channelId, action, reasons, score, createdAt: at });
      const announceDecision = () => bus.publish({ type: 'spam.decision.created', workspaceId, data: { decisionId: row.id, contactId: contact.id, action } });
      if (action === 'quarantine') {
        await createBlockingRepository(tx).update(workspaceId, contact.id, { quarantinedAt: at }, at);
        return { verdict: 'quarantine', afterCommit: announceDecision };
      }
      const { closingLogic } = await workspace.settingsOf(workspaceId, tx);
      const outcome = await blocking.blockWithin(tx, { workspaceId, contactId: contact.id, closingLogic, at });
      return {
        verdict: 'block',
        async afterCommit() {
          await blocking.announce(workspaceId, outcome, { by: null, reason: 'spam' });
          await announceDecision();
        },
      };
    },

    /** Whether the spam rules look at this channel's messages at all (its policy is not `none`): a cached answer. */
    async screensChannel(workspaceId: string, channelId: string): Promise<boolean> {
      const settings = await settingsForScreening(repository, workspaceId);
      return (settings.channels[channelId] ?? defaultChannelPolicy).action !== 'none';
    },

    async settings(actor: Actor): Promise<SpamSettings> {
      return settingsOf(repository, actor.workspaceId);
    },

    /** Changes the fields sent; `channels` changes the channels it names and keeps the others. */
    async updateSettings(actor: Actor, patch: SpamSettingsPatch): Promise<SpamSettings> {
      if (patch.channels) await checkedChannels(actor, patch.channels);
      const current = await settingsOf(repository, actor.workspaceId);
      const next: SpamSettings = {
        blockedDomains: patch.blockedDomains ? checkedDomains(patch.blockedDomains) : current.blockedDomains,
        burstPerMinute: patch.burstPerMinute ?? current.burstPerMinute,
        repeatedTextContacts: patch.repeatedTextContacts ?? current.repeatedTextContacts,
        channels: { ...current.channels, ...patch.channels },
      };
      await repository.saveSettings(actor.workspaceId, next, clock.now());
      await bus.publish({ type: 'spam.settings.updated', workspaceId: actor.workspaceId, data: {} });
      return next;
    },

    async decisions(actor: Actor, query: { state?: DecisionState; cursor?: string; limit: number }) {
      const rows = await repository.listDecisions(actor.workspaceId, query.state, query.limit + 1, decodeTimeCursor(query.cursor));
      const items = rows.slice(0, query.limit);
      const last = rows.length > query.limit ? items[items.length - 1]!.decision : undefined;
      return { items: items.map(publicDecision), nextCursor: last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
    },

    getDecision: (actor: Actor, id: string) => decision(actor.workspaceId, id),

    /**
     * Undoes a decision in one call; reversing a reversed one changes nothing. An auto-block is
     * an unblock. A quarantine is a release: the conversation joins the inbox as it stands, and
     * the contact counts as active from the release (it was not while held).
     */
    async reverse(actor: Actor, id: string) {
      const found = await repository.findDecision(actor.workspaceId, id);
      if (!found) throw notFound('Spam decision');
      if (found.reversedAt) return decision(actor.workspaceId, id);
      const workspaceId = actor.workspaceId;
      const contactId = found.contactId;
      if (found.action === 'block') {
        await blocking.unblock(actor, contactId);
      } else {
        const at = clock.now();
        await db.transaction(async (tx) => {
          const contacts = createBlockingRepository(tx);
          const contact = await contacts.lock(workspaceId, contactId);
          if (!contact) throw notFound('Contact');
          await contacts.update(workspaceId, contactId, { quarantinedAt: null }, at);
          if (!contact.blockedAt && contact.quarantinedAt) await usage.recordActivity(tx, { workspaceId, contactId, at });
          await createSpamRepository(tx).reverseActive(workspaceId, contactId, 'quarantine', actor.userId, at);
        });
        const conversation = await conversations.findByContact(workspaceId, contactId);
        if (conversation) await conversations.publishUpdated(workspaceId, conversation.id);
      }
      await bus.publish({ type: 'spam.decision.reversed', workspaceId, data: { decisionId: id, contactId, action: found.action } });
      return decision(workspaceId, id);
    },
  };
}
