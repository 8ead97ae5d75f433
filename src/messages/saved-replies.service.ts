import { z } from 'zod';
import { escapeLike } from '../contacts/contact-search.rules.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { cursorPart, decodeCursor, page } from '../platform/pagination.js';
import { isUniqueViolation } from '../workspace/workspace.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import { createSavedRepliesRepository, type SavedReplyRow } from './saved-replies.repository.js';

const publicSavedReply = (row: SavedReplyRow) => ({
  id: row.id,
  shortcut: row.shortcut,
  text: row.text,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const shortcutTaken = () => conflict('shortcut_taken', 'A saved reply with this shortcut exists already');

export type SavedRepliesService = ReturnType<typeof createSavedRepliesService>;

export function createSavedRepliesService(deps: { db: Db; bus: EventBus; clock: Clock }) {
  const { db, bus, clock } = deps;
  const repository = createSavedRepliesRepository(db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  async function write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw shortcutTaken();
      throw error;
    }
  }

  return {
    async list(actor: Actor, query: { q?: string; cursor?: string; limit: number }) {
      const q = query.q?.trim();
      const after = decodeCursor(query.cursor, z.tuple([cursorPart.text, cursorPart.id]));
      const rows = await repository.list(actor.workspaceId, query.limit + 1, q ? `%${escapeLike(q)}%` : undefined, after);
      const result = page(rows, query.limit, (row) => [row.shortcut.toLowerCase(), row.id]);
      return { items: result.items.map(publicSavedReply), nextCursor: result.nextCursor };
    },

    async get(actor: Actor, id: string) {
      const row = await repository.find(actor.workspaceId, id);
      if (!row) throw notFound('Saved reply');
      return publicSavedReply(row);
    },

    async create(actor: Actor, input: { shortcut: string; text: string }) {
      const now = clock.now();
      const row = await write(() =>
        repository.insert({ id: newId(), workspaceId: actor.workspaceId, ...input, createdBy: actor.userId, createdAt: now, updatedAt: now }),
      );
      await emit(actor.workspaceId, 'saved_reply.created', { savedReply: publicSavedReply(row) });
      return publicSavedReply(row);
    },

    async update(actor: Actor, id: string, patch: { shortcut?: string; text?: string }) {
      const row = await write(() => repository.update(actor.workspaceId, id, { ...patch, updatedAt: clock.now() }));
      if (!row) throw notFound('Saved reply');
      await emit(actor.workspaceId, 'saved_reply.updated', { savedReply: publicSavedReply(row) });
      return publicSavedReply(row);
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Saved reply');
      await emit(actor.workspaceId, 'saved_reply.removed', { savedReplyId: id });
    },
  };
}
