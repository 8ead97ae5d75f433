import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Actor } from '../platform/auth/permissions.js';
import { invalidField, type ResolveCriteria } from './contact-criteria.js';
import type { ContactFilter } from './contact-filter.js';
import { createSegmentsRepository, type SegmentRow } from './segments.repository.js';

/** The built-in segment every workspace has: all blocked contacts, and only they (SPEC §2.3). */
export const BLOCKED_SEGMENT_ID = 'blocked';

const blockedSegment = { id: BLOCKED_SEGMENT_ID, name: 'Blocked contacts', builtIn: true, filter: { blocked: true }, createdAt: null };

const publicSegment = (segment: SegmentRow) => ({
  id: segment.id,
  name: segment.name,
  builtIn: false,
  filter: segment.filter,
  createdAt: segment.createdAt,
});

/** Segments are saved filters; a contact is in a segment when it matches the filter now. */
export function createSegmentsService(deps: { db: Db; bus: EventBus; clock: Clock; resolve: ResolveCriteria }) {
  const { bus, clock, resolve } = deps;
  const repository = createSegmentsRepository(deps.db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  /**
   * A saved filter names neither another segment nor blocked contacts (those are the built-in
   * segment's alone), and must resolve: errors name the field as `filter.<key>`.
   */
  async function checkedFilter(workspaceId: string, filter: ContactFilter): Promise<ContactFilter> {
    if (filter.segment !== undefined) throw invalidField('filter.segment', 'filter.segment: a segment cannot contain another segment');
    if (filter.blocked !== undefined) {
      throw invalidField('filter.blocked', 'filter.blocked: blocked contacts are in the built-in Blocked contacts segment only');
    }
    try {
      await resolve(workspaceId, filter);
    } catch (error) {
      if (error instanceof AppError && typeof error.details?.field === 'string') {
        const field = `filter.${error.details.field}`;
        throw invalidField(field, `filter.${error.message}`);
      }
      throw error;
    }
    return filter;
  }

  function refuseBuiltIn(id: string) {
    if (id === BLOCKED_SEGMENT_ID) throw conflict('built_in_segment', 'The Blocked contacts segment cannot be changed or deleted');
  }

  return {
    async list(actor: Actor) {
      const saved = await repository.list(actor.workspaceId);
      return { items: [blockedSegment, ...saved.map(publicSegment)], nextCursor: null };
    },

    async get(actor: Actor, id: string) {
      if (id === BLOCKED_SEGMENT_ID) return blockedSegment;
      const segment = await repository.find(actor.workspaceId, id);
      if (!segment) throw notFound('Segment');
      return publicSegment(segment);
    },

    async create(actor: Actor, input: { name: string; filter: ContactFilter }) {
      const filter = await checkedFilter(actor.workspaceId, input.filter);
      const segment = await repository.insert({
        id: newId(),
        workspaceId: actor.workspaceId,
        name: input.name,
        filter,
        createdBy: actor.userId,
        createdAt: clock.now(),
      });
      await emit(actor.workspaceId, 'segment.created', { segment: publicSegment(segment) });
      return publicSegment(segment);
    },

    async update(actor: Actor, id: string, patch: { name?: string; filter?: ContactFilter }) {
      refuseBuiltIn(id);
      const filter = patch.filter ? await checkedFilter(actor.workspaceId, patch.filter) : undefined;
      const segment =
        patch.name === undefined && filter === undefined
          ? await repository.find(actor.workspaceId, id)
          : await repository.update(actor.workspaceId, id, { name: patch.name, filter });
      if (!segment) throw notFound('Segment');
      await emit(actor.workspaceId, 'segment.updated', { segment: publicSegment(segment) });
      return publicSegment(segment);
    },

    async remove(actor: Actor, id: string) {
      refuseBuiltIn(id);
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Segment');
      await emit(actor.workspaceId, 'segment.deleted', { segmentId: id });
    },
  };
}
