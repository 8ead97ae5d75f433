import { z } from 'zod';
import type { ContactAudience, EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import { cursorPart, decodeCursor, encodeCursor } from '../platform/pagination.js';
import { type Actor, grantOf } from '../platform/auth/permissions.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { channelStates, type FirstContactField } from './contact-channels.rules.js';
import { createCriteriaResolver, invalidField } from './contact-criteria.js';
import {
  changedFields,
  type ContactChanges,
  type ContactInput,
  type ContactState,
  type CustomFieldDefinition,
  normaliseContactInput,
  normaliseTagNames,
} from './contact-fields.rules.js';
import type { ContactFilter } from './contact-filter.js';
import { createContactTransfers } from './contact-transfers.js';
import {
  type ContactCursor,
  type ContactItem,
  type ContactSort,
  createContactsRepository,
  newContactRow,
  type SortOrder,
} from './contacts.repository.js';
import { createCustomFieldsRepository } from './custom-fields.repository.js';
import { createCustomFieldsService } from './custom-fields.service.js';
import { createSegmentsRepository } from './segments.repository.js';
import { createSegmentsService } from './segments.service.js';
import { createTagsRepository } from './tags.repository.js';
import { createTagsService } from './tags.service.js';

export type ContactsDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  workspace: WorkspaceService;
  /**
   * Bulk block and unblock go through the blocking domain, which closes conversations and tells
   * other modules (a port: blocking sits above contacts). Answers the contacts that changed.
   */
  blocking: { setBlockedMany(workspaceId: string, contactIds: string[], blocked: boolean, by: string | null): Promise<string[]> };
  /**
   * 404 unless the actor may read and change this contact (SPEC §1: an agent limited to its own
   * inboxes, only contacts of conversations it may see or assigned to it). A port: who sees a
   * conversation is the conversations domain's rule, above contacts.
   */
  visibility: {
    requireReachableContact(actor: Actor, contactId: string): Promise<void>;
    /** Who may read the contact: its events go to those users only. */
    audienceOfContact(workspaceId: string, contactId: string): Promise<ContactAudience | undefined>;
  };
  /** Deleting contacts deletes the files sent to them, in the same transaction (a port: attachments sit above contacts). */
  attachments: { discardOfContacts(tx: Db, workspaceId: string, contactIds: string[]): Promise<void> };
  /** Exports and uploaded imports are files under `<dataDir>/exports` and `<dataDir>/imports`. */
  dataDir: string;
  /** Which contact field lets the business write first on a channel type (the channel modules' `firstContact`). */
  firstContactBy: FirstContactField;
};

/** The API body of a contact: the fields of SPEC §7, each optional (PATCH takes any subset). */
export type ContactWrite = ContactInput & { assigneeId?: string | null; tags?: string[] };

export type ListOptions = { filter: ContactFilter; sort?: ContactSort; order?: SortOrder; cursor?: string; limit: number };

export type ContactsService = ReturnType<typeof createContactsService>;

/** A timestamp as PostgreSQL writes it (`2026-05-01 09:00:00.123+00`), in a year it can read back. */
const timestampText = z
  .string()
  .regex(/^(-?infinity|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}(:\d{2})?)$/)
  .refine((text) => !text.startsWith('0000'));
const cursorShapes: Record<ContactSort, z.ZodTuple> = {
  name: z.tuple([z.literal('name'), cursorPart.text, cursorPart.id]),
  created: z.tuple([z.literal('created'), timestampText, cursorPart.id]),
  lastInteraction: z.tuple([z.literal('lastInteraction'), timestampText, cursorPart.id]),
};

/** A cursor names its sort, so one made for another order is refused rather than misread. */
function readCursor(cursor: string | undefined, sort: ContactSort): ContactCursor | undefined {
  const values = decodeCursor(cursor, cursorShapes[sort]) as [ContactSort, string, string] | undefined;
  return values && [values[1], values[2]];
}

export function createContactsService(deps: ContactsDeps) {
  const { db, bus, clock, workspace } = deps;
  const repository = createContactsRepository(db);
  const tagsRepository = createTagsRepository(db);
  const fieldsRepository = createCustomFieldsRepository(db);
  const resolve = createCriteriaResolver({
    contacts: repository,
    tags: tagsRepository,
    customFields: fieldsRepository,
    segments: createSegmentsRepository(db),
  });

  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });
  /** An event carrying the contact's fields reaches only the users who may read the contact. */
  const emitAbout = async (workspaceId: string, type: string, contact: ContactItem, data: Record<string, unknown> = {}) =>
    bus.publish({ type, workspaceId, data: { contact, ...data }, contactAudience: (await deps.visibility.audienceOfContact(workspaceId, contact.id)) ?? { assigneeId: null, conversation: null } });

  async function definitionsOf(workspaceId: string): Promise<Map<string, CustomFieldDefinition>> {
    return new Map((await fieldsRepository.list(workspaceId)).map((d) => [d.key, d]));
  }

  function checkedChanges(input: ContactInput, current: ContactState | null, definitions: Map<string, CustomFieldDefinition>) {
    const result = normaliseContactInput(input, current, definitions);
    if (!result.ok) throw invalidField(result.error.field, result.error.message);
    return result.changes;
  }

  function checkedTags(names: string[]): string[] {
    const result = normaliseTagNames(names);
    if (!result.ok) throw invalidField('tags', `tags: ${result.reason}`);
    return result.value;
  }

  async function checkAssignee(actor: Actor, assigneeId: string | null | undefined) {
    if (!assigneeId) return;
    try {
      await workspace.getUser(actor, assigneeId);
    } catch {
      throw invalidField('assigneeId', 'assigneeId: no user with this id in the workspace');
    }
  }

  /** The contact as the API shows it; the caller checked the actor may reach it (or just wrote it). */
  async function requireItem(actor: Actor, id: string): Promise<ContactItem> {
    const item = await repository.findItem(actor.workspaceId, id);
    if (!item) throw notFound('Contact');
    return item;
  }

  async function requireRow(actor: Actor, id: string) {
    await deps.visibility.requireReachableContact(actor, id);
    const row = await repository.findRow(actor.workspaceId, id);
    if (!row) throw notFound('Contact');
    return row;
  }

  const transfers = createContactTransfers({ ...deps, resolve });

  return {
    ...transfers,
    tags: createTagsService({ db, bus, clock }),
    customFields: createCustomFieldsService({ db, bus, clock, jobs: deps.jobs }),
    segments: createSegmentsService({ db, bus, clock, resolve }),

    /** Keyset pages in the chosen order; by default the newest contacts first. */
    async list(actor: Actor, options: ListOptions) {
      const sort = options.sort ?? 'created';
      const order = options.order ?? (sort === 'name' ? 'asc' : 'desc');
      const after = readCursor(options.cursor, sort);
      const criteria = await resolve(actor.workspaceId, options.filter);
      const rows = await repository.page(actor.workspaceId, criteria, { sort, order, limit: options.limit + 1, after });
      const items = rows.slice(0, options.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => r.item),
        nextCursor: rows.length > options.limit && last ? encodeCursor([sort, ...last.cursor]) : null,
      };
    },

    /** How many contacts a filter selects: the bulk dialogs state it before anything runs. */
    async count(actor: Actor, filter: ContactFilter) {
      return { count: await repository.count(actor.workspaceId, await resolve(actor.workspaceId, filter)) };
    },

    async get(actor: Actor, id: string): Promise<ContactItem> {
      await deps.visibility.requireReachableContact(actor, id);
      return requireItem(actor, id);
    },

    /**
     * Contacts by id as `get` answers them, in one read, for work that acts on many at once
     * (workflows). Those that do not exist or are out of the actor's reach are left out.
     */
    async getMany(actor: Actor, ids: readonly string[]): Promise<Map<string, ContactItem>> {
      const reachable: string[] = [];
      for (const id of new Set(ids)) {
        try {
          await deps.visibility.requireReachableContact(actor, id);
          reachable.push(id);
        } catch (error) {
          if (!(error instanceof AppError && error.status === 404)) throw error;
        }
      }
      if (reachable.length === 0) return new Map();
      const rows = await repository.page(actor.workspaceId, { contactIds: reachable }, { sort: 'created', order: 'asc', limit: reachable.length });
      return new Map(rows.map(({ item }) => [item.id, item]));
    },

    /**
     * One tag added to, or removed from, many contacts at once, for work that acts on many
     * (workflows): one transaction, and one `contacts.updated` naming the contacts that changed,
     * with `cause` naming the change (every instance that hears it knows it as the same one).
     * Answers those contacts and the tag's name as stored; removing a tag never deletes it.
     */
    async tagMany(actor: Actor, ids: readonly string[], change: { add: string } | { remove: string }, cause: string) {
      for (const id of ids) await deps.visibility.requireReachableContact(actor, id);
      const adding = 'add' in change;
      const [name] = checkedTags([adding ? change.add : change.remove]);
      const now = clock.now();
      const outcome = await db.transaction(async (tx) => {
        const contacts = createContactsRepository(tx);
        const tags = createTagsRepository(tx);
        const [tag] = adding ? await tags.ensure(actor.workspaceId, [name!], newId, now) : await tags.findByNames(actor.workspaceId, [name!]);
        if (!tag) return { changed: [] as string[], tag: name! };
        const changed = adding ? await contacts.addTagReturning(actor.workspaceId, [...ids], tag.id, now) : await contacts.removeTagReturning(actor.workspaceId, [...ids], tag.id);
        await contacts.touch(actor.workspaceId, changed, now);
        return { changed, tag: tag.name };
      });
      if (outcome.changed.length > 0) {
        await emit(actor.workspaceId, 'contacts.updated', { contactIds: outcome.changed, changed: ['tags'], [adding ? 'tagsAdded' : 'tagsRemoved']: [outcome.tag], cause });
      }
      return outcome;
    },

    async create(actor: Actor, input: ContactWrite): Promise<ContactItem> {
      const changes = checkedChanges(input, null, await definitionsOf(actor.workspaceId));
      const tagNames = input.tags ? checkedTags(input.tags) : [];
      await checkAssignee(actor, input.assigneeId);
      const id = newId();
      const now = clock.now();
      await db.transaction(async (tx) => {
        const contacts = createContactsRepository(tx);
        await contacts.insert([newContactRow(actor.workspaceId, id, changes, { assigneeId: input.assigneeId, now })]);
        const tags = await createTagsRepository(tx).ensure(actor.workspaceId, tagNames, newId, now);
        await contacts.addTags(actor.workspaceId, [id], tags.map((t) => t.id), now);
      });
      const contact = await requireItem(actor, id);
      await emitAbout(actor.workspaceId, 'contact.created', contact);
      return contact;
    },

    /**
     * Changes only the fields sent. The contact row is locked for the change, and custom fields
     * are merged per key, so concurrent edits of different fields all survive (last write wins
     * per field). `tags` replaces the contact's tags; removing one never deletes the tag itself.
     */
    async update(actor: Actor, id: string, patch: ContactWrite): Promise<ContactItem> {
      await deps.visibility.requireReachableContact(actor, id);
      const definitions = patch.customFields ? await definitionsOf(actor.workspaceId) : new Map();
      const tagNames = patch.tags ? checkedTags(patch.tags) : undefined;
      await checkAssignee(actor, patch.assigneeId);
      const outcome = await db.transaction(async (tx) => {
        const contacts = createContactsRepository(tx);
        const tags = createTagsRepository(tx);
        const current = await contacts.findRow(actor.workspaceId, id, { forUpdate: true });
        if (!current) throw notFound('Contact');
        const changes: ContactChanges = checkedChanges(patch, current, definitions);
        const changed = changedFields(current, changes);
        if (patch.assigneeId !== undefined && patch.assigneeId !== current.assigneeId) changed.push('assigneeId');
        const now = clock.now();
        await contacts.update(actor.workspaceId, id, changes, { assigneeId: patch.assigneeId, now });
        let tagsAdded: string[] = [];
        let tagsRemoved: string[] = [];
        if (tagNames) {
          const wanted = await tags.ensure(actor.workspaceId, tagNames, newId, now);
          const before = new Set(await contacts.tagIdsOf(actor.workspaceId, id));
          const added = wanted.filter((t) => !before.has(t.id));
          const removedIds = [...before].filter((tagId) => !wanted.some((t) => t.id === tagId));
          tagsRemoved = await tags.names(actor.workspaceId, removedIds);
          tagsAdded = added.map((t) => t.name);
          await contacts.addTags(actor.workspaceId, [id], added.map((t) => t.id), now);
          await contacts.removeTags(actor.workspaceId, [id], removedIds);
          if (added.length || removedIds.length) changed.push('tags');
        }
        return { changed, tagsAdded, tagsRemoved };
      });
      const contact = await requireItem(actor, id);
      await emitAbout(actor.workspaceId, 'contact.updated', contact, outcome);
      return contact;
    },

    /**
     * Deletes the contact with its conversations and messages for good (FK cascades), and the
     * files sent to it (by a job queued in the same transaction).
     */
    async remove(actor: Actor, id: string): Promise<void> {
      const row = await requireRow(actor, id);
      if (grantOf(actor.role, 'contacts.delete') !== 'allow') {
        const settings = await workspace.settings(actor);
        if (!settings.agentsMayDeleteAssignedContacts || row.assigneeId !== actor.userId) {
          throw forbidden('forbidden', 'Agents may delete only contacts assigned to them, and only where the workspace allows it');
        }
      }
      await db.transaction(async (tx) => {
        await createContactsRepository(tx).delete(actor.workspaceId, [id]);
        await deps.attachments.discardOfContacts(tx, actor.workspaceId, [id]);
      });
      await emit(actor.workspaceId, 'contact.deleted', { contactId: id });
      await emit(actor.workspaceId, 'contacts.deleted', { contactIds: [id] });
    },

    /** Every channel of the workspace, as it stands with this contact (SPEC §2.2). */
    async channels(actor: Actor, id: string) {
      const contact = await requireRow(actor, id);
      const channels = await repository.workspaceChannels(actor.workspaceId);
      const identities = await repository.identities(actor.workspaceId, id);
      return { items: channelStates(channels, identities, contact, deps.firstContactBy) };
    },

    /** Removes the contact's identity on a channel (its number changed, say); history stays. */
    async removeChannel(actor: Actor, id: string, channelId: string): Promise<void> {
      await requireRow(actor, id);
      const removed = await repository.removeIdentity(actor.workspaceId, id, channelId, clock.now());
      if (removed === 0) throw notFound('Channel of this contact');
      const contact = await requireItem(actor, id);
      await emitAbout(actor.workspaceId, 'contact.updated', contact, { changed: ['channels'], tagsAdded: [], tagsRemoved: [] });
    },
  };
}
