import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { MergingService } from './merging.service.js';

const side = z.enum(['primary', 'secondary']);

const mergeBody = z.strictObject({
  primaryId: z.uuid(),
  secondaryId: z.uuid(),
  /** Which contact's value wins, per field that differs (`firstName`, …, `customFields.<key>`); the rest default. */
  fields: z.record(z.string().max(80), side).optional(),
});

/**
 * SPEC §7's merge routes. Merging, its undo and a contact's suggestions are checked in the service
 * (SPEC §1: agents may, from the drawer, where the workspace allows it); the Dashboard's groups and
 * the history belong to the Contacts module.
 */
export function registerMergingRoutes({ app: root, services }: RouteContext<{ merging: MergingService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { merging } = services;

  app.get(
    '/api/v1/contacts/merge-suggestions',
    {
      config: { permission: 'contacts.module' },
      schema: {
        tags: ['merging'],
        summary: 'Duplicate groups of the workspace, largest first: contacts sharing a phone number or an email',
        querystring: z.strictObject({ ...paginationQuery, limit: z.coerce.number().int().min(1).max(100).default(20) }),
      },
    },
    async (request) => merging.groups(actorOf(request), request.query),
  );

  app.get(
    '/api/v1/contacts/:id/merge-suggestions',
    { schema: { tags: ['merging'], summary: "The contact's duplicates, each with the values they share", params: uuidParam } },
    async (request) => merging.suggestionsOf(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/contacts/merge-suggestions/dismissals',
    {
      schema: {
        tags: ['merging'],
        summary: 'Not the same person: stop suggesting a pair until it shares a new value',
        body: z.strictObject({ contactIds: z.tuple([z.uuid(), z.uuid()]) }),
      },
    },
    async (request, reply) => {
      await merging.dismiss(actorOf(request), request.body.contactIds);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/contacts/merge',
    { schema: { tags: ['merging'], summary: 'Merge the secondary contact into the primary one (undo with POST /merges/:id/undo)', body: mergeBody } },
    async (request) => merging.merge(actorOf(request), request.body),
  );

  app.get(
    '/api/v1/merges',
    {
      config: { permission: 'contacts.module' },
      schema: { tags: ['merging'], summary: 'Merge history, newest first, with what would stop each undo', querystring: z.strictObject(paginationQuery) },
    },
    async (request) => merging.history(actorOf(request), request.query),
  );

  app.get('/api/v1/merges/:id', { schema: { tags: ['merging'], summary: 'One merge', params: uuidParam } }, async (request) =>
    merging.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/merges/:id/undo',
    { schema: { tags: ['merging'], summary: 'Undo a merge: both contacts as they were before it', params: uuidParam } },
    async (request) => merging.undo(actorOf(request), request.params.id),
  );
}
