import { type ChannelModule, type InboundMedia, type InboundMessage, isWatermark, type OutboundTemplate, type StatusUpdate } from '../channels/channel-registry.js';
import type { ChannelRow } from '../channels/channels.repository.js';
import type { ChannelsService } from '../channels/channels.service.js';
import { decideSend, type WindowState } from '../channels/messaging-window.rules.js';
import type { SpamService } from '../blocking/spam.service.js';
import type { ContactChannelRow, ContactRow, IdentityService } from '../contacts/identity.service.js';
import type { ConversationRow } from '../conversations/conversations.repository.js';
import { contactName, type ConversationsService, decodeTimeCursor } from '../conversations/conversations.service.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, conflict, notFound } from '../platform/errors.js';
import { createBoundedCache } from '../platform/bounded-cache.js';
import { createGroupCommit } from '../platform/group-commit.js';
import { newId } from '../platform/ids.js';
import { type JobQueue, RetryLater } from '../platform/jobs.js';
import type { Logger } from '../platform/logging.js';
import { encodeCursor } from '../platform/pagination.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { UsageService } from '../usage/usage.service.js';
import { readSettings } from '../workspace/settings.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { type AttachmentsService, MAX_ATTACHMENT_BYTES, type PublicAttachment } from './attachments.service.js';
import { statusesBefore } from './delivery-status.rules.js';
import { createMessagesRepository, type MessageRow } from './messages.repository.js';
import type { SavedRepliesService } from './saved-replies.service.js';
import type { TemplateRequest, TemplatesService } from './templates.service.js';
import { textSearchConfig } from '../platform/db/text-search.rules.js';

const DELIVER_JOB = 'message.deliver';
/** Files of an inbound message, downloaded from the provider after the message is stored. */
const MEDIA_JOB = 'message.fetch-media';
const MEDIA_ATTEMPTS = 6;
/** A new contact's name and picture from the provider's profile API, when the payload had none. */
const PROFILE_JOB = 'contact.fetch-profile';
const PROFILE_ATTEMPTS = 4;
/**
 * The first attempt runs right after commit; the queued job is the safety net (the process died)
 * and the retry loop, so it waits long enough never to race that first attempt.
 */
const SAFETY_NET_MS = 30_000;
const DELIVERY_ATTEMPTS = 8;
/** How many identities of blocked contacts receive() remembers for its one-statement path. */
const BLOCKED_IDENTITIES_KEPT = 10_000;

/** Thrown inside receive()'s transaction to undo it: the provider delivered a message already stored. */
class DuplicateDelivery extends Error {}

export type SendInput = {
  type: 'reply' | 'comment';
  text?: string;
  channelId?: string;
  template?: TemplateRequest;
  tag?: string;
  attachmentIds?: string[];
  savedReplyId?: string;
  /** Users a comment mentions (the composer resolves `@name` to ids); they are notified. */
  mentions?: string[];
  /** Sent by a workflow rather than a person (never set by the API): the window rules differ (SPEC §4.1). */
  automated?: boolean;
};

/** What `messages.options` holds: an outbound message's template and tag, an inbound one's content (an image, a location…). */
type MessageOptions = { template?: OutboundTemplate; tag?: string; tagAuto?: boolean; content?: InboundMessage['content'] } | null;

export function publicMessage(row: MessageRow, attachments: PublicAttachment[] = []) {
  const options = row.options as MessageOptions;
  const template = options?.template && { name: options.template.name, language: options.template.language, parameters: options.template.parameters };
  return {
    id: row.id,
    conversationId: row.conversationId,
    direction: row.direction,
    type: row.type,
    text: row.text,
    status: row.status,
    error: row.error,
    /** The provider's code of a failure (`whatsapp:131047`), for the web app to word it. */
    errorCode: row.errorCode,
    /** Received while the contact was blocked: listed only on request, never as new. */
    hidden: row.hidden,
    channelId: row.channelId,
    authorId: row.authorId,
    mentions: row.mentions,
    template: template ?? null,
    tag: options?.tag ?? null,
    /** What an inbound message is besides its text (`{kind: 'image'}`, `{kind: 'location', latitude, …}`); null for text. */
    content: options?.content ?? null,
    attachments,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;

export function createMessagesService(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  logger: Logger;
  channels: ChannelsService;
  conversations: ConversationsService;
  identity: IdentityService;
  attachments: AttachmentsService;
  savedReplies: SavedRepliesService;
  templates: TemplatesService;
  workspace: WorkspaceService;
  usage: UsageService;
  spam: SpamService;
}) {
  const { db, bus, clock, jobs, logger, channels, conversations, identity, attachments, savedReplies, templates, workspace, usage, spam } = deps;
  const repository = createMessagesRepository(db);

  const publish = (workspaceId: string, type: string, data: Record<string, unknown>, userIds?: string[]) =>
    bus.publish({ type, workspaceId, data, userIds });

  /**
   * A message event reaches only those who may see its conversation; pass the conversation when it
   * is at hand. It names the contact too, so that those who follow contacts (workflows) need not look.
   */
  async function publishMessage(
    workspaceId: string,
    type: 'message.created' | 'message.updated',
    message: ReturnType<typeof publicMessage>,
    conversation?: Pick<ConversationRow, 'assigneeId' | 'teamId' | 'contactId'>,
  ) {
    const audience = conversation ?? (await conversations.find(workspaceId, message.conversationId));
    if (!audience) return;
    await bus.publish({ type, workspaceId, data: { message, contactId: audience.contactId }, audience: { assigneeId: audience.assigneeId, teamId: audience.teamId } });
  }

  /**
   * Channel identities whose last message was stored hidden: a spam flood's next messages try the
   * one-statement path first. Oldest forgotten first; a stale entry (unblocked since, or on
   * another instance) costs one query that stores nothing, never a wrong result.
   */
  const blockedIdentities = createBoundedCache<string, true>({ max: BLOCKED_IDENTITIES_KEPT });
  const insertFromBlockedIdentity = createGroupCommit(repository.insertFromBlockedIdentities, { maxBatch: 200, concurrency: 1 });
  /** Known contacts' text messages that arrive together, stored by one statement (see insertFromKnownIdentities). */
  const insertFromKnownIdentity = createGroupCommit(repository.insertFromKnownIdentities, { maxBatch: 200, concurrency: 1 });

  /**
   * The common case of a busy channel in one statement shared with the webhooks arriving at the
   * same time: a known, unblocked contact's text in its open conversation, on a channel the spam
   * rules leave alone. Undefined when the case is not that plain: the full path stores it.
   */
  async function receiveFromKnownIdentity(channel: ChannelRow, inbound: InboundMessage, sentAt: Date, now: Date) {
    if (inbound.content || (await spam.screensChannel(channel.workspaceId, channel.id))) return undefined;
    const workspaceId = channel.workspaceId;
    const stored = await insertFromKnownIdentity({
      id: newId(),
      workspaceId,
      channelId: channel.id,
      identifier: inbound.contact.identifier,
      name: inbound.contact.name ?? null,
      avatarUrl: inbound.contact.avatarUrl?.trim() || null,
      phoneGiven: Boolean(inbound.contact.phone?.trim()),
      emailGiven: Boolean(inbound.contact.email?.trim()),
      text: inbound.text,
      providerMessageId: inbound.providerMessageId,
      sentAt,
      at: now,
    }).catch(
      // A batch can lose a deadlock against a block or a merge: nothing of it was stored, the full path stores this one.
      (error: unknown) => (logger.warn({ err: error }, 'known-contact batch failed; storing one by one'), undefined),
    );
    if (!stored) return undefined;
    const { message, conversation, contact } = stored;
    usage.rememberActivity({ workspaceId, contactId: contact.id, at: now });
    void channels.touch(channel, now).catch((error: unknown) => logger.warn({ err: error }, 'channel activity not recorded'));
    await publishMessage(workspaceId, 'message.created', publicMessage(message), conversation);
    await conversations.publishUpdated(workspaceId, message.conversationId, {
      summary: {
        conversation,
        channel: { id: channel.id, type: channel.type, name: channel.name },
        contact: { ...contact, blockedAt: null, quarantinedAt: null },
        lastMessage: { text: message.text, direction: 'in', type: 'message', createdAt: message.createdAt },
        readAt: null,
      },
      readBy: [],
    });
    return { messageId: message.id, conversationId: message.conversationId, duplicate: false };
  }

  /**
   * One provider message, in one transaction: find or create the contact, find or open its
   * conversation, store. Events follow the commit. A retry of a stored message changes nothing:
   * its insert meets the unique index and the whole transaction is undone.
   */
  async function receive(channel: ChannelRow, inbound: InboundMessage): Promise<{ messageId: string; conversationId: string; duplicate: boolean }> {
    const workspaceId = channel.workspaceId;
    const now = clock.now();
    // The window opens at the provider's time, but never later than we received the message.
    const sentAt = inbound.sentAt && !Number.isNaN(inbound.sentAt.getTime()) && inbound.sentAt < now ? inbound.sentAt : now;
    const identityKey = `${channel.id}:${inbound.contact.identifier}`;
    // The one-statement path stores text only: a blocked contact's photo or location takes the full path.
    if (blockedIdentities.has(identityKey) && !inbound.content) {
      const { identifier } = inbound.contact;
      const stored = await insertFromBlockedIdentity({ id: newId(), workspaceId, channelId: channel.id, identifier, text: inbound.text, providerMessageId: inbound.providerMessageId, sentAt, at: now }).catch(
        // A batch can lose a deadlock against a bulk block: nothing of it was stored, the full path stores this one.
        (error: unknown) => (logger.warn({ err: error }, 'blocked-contact batch failed; storing one by one'), undefined),
      );
      if (stored) return { messageId: stored.id, conversationId: stored.conversationId, duplicate: false };
      blockedIdentities.delete(identityKey);
    }
    const known = await receiveFromKnownIdentity(channel, inbound, sentAt, now);
    if (known) return known;
    const duplicate = async () => {
      const first = (await repository.findByProviderId(workspaceId, channel.id, 'in', inbound.providerMessageId))!;
      return { messageId: first.id, conversationId: first.conversationId, duplicate: true };
    };
    const outcome = await db.transaction(async (tx) => {
      const repo = createMessagesRepository(tx);
      const { contact, contactChannel, created } = await identity.findOrCreate(tx, { workspaceId, channelId: channel.id, identity: inbound.contact, at: now, sentAt });
      const id = newId();
      // A blocked contact's message is kept, never shown; nothing reopens or notifies (SPEC §2.6).
      // The spam rules screen the others: a quarantined message is stored as usual but announced to
      // no one and not counted until released; an auto-block makes it a blocked contact's message.
      const screening = contact.blockedAt ? undefined : await spam.screen(tx, { workspaceId, channelId: channel.id, contact, messageId: id, text: inbound.text, at: now });
      const hidden = contact.blockedAt !== null || screening?.verdict === 'block';
      const quiet = screening?.verdict !== 'pass';
      // A contact made just now already carries it.
      if (!hidden && !created) await identity.recordInbound(tx, { workspaceId, contactId: contact.id, contactChannelId: contactChannel.id, sentAt });
      if (!quiet) await usage.recordActivity(tx, { workspaceId, contactId: contact.id, at: now });
      const { conversation, opened, reopened } = await conversations.recordInbound(tx, { workspaceId, contactId: contact.id, channelId: channel.id, at: now, hidden, newContact: created });
      // A provider's retry is found by the unique index, not by a query first: retries are rare,
      // and a round trip on every message costs more than undoing the odd duplicate.
      const message = await repo.insertUnlessDuplicate(
        {
          id,
          workspaceId,
          conversationId: conversation.id,
          channelId: channel.id,
          direction: 'in',
          type: 'message',
          text: inbound.text,
          status: 'received',
          providerMessageId: inbound.providerMessageId,
          providerTimestamp: sentAt,
          options: inbound.content ? { content: inbound.content } : null,
          hidden,
          createdAt: now,
          updatedAt: now,
        },
        hidden ? null : textSearchConfig(contact.language),
      );
      // Everything above is undone with the transaction: the first delivery did it already.
      if (!message) throw new DuplicateDelivery();
      // Slow provider calls go to jobs queued with the message, so the webhook answers at once and
      // a crash loses neither. A blocked contact's files and profile are not fetched.
      const toFetch = (inbound.media ?? []).filter((item) => !item.content);
      if (!hidden && toFetch.length > 0) {
        await jobs.enqueue({ type: MEDIA_JOB, workspaceId, payload: { messageId: id, channelId: channel.id, media: toFetch }, maxAttempts: MEDIA_ATTEMPTS }, tx);
      }
      if (!hidden && created && !inbound.contact.name && channels.moduleOf(channel.type)?.fetchProfile) {
        await jobs.enqueue(
          { type: PROFILE_JOB, workspaceId, payload: { contactId: contact.id, channelId: channel.id, identifier: inbound.contact.identifier }, maxAttempts: PROFILE_ATTEMPTS },
          tx,
        );
      }
      return { message, opened, reopened, quiet, screening, conversation, contact, counted: quiet ? undefined : contact.id };
    }).catch((error: unknown) => {
      if (error instanceof DuplicateDelivery) return undefined;
      throw error;
    });
    if (!outcome) return duplicate();
    if (outcome.counted) usage.rememberActivity({ workspaceId, contactId: outcome.counted, at: now });
    // Not awaited: a missed write costs a few seconds of "last activity", never the message.
    void channels.touch(channel, now).catch((error: unknown) => logger.warn({ err: error }, 'channel activity not recorded'));

    const { message, conversation, contact } = outcome;
    if (message.hidden) {
      blockedIdentities.set(identityKey, true);
    }
    await outcome.screening?.afterCommit();
    // Files that came with the message (email) are stored now: the sender is answered only after.
    const carried = message.hidden ? [] : (inbound.media ?? []).filter((item) => item.content);
    for (const item of carried) {
      try {
        await attachments.storeReceived({ workspaceId, messageId: message.id, contactId: contact.id, fileName: item.fileName, kind: item.kind, content: item.content! });
      } catch (error) {
        if (!(error instanceof AppError && error.status === 413)) throw error;
        logger.warn({ messageId: message.id, fileName: item.fileName }, 'a received file over the attachment limit was not kept');
      }
    }
    if (!outcome.quiet) {
      await publishMessage(workspaceId, 'message.created', publicMessage(message, carried.length > 0 ? await filesOf(workspaceId, message.id) : []), conversation);
      // All of it is at hand: the message just stored is the newest, and nobody can have read it yet.
      await conversations.publishUpdated(workspaceId, message.conversationId, {
        summary: { conversation, channel: { id: channel.id, type: channel.type, name: channel.name }, contact, lastMessage: { text: message.text, direction: 'in', type: 'message', createdAt: message.createdAt }, readAt: null },
        readBy: [],
      });
      if (outcome.opened) await conversations.publishOpened(workspaceId, message.conversationId, outcome.reopened);
    }
    return { messageId: message.id, conversationId: message.conversationId, duplicate: false };
  }

  /**
   * Delivery and read receipts: each moves its message's status forward only; a late failure
   * (WhatsApp's 131047 after the send answered 200) marks it failed with the provider's reason and
   * code. A watermark moves every earlier reply to that identity. Answers how many named no message.
   */
  async function applyReceipts(channel: ChannelRow, updates: StatusUpdate[]) {
    const workspaceId = channel.workspaceId;
    let unmatched = 0;
    for (const update of updates) {
      const now = clock.now();
      if (isWatermark(update)) {
        const rows = await repository.applyWatermark(workspaceId, channel.id, update.identifier, update.status, update.watermark, now);
        for (const row of rows) await publishMessage(workspaceId, 'message.updated', publicMessage(row, await filesOf(workspaceId, row.id)));
        continue;
      }
      const failed = update.status === 'failed';
      const { found, row } = await repository.applyReceipt(
        workspaceId,
        channel.id,
        update.providerMessageId,
        statusesBefore(update.status),
        { status: update.status, error: failed ? (update.error ?? 'The provider reported a failure') : null, errorCode: failed ? (update.errorCode ?? null) : null },
        now,
      );
      if (!found) unmatched++;
      if (row) await publishMessage(workspaceId, 'message.updated', publicMessage(row, await filesOf(workspaceId, row.id)));
    }
    return { unmatched };
  }

  type Reply = {
    channel: ChannelRow;
    module: ChannelModule;
    /** The identity the reply goes to, or, for a first message, the one it makes (WhatsApp: the contact's phone as `wa_id`). */
    recipient: { existing: ContactChannelRow } | { create: string };
    text: string;
    tag?: string;
    tagAuto?: boolean;
    template?: OutboundTemplate;
  };

  /** The window of one channel for the contact: what may be sent there now (SPEC §4.1). */
  async function windowOf(
    workspaceId: string,
    conversationId: string | null,
    module: ChannelModule,
    channel: ChannelRow,
    identityRow: ContactChannelRow | undefined,
    automated: boolean,
    retrying?: MessageRow,
    /** The identity a first message would make (SMS: the contact's phone), when the contact has none here. */
    firstIdentifier?: string,
  ): Promise<WindowState> {
    const lastInboundAt = identityRow?.lastInboundAt ?? null;
    const optedOut = await channels.optedOut(channel, identityRow?.identifier ?? firstIdentifier);
    const sent =
      conversationId && identityRow ? await repository.countOutboundSince(workspaceId, conversationId, channel.id, lastInboundAt) : 0;
    // A failed reply sent again does not count against its own window.
    const own = retrying?.channelId === channel.id && (!lastInboundAt || retrying.createdAt > lastInboundAt) ? 1 : 0;
    const now = clock.now();
    const names = module.windowCounters?.(now) ?? [];
    const counters: Record<string, number> = {};
    if (names.length > 0) {
      const store = channels.contextFor(channel).state;
      for (const name of names) counters[name] = Number((await store.get(name)) ?? 0) || 0;
    }
    return module.windowPolicy({ lastInboundAt, outboundSinceInbound: Math.max(0, sent - own), automated, now, counters, optedOut }, channel.settings);
  }

  /**
   * What a reply becomes on the contact's channel, or the refusal, before anything is stored or a
   * provider is called: the channel (default: the one the contact last wrote on) and the identity
   * it knows there, a paused channel, the template filled in, the provider's length limit and
   * retired tags, then the messaging window (SPEC §4.1). `retrying`: a failed reply sent again.
   */
  async function planReply(workspaceId: string, contact: ContactRow, conversationId: string | null, input: SendInput, retrying?: MessageRow): Promise<Reply> {
    const identities = await identity.channelsOf(db, workspaceId, contact.id);
    const chosen = input.channelId ? identities.find((i) => i.channelId === input.channelId) : identities[0];
    if (!chosen && !input.channelId) throw badRequest('no_channel', 'The contact has no channel to reply on');
    const resolved = await channels.resolve(workspaceId, chosen?.channelId ?? input.channelId!);
    if (!resolved) throw badRequest('channel_not_available', 'channelId: this channel type is not available', { field: 'channelId' });
    const { row: channel, module } = resolved;
    let recipient: Reply['recipient'];
    if (chosen) recipient = { existing: chosen };
    else {
      // Never written to here: only where the business may write first, to the identity a contact field gives.
      const value = module.firstContact && contact[module.firstContact.field];
      if (!module.firstContact || !value) throw badRequest('channel_not_available', 'channelId: the contact cannot be reached on this channel', { field: 'channelId' });
      recipient = { create: module.firstContact.identifier(value) };
    }
    channels.assertActive(channel);

    const template = input.template ? await templates.forSend(resolved, input.template) : undefined;
    const text = template ? template.body : (input.text ?? '');
    if (!template && module.maxTextLength !== undefined && text.length > module.maxTextLength) {
      throw badRequest('text_too_long', `text: ${channel.name} takes at most ${module.maxTextLength} characters a message (this one has ${text.length})`, {
        field: 'text',
        maxLength: module.maxTextLength,
      });
    }
    const refused = module.checkOutbound?.({ text, tag: input.tag, template, attachments: input.attachmentIds?.length ?? 0 });
    if (refused) throw badRequest(refused.code, refused.message, { field: refused.field ?? 'tag' });

    const window = await windowOf(workspaceId, conversationId, module, channel, chosen, input.automated === true, retrying, 'create' in recipient ? recipient.create : undefined);
    const decision = decideSend(window, { template: input.template, tag: input.tag });
    if (!decision.ok) throw conflict(decision.refusal.code, decision.refusal.message);
    return { channel, module, recipient, text, tag: decision.tag, tagAuto: decision.tag !== undefined && input.tag === undefined, template };
  }

  /**
   * The window of each channel the contact can be written on: those it has an identity on, and
   * those where the business may write first (SPEC §2.2), for the composer to say what is allowed.
   */
  async function windows(actor: Actor, contact: ContactRow, conversationId: string | null) {
    const workspaceId = actor.workspaceId;
    const identities = await identity.channelsOf(db, workspaceId, contact.id);
    const all = (await channels.list(actor)).items;
    const items = [];
    for (const summary of all) {
      const resolved = await channels.resolve(workspaceId, summary.id);
      if (!resolved) continue;
      const known = identities.find((i) => i.channelId === summary.id);
      const first = resolved.module.firstContact;
      if (!known && !(first && contact[first.field])) continue;
      const window = await windowOf(workspaceId, conversationId, resolved.module, resolved.row, known, false, undefined, !known && first ? first.identifier(contact[first.field]!) : undefined);
      items.push({
        channelId: summary.id,
        type: summary.type,
        name: summary.name,
        status: resolved.row.status,
        identifier: known?.identifier ?? null,
        /** The contact never wrote here: a first message makes the identity. */
        firstMessage: known === undefined,
        lastInboundAt: known?.lastInboundAt ?? null,
        maxTextLength: resolved.module.maxTextLength ?? null,
        ...window,
        /** The channel sends templates (WhatsApp); `templates` alone says whether they may be sent now. */
        templateChannel: resolved.module.templates !== undefined,
      });
    }
    // The channel a reply goes to by default first, as replies choose it.
    const order = (channelId: string) => {
      const index = identities.findIndex((i) => i.channelId === channelId);
      return index < 0 ? identities.length : index;
    };
    return { items: items.sort((a, b) => order(a.channelId) - order(b.channelId)) };
  }

  async function checkMentions(actor: Actor, userIds: string[]) {
    for (const userId of userIds) {
      try {
        await workspace.getUser(actor, userId);
      } catch (error) {
        if (error instanceof AppError && error.status === 404) {
          throw badRequest('unknown_user', 'mentions: every mentioned user must be a user of this workspace', { field: 'mentions' });
        }
        throw error;
      }
    }
  }

  async function savedReplyText(actor: Actor, id: string): Promise<string> {
    try {
      return (await savedReplies.get(actor, id)).text;
    } catch (error) {
      if (error instanceof AppError && error.status === 404) {
        throw badRequest('unknown_saved_reply', 'savedReplyId: no such saved reply in this workspace', { field: 'savedReplyId' });
      }
      throw error;
    }
  }

  /** A reply or comment in the contact's conversation; `conversation` is absent when the contact has none yet. */
  async function sendIn(actor: Actor, contactId: string, conversation: ConversationRow | undefined, input: SendInput) {
    const workspaceId = actor.workspaceId;
    const contact = await identity.findContact(db, workspaceId, contactId);
    if (!contact) throw notFound(conversation ? 'Conversation' : 'Contact');
    const isReply = input.type === 'reply';
    // Nothing reaches a blocked contact (SPEC §2.6 item 4); comments stay inside the workspace, so
    // users may still note why it was blocked.
    if (isReply && contact.blockedAt) throw conflict('contact_blocked', 'The contact is blocked: unblock it to write to it');

    // Stored as typed: only the check ignores surrounding blanks.
    // A saved reply gives the text unless the user edited it before sending.
    const saved = input.savedReplyId ? await savedReplyText(actor, input.savedReplyId) : undefined;
    const text = input.text ?? saved ?? '';
    const attachmentIds = input.attachmentIds ?? [];
    const mentions = [...new Set(input.mentions ?? [])];

    let reply: Reply | undefined;
    if (isReply) {
      if (text.trim() === '' && attachmentIds.length === 0 && !input.template) throw badRequest('empty_message', 'text: a reply needs text, a template or an attachment', { field: 'text' });
      if (mentions.length > 0) throw badRequest('invalid_field', 'mentions: only comments mention users', { field: 'mentions' });
      reply = await planReply(workspaceId, contact, conversation?.id ?? null, { ...input, text });
    } else {
      if (text.trim() === '') throw badRequest('empty_message', 'text: a comment needs text', { field: 'text' });
      if (input.channelId || input.template || input.tag) {
        throw badRequest('invalid_field', 'A comment stays inside the workspace: no channelId, template or tag', { field: 'type' });
      }
      await checkMentions(actor, mentions);
    }

    const now = clock.now();
    const id = newId();
    if (isReply) {
      // Queued before the message exists: should the transaction fail, the job finds no message and ends.
      await jobs.enqueue({
        type: DELIVER_JOB,
        workspaceId,
        payload: { messageId: id },
        runAt: new Date(now.getTime() + SAFETY_NET_MS),
        maxAttempts: DELIVERY_ATTEMPTS,
      });
    }
    const { message, opened, created, conversation: stored } = await db.transaction(async (tx) => {
      // Again under a lock: a block committed since the check above must still stop the message.
      if (isReply && (await identity.lockContact(tx, workspaceId, contactId))?.blockedAt) {
        throw conflict('contact_blocked', 'The contact is blocked: unblock it to write to it');
      }
      if (reply && 'create' in reply.recipient) {
        const connected = await identity.connect(tx, { workspaceId, contactId, channelId: reply.channel.id, identifier: reply.recipient.create, at: now });
        if (!connected) throw conflict('identity_taken', `Another contact has this identity on ${reply.channel.name}: merge the two contacts, then write`);
      }
      const recorded = await conversations.recordOutbound(tx, {
        workspaceId,
        contactId,
        conversationId: conversation?.id,
        senderId: actor.userId,
        channelId: reply?.channel.id,
        // The request loaded the workspace's settings already; no round trip unless it did not.
        assignUnassigned: isReply && (actor.loaded ? readSettings(actor.loaded.workspace.settings) : await workspace.settingsOf(workspaceId, tx)).assignOnReply,
        at: now,
        kind: input.type,
      });
      const message = await createMessagesRepository(tx).insert(
        {
          id,
          workspaceId,
          conversationId: recorded.conversation.id,
          channelId: reply?.channel.id ?? null,
          direction: 'out',
          type: isReply ? 'message' : 'comment',
          text: reply?.text ?? text,
          status: isReply ? 'pending' : 'sent',
          authorId: actor.userId,
          mentions,
          options: reply?.template || reply?.tag ? { template: reply.template, tag: reply.tag, tagAuto: reply.tagAuto || undefined } : null,
          createdAt: now,
          updatedAt: now,
        },
        textSearchConfig(contact.language),
      );
      if (attachmentIds.length > 0) await attachments.attach(tx, { workspaceId, ids: attachmentIds, messageId: id, contactId: contact.id, uploadedBy: actor.userId });
      if (isReply) {
        await identity.recordOutbound(tx, { workspaceId, contactId: contact.id, at: now });
        await usage.recordActivity(tx, { workspaceId, contactId: contact.id, at: now });
      }
      return { message, opened: recorded.opened, created: recorded.created, conversation: recorded.conversation };
    });

    const files = (await attachments.ofMessages(workspaceId, [id])).get(id) ?? [];
    const result = publicMessage(message, files);
    await publishMessage(workspaceId, 'message.created', result, stored);
    if (isReply) {
      await conversations.publishUpdated(workspaceId, message.conversationId);
      if (opened) await conversations.publishOpened(workspaceId, message.conversationId, !created);
      // Straight after commit: the queue's polling would add its interval to every reply.
      void deliver(workspaceId, id, false)
        .then((outcome) => postpone(workspaceId, id, outcome))
        .catch((error) => logger.error({ err: error, messageId: id }, 'first delivery attempt failed'));
    }
    const notified = mentions.filter((userId) => userId !== actor.userId);
    if (notified.length > 0) {
      await publish(
        workspaceId,
        'mention.created',
        { conversationId: message.conversationId, messageId: id, authorId: actor.userId, text: text.slice(0, 200) },
        notified,
      );
    }
    return result;
  }

  /**
   * One attempt to hand a pending reply to its channel. A refusal marks it failed with the
   * provider's reason; a transient failure leaves it pending for the queue to retry, until `final`.
   */
  async function deliver(workspaceId: string, messageId: string, final: boolean): Promise<{ retry: false } | { retry: true; error: string; afterMs?: number }> {
    const message = await repository.find(workspaceId, messageId);
    if (!message || message.status !== 'pending') return { retry: false };

    const fail = async (error: string, errorCode: string | null = null) => {
      const row = await repository.updateStatus(workspaceId, messageId, ['pending'], { status: 'failed', error, errorCode }, clock.now());
      if (row) await publishMessage(workspaceId, 'message.updated', publicMessage(row, await filesOf(workspaceId, row.id)));
      return { retry: false as const };
    };

    const conversation = await conversations.find(workspaceId, message.conversationId);
    const contact = conversation && (await identity.findContact(db, workspaceId, conversation.contactId));
    const channel = message.channelId ? await channels.resolve(workspaceId, message.channelId) : undefined;
    if (!contact || !channel) return fail('The channel was removed before the message went out');
    if (contact.blockedAt) return fail('The contact was blocked before the message went out');
    const recipient = (await identity.channelsOf(db, workspaceId, contact.id)).find((i) => i.channelId === channel.row.id);
    if (!recipient) return fail('The contact can no longer be reached on this channel');
    if (channel.row.status === 'paused') return fail('The channel was paused before the message went out');

    const options = message.options as MessageOptions;
    const result = await channel.module.send(
      {
        id: message.id,
        text: message.text,
        createdAt: message.createdAt,
        recipient: {
          identifier: recipient.identifier,
          name: contactName(contact) ?? undefined,
          email: contact.email ?? undefined,
          phone: contact.phone ?? undefined,
        },
        template: options?.template,
        tag: options?.tag,
        attachments: await attachments.forDelivery(workspaceId, message.id),
        lastInboundAt: recipient.lastInboundAt,
      },
      channel.row.settings,
      channels.contextFor(channel.row),
    );
    if (!result.ok) {
      if (result.retryable && !final) return { retry: true, error: result.error, afterMs: result.retryAfterMs };
      return fail(result.error, result.code ?? null);
    }
    void channels.touch(channel.row, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'channel activity not recorded'));
    const row = await repository.updateStatus(
      workspaceId,
      messageId,
      ['pending'],
      { status: 'sent', error: null, providerMessageId: result.providerMessageId },
      clock.now(),
    );
    if (row) await publishMessage(workspaceId, 'message.updated', publicMessage(row, await filesOf(workspaceId, row.id)));
    return { retry: false };
  }

  /** A first attempt the provider asked to repeat later than the queued job would (Telegram's `retry_after`): the job waits as long. */
  async function postpone(workspaceId: string, messageId: string, outcome: Awaited<ReturnType<typeof deliver>>) {
    if (!outcome.retry || !outcome.afterMs || outcome.afterMs <= SAFETY_NET_MS) return;
    await db.transaction(async (tx) => {
      await jobs.cancelQueued(DELIVER_JOB, { messageId }, tx);
      await jobs.enqueue({ type: DELIVER_JOB, workspaceId, payload: { messageId }, runAt: new Date(clock.now().getTime() + outcome.afterMs!), maxAttempts: DELIVERY_ATTEMPTS }, tx);
    });
  }

  const filesOf = async (workspaceId: string, messageId: string) => (await attachments.ofMessages(workspaceId, [messageId])).get(messageId) ?? [];

  function notRetryable(message: MessageRow) {
    if (message.type !== 'message' || message.direction !== 'out') {
      return conflict('not_retryable', `Only a reply can be sent again, not ${message.type === 'comment' ? 'a comment' : 'a received message'}`);
    }
    return conflict('not_retryable', `This reply is ${message.status}: only a failed reply can be sent again`);
  }

  /**
   * Sends a failed reply again as it was (channel, text, files, template or tag), after the checks
   * a new reply passes. Only from failed, in one statement: of two retries at once, one goes ahead.
   */
  async function retry(actor: Actor, conversationId: string, messageId: string) {
    const workspaceId = actor.workspaceId;
    const conversation = await conversations.requireVisible(actor, conversationId);
    const message = await repository.find(workspaceId, messageId);
    if (!message || message.conversationId !== conversation.id || message.hidden) throw notFound('Message');
    if (message.type !== 'message' || message.direction !== 'out' || message.status !== 'failed') throw notRetryable(message);
    const contact = await identity.findContact(db, workspaceId, conversation.contactId);
    if (!contact) throw notFound('Conversation');
    if (contact.blockedAt) throw conflict('contact_blocked', 'The contact is blocked: unblock it to write to it');
    if (!message.channelId) throw conflict('channel_not_available', 'The channel this reply was sent on was removed: write a new reply');
    const options = message.options as MessageOptions;
    const template = options?.template && { name: options.template.name, language: options.template.language, parameters: options.template.parameters };
    // A tag the window added is decided afresh: the contact may have written since.
    const tag = options?.tagAuto ? undefined : options?.tag;
    try {
      await planReply(workspaceId, contact, conversation.id, { type: 'reply', channelId: message.channelId, text: message.text, template, tag }, message);
    } catch (error) {
      // The reply names its channel: one it can no longer go out on is a state to resolve, not a bad request.
      if (error instanceof AppError && error.code === 'channel_not_available') {
        throw conflict('channel_not_available', 'The contact can no longer be reached on the channel this reply was sent on: write a new reply');
      }
      throw error;
    }

    const now = clock.now();
    const row = await db.transaction(async (tx) => {
      // Again under the lock a block takes: a block committed since the check above still stops it.
      if ((await identity.lockContact(tx, workspaceId, contact.id))?.blockedAt) {
        throw conflict('contact_blocked', 'The contact is blocked: unblock it to write to it');
      }
      const pending = await createMessagesRepository(tx).updateStatus(workspaceId, messageId, ['failed'], { status: 'pending', error: null }, now);
      if (!pending) return undefined;
      // One delivery job per message: an earlier attempt's job still waiting would send it a second time.
      await jobs.cancelQueued(DELIVER_JOB, { messageId }, tx);
      await jobs.enqueue(
        { type: DELIVER_JOB, workspaceId, payload: { messageId }, runAt: new Date(now.getTime() + SAFETY_NET_MS), maxAttempts: DELIVERY_ATTEMPTS },
        tx,
      );
      return pending;
    });
    if (!row) {
      const current = await repository.find(workspaceId, messageId);
      throw current ? notRetryable(current) : notFound('Message');
    }

    const result = publicMessage(row, await filesOf(workspaceId, row.id));
    await publishMessage(workspaceId, 'message.updated', result);
    void deliver(workspaceId, row.id, false)
      .then((outcome) => postpone(workspaceId, row.id, outcome))
      .catch((error) => logger.error({ err: error, messageId: row.id }, 'first delivery attempt of a retry failed'));
    return result;
  }

  /**
   * The files of an inbound message, fetched from its provider one by one (each kept before the
   * next, so a retry after a crash goes on where it stopped). A file too large is given up; a
   * provider that cannot answer now is asked again later, with the queue's backoff.
   */
  jobs.register(MEDIA_JOB, async ({ job, checkpoint }) => {
    const workspaceId = job.workspaceId!;
    const { messageId, channelId, media, fetched = 0 } = job.payload as { messageId: string; channelId: string; media: InboundMedia[]; fetched?: number };
    const message = await repository.find(workspaceId, messageId);
    const channel = await channels.resolve(workspaceId, channelId);
    const conversation = message && (await conversations.find(workspaceId, message.conversationId));
    if (!message || !conversation || !channel?.module.fetchMedia) return { fetched, skipped: 'message or channel gone' };
    const tooLarge: string[] = [];
    for (let index = fetched; index < media.length; index++) {
      const item = media[index]!;
      try {
        const file = await channel.module.fetchMedia(item, channel.row.settings, channels.contextFor(channel.row), MAX_ATTACHMENT_BYTES);
        const stored = await attachments.storeReceived({ workspaceId, messageId, contactId: conversation.contactId, fileName: file.fileName ?? item.fileName, kind: item.kind, content: file.content });
        if (!stored) return { fetched: index, skipped: 'message deleted' };
      } catch (error) {
        if (!(error instanceof AppError && error.status === 413)) throw error;
        tooLarge.push(item.ref);
      }
      await checkpoint({ state: { fetched: index + 1 } });
    }
    const row = await repository.find(workspaceId, messageId);
    if (row) await publishMessage(workspaceId, 'message.updated', publicMessage(row, await filesOf(workspaceId, row.id)), conversation);
    return { fetched: media.length, tooLarge };
  });

  /** A new contact's name and picture, from the provider's profile API (Messenger, Instagram), shown in the inbox once known. */
  jobs.register(PROFILE_JOB, async ({ job }) => {
    const workspaceId = job.workspaceId!;
    const { contactId, channelId, identifier } = job.payload as { contactId: string; channelId: string; identifier: string };
    const channel = await channels.resolve(workspaceId, channelId);
    if (!channel?.module.fetchProfile) return { skipped: 'channel gone' };
    const profile = await channel.module.fetchProfile(identifier, channel.row.settings, channels.contextFor(channel.row));
    if (!profile?.name && !profile?.avatarUrl) return { found: false };
    const contact = await identity.updateProfile(db, { workspaceId, contactId, name: profile.name, avatarUrl: profile.avatarUrl, at: clock.now() });
    const conversation = contact && (await conversations.findByContact(workspaceId, contactId));
    if (conversation) await conversations.publishUpdated(workspaceId, conversation.id);
    return { found: true };
  });

  jobs.register(DELIVER_JOB, async ({ job }) => {
    const outcome = await deliver(job.workspaceId!, (job.payload as { messageId: string }).messageId, job.attempts >= job.maxAttempts);
    if (outcome.retry) throw outcome.afterMs ? new RetryLater(outcome.error, outcome.afterMs) : new Error(outcome.error);
  });

  return {
    receive,
    applyReceipts,

    async send(actor: Actor, conversationId: string, input: SendInput) {
      const conversation = await conversations.requireVisible(actor, conversationId);
      return sendIn(actor, conversation.contactId, conversation, input);
    },

    retry,

    /** What may be sent now on each channel of the conversation's contact (SPEC §4.1), for the composer. */
    async windowsOfConversation(actor: Actor, conversationId: string) {
      const conversation = await conversations.requireVisible(actor, conversationId);
      const contact = await identity.findContact(db, actor.workspaceId, conversation.contactId);
      if (!contact) throw notFound('Conversation');
      return windows(actor, contact, conversation.id);
    },

    /** The same from the contact's record, where a first message starts (SPEC §2.2). */
    async windowsOfContact(actor: Actor, contactId: string) {
      await conversations.requireReachableContact(actor, contactId);
      const conversation = await conversations.findByContact(actor.workspaceId, contactId);
      const contact = await identity.findContact(db, actor.workspaceId, contactId);
      if (!contact) throw notFound('Contact');
      return windows(actor, contact, conversation?.id ?? null);
    },

    /** Writing from the contact's record: its conversation, made if it has none, gets the message. */
    async sendToContact(actor: Actor, contactId: string, input: SendInput) {
      await conversations.requireReachableContact(actor, contactId);
      const conversation = await conversations.findByContact(actor.workspaceId, contactId);
      // The conversation's visibility rules apply here too: an agent may not write into one it cannot see.
      if (conversation) await conversations.requireVisible(actor, conversation.id);
      return sendIn(actor, contactId, conversation, input);
    },

    /** A channel identity's messages on that channel, with download links for their files (the website chat's visitor). */
    async historyOfIdentity(channel: Pick<ChannelRow, 'id' | 'workspaceId'>, identifier: string, query: { before?: Date; limit: number; messageId?: string }) {
      const rows = await repository.listOfIdentity(channel.workspaceId, channel.id, identifier, query.limit, query.before, query.messageId);
      return Promise.all(rows.map(async (row) => ({ ...publicMessage(row), attachments: await attachments.forDelivery(channel.workspaceId, row.id) })));
    },

    conversationOfIdentity: (channel: Pick<ChannelRow, 'id' | 'workspaceId'>, identifier: string) =>
      repository.conversationOfIdentity(channel.workspaceId, channel.id, identifier),

    /** Download links of a message's files, valid for a week, for someone without a session (a website-chat visitor). */
    linksOf: (workspaceId: string, messageId: string) => attachments.forDelivery(workspaceId, messageId),

    /**
     * A file a contact sent with a message already stored (the website chat's upload): kept as the
     * message's attachment, and the message announced again with it. 413 past the size limit.
     */
    async attachReceived(channel: Pick<ChannelRow, 'id' | 'workspaceId'>, messageId: string, file: { fileName?: string; kind: string; content: Buffer }) {
      const workspaceId = channel.workspaceId;
      const message = await repository.find(workspaceId, messageId);
      const conversation = message && (await conversations.find(workspaceId, message.conversationId));
      if (!message || !conversation || message.channelId !== channel.id) throw notFound('Message');
      await attachments.storeReceived({ workspaceId, messageId, contactId: conversation.contactId, fileName: file.fileName, kind: file.kind, content: file.content });
      const files = await filesOf(workspaceId, messageId);
      if (!message.hidden) await publishMessage(workspaceId, 'message.updated', publicMessage(message, files), conversation);
      return files;
    },

    /** `includeHidden` adds what a blocked contact sent, marked `hidden`; looking is not activity (nothing is marked read or counted). */
    async list(actor: Actor, conversationId: string, query: { cursor?: string; limit: number; includeHidden?: boolean }) {
      const page = () => repository.list(actor.workspaceId, conversationId, query.limit + 1, decodeTimeCursor(query.cursor), query.includeHidden ?? false);
      let rows;
      if (await conversations.seesEveryConversation(actor)) {
        // Its messages prove the conversation is in the workspace: only an empty page needs the lookup (404).
        rows = await page();
        if (rows.length === 0) await conversations.requireVisible(actor, conversationId);
      } else {
        // Read side by side: the page is thrown away unless the conversation may be seen.
        [, rows] = await Promise.all([conversations.requireVisible(actor, conversationId), page()]);
      }
      const items = rows.slice(0, query.limit);
      const withFiles = items.filter((row) => row.hasAttachments).map((row) => row.id);
      const files = withFiles.length > 0 ? await attachments.ofMessages(actor.workspaceId, withFiles) : new Map<string, PublicAttachment[]>();
      const last = rows.length > query.limit ? items[items.length - 1]! : undefined;
      return {
        items: items.map((row) => publicMessage(row, files.get(row.id))),
        nextCursor: last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
      };
    },
  };
}
