import { z } from 'zod';
import { isUniqueViolation } from '../workspace/workspace.service.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { cursorPart, decodeCursor, encodeCursor } from '../platform/pagination.js';
import type { Actor } from '../platform/auth/permissions.js';
import { invalidField } from './contact-criteria.js';
import { normaliseTagNames } from './contact-fields.rules.js';
import { createTagsRepository, type TagRow } from './tags.repository.js';

const publicTag = (tag: TagRow) => ({ id: tag.id, name: tag.name, createdAt: tag.createdAt });

/** The workspace's tags (SPEC §2.1): found by searching, created on first use, renamed, deleted. */
export function createTagsService(deps: { db: Db; bus: EventBus; clock: Clock }) {
  const { bus, clock } = deps;
  const repository = createTagsRepository(deps.db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  function checkedName(name: string): string {
    const result = normaliseTagNames([name]);
    if (!result.ok) throw invalidField('name', `name: ${result.reason}`);
    return result.value[0]!;
  }

  async function uniquely<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('tag_name_taken', 'A tag with this name exists already');
      throw error;
    }
  }

  return {
    /** By name, with the number of contacts carrying each tag; `q` finds tags containing it. */
    async list(actor: Actor, options: { q?: string; cursor?: string; limit: number }) {
      const after = decodeCursor(options.cursor, z.tuple([cursorPart.text]))?.[0];
      const rows = await repository.list(actor.workspaceId, { q: options.q?.trim() || undefined, limit: options.limit + 1, after });
      const items = rows.slice(0, options.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => ({ id: r.id, name: r.name, count: r.count, createdAt: r.createdAt })),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.sort_key]) : null,
      };
    },

    async create(actor: Actor, input: { name: string }) {
      const tag = await uniquely(() =>
        repository.insert({ id: newId(), workspaceId: actor.workspaceId, name: checkedName(input.name), createdAt: clock.now() }),
      );
      await emit(actor.workspaceId, 'tag.created', { tag: publicTag(tag) });
      return publicTag(tag);
    },

    async rename(actor: Actor, id: string, input: { name: string }) {
      const tag = await uniquely(() => repository.rename(actor.workspaceId, id, checkedName(input.name)));
      if (!tag) throw notFound('Tag');
      await emit(actor.workspaceId, 'tag.updated', { tag: publicTag(tag) });
      return publicTag(tag);
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Tag');
      await emit(actor.workspaceId, 'tag.deleted', { tagId: id });
    },
  };
}
