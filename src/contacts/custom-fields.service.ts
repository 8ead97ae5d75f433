import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import type { Actor } from '../platform/auth/permissions.js';
import { isUniqueViolation } from '../workspace/workspace.service.js';
import { invalidField } from './contact-criteria.js';
import type { CustomFieldType } from './contact-fields.rules.js';
import { type CustomFieldRow, createCustomFieldsRepository } from './custom-fields.repository.js';

/** The job that removes a deleted field's values from every contact, in batches. */
export const PURGE_CUSTOM_FIELD_JOB = 'contacts.purgeCustomField';

export type CustomFieldInput = { key: string; label: string; type: CustomFieldType; options?: string[] | null; position?: number };
export type CustomFieldPatch = { label?: string; options?: string[] | null; position?: number };

export const publicCustomField = (field: CustomFieldRow) => ({
  id: field.id,
  key: field.key,
  label: field.label,
  type: field.type,
  options: field.options,
  position: field.position,
  createdAt: field.createdAt,
});

/** Only a dropdown has options, and it needs at least one; they are unique case-insensitively. */
function checkedOptions(type: CustomFieldType, options: string[] | null | undefined): string[] | null {
  if (type !== 'dropdown') {
    if (options?.length) throw invalidField('options', 'options: only a dropdown field has options');
    return null;
  }
  const cleaned = (options ?? []).map((o) => o.trim()).filter(Boolean);
  if (cleaned.length === 0) throw invalidField('options', 'options: a dropdown needs at least one option');
  if (new Set(cleaned.map((o) => o.toLowerCase())).size !== cleaned.length) {
    throw invalidField('options', 'options: each option must be different');
  }
  return cleaned;
}

/** Moves `id` to `position` (clamped) in the list of ids. */
function moved(ids: string[], id: string, position: number): string[] {
  const rest = ids.filter((other) => other !== id);
  const at = Math.max(0, Math.min(position, rest.length));
  return [...rest.slice(0, at), id, ...rest.slice(at)];
}

/** Custom field definitions of the workspace (SPEC §2.1), in their configured order. */
export function createCustomFieldsService(deps: { db: Db; bus: EventBus; clock: Clock; jobs: JobQueue }) {
  const { db, bus, clock, jobs } = deps;
  const repository = createCustomFieldsRepository(db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  /** Writes positions 0..n-1 in the given order, inside the caller's transaction. */
  async function writeOrder(tx: Db, workspaceId: string, ids: string[]) {
    const repo = createCustomFieldsRepository(tx);
    for (const [position, id] of ids.entries()) await repo.update(workspaceId, id, { position });
  }

  async function listed(workspaceId: string) {
    return { items: (await repository.list(workspaceId)).map(publicCustomField) };
  }

  return {
    list: (actor: Actor) => listed(actor.workspaceId),

    async create(actor: Actor, input: CustomFieldInput) {
      const options = checkedOptions(input.type, input.options);
      const field = await db.transaction(async (tx) => {
        const repo = createCustomFieldsRepository(tx);
        await repo.lock(actor.workspaceId);
        if (await repo.findByKey(actor.workspaceId, input.key)) {
          throw conflict('custom_field_key_taken', 'A custom field with this key exists already');
        }
        const created = await repo
          .insert({
            id: newId(),
            workspaceId: actor.workspaceId,
            key: input.key,
            label: input.label,
            type: input.type,
            options,
            position: await repo.nextPosition(actor.workspaceId),
            createdAt: clock.now(),
          })
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw conflict('custom_field_key_taken', 'A custom field with this key exists already');
            throw error;
          });
        if (input.position !== undefined) {
          const ids = (await repo.list(actor.workspaceId)).map((f) => f.id);
          await writeOrder(tx, actor.workspaceId, moved(ids, created.id, input.position));
        }
        return (await repo.find(actor.workspaceId, created.id))!;
      });
      await emit(actor.workspaceId, 'customField.created', { customField: publicCustomField(field) });
      return publicCustomField(field);
    },

    /** The key and type are fixed: stored values are filed under the key and checked by the type. */
    async update(actor: Actor, id: string, patch: CustomFieldPatch) {
      const field = await db.transaction(async (tx) => {
        const repo = createCustomFieldsRepository(tx);
        await repo.lock(actor.workspaceId);
        const current = await repo.find(actor.workspaceId, id);
        if (!current) throw notFound('Custom field');
        const options = patch.options !== undefined ? checkedOptions(current.type, patch.options) : undefined;
        if (patch.label !== undefined || options !== undefined) {
          await repo.update(actor.workspaceId, id, { label: patch.label, options });
        }
        if (patch.position !== undefined) {
          const ids = (await repo.list(actor.workspaceId)).map((f) => f.id);
          await writeOrder(tx, actor.workspaceId, moved(ids, id, patch.position));
        }
        return (await repo.find(actor.workspaceId, id))!;
      });
      await emit(actor.workspaceId, 'customField.updated', { customField: publicCustomField(field) });
      return publicCustomField(field);
    },

    /** `ids` lists every field of the workspace once, in the new order. */
    async reorder(actor: Actor, ids: string[]) {
      await db.transaction(async (tx) => {
        const repo = createCustomFieldsRepository(tx);
        await repo.lock(actor.workspaceId);
        const current = (await repo.list(actor.workspaceId)).map((f) => f.id);
        const same = ids.length === current.length && new Set(ids).size === ids.length && ids.every((id) => current.includes(id));
        if (!same) throw invalidField('ids', 'ids: list every custom field of the workspace exactly once');
        await writeOrder(tx, actor.workspaceId, ids);
      });
      const result = await listed(actor.workspaceId);
      await emit(actor.workspaceId, 'customField.reordered', { ids });
      return result;
    },

    /** The definition goes at once; its values leave the contacts in a background job. */
    async remove(actor: Actor, id: string) {
      const field = await repository.delete(actor.workspaceId, id);
      if (!field) throw notFound('Custom field');
      await jobs.enqueue({ type: PURGE_CUSTOM_FIELD_JOB, workspaceId: actor.workspaceId, payload: { key: field.key }, createdBy: actor.userId });
      await emit(actor.workspaceId, 'customField.deleted', { customFieldId: id, key: field.key });
    },
  };
}
