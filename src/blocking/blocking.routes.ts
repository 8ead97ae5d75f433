import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { BlockingService } from './blocking.service.js';
import type { SpamService } from './spam.service.js';

const spamPolicy = z.strictObject({ action: z.enum(['none', 'quarantine', 'block']), threshold: z.number().int().min(1).max(10_000) });

export function registerBlockingRoutes({ app: root, services }: RouteContext<{ blocking: BlockingService; spam: SpamService; contacts: ContactsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { blocking, spam, contacts } = services;

  /** The contact as the Contacts API shows it, with when it was blocked. */
  const contactWith = async (actor: Actor, id: string, state: { blockedAt: Date | null }) => ({
    contact: { ...(await contacts.get(actor, id)), blockedAt: state.blockedAt },
  });

  // Every role: agents block from the Inbox (SPEC §1). The Contacts module's bulk block is owners' and managers'.
  app.post(
    '/api/v1/contacts/:id/block',
    {
      config: { permission: 'inbox.block' },
      schema: {
        tags: ['blocking'],
        summary: 'Block: closes the conversation, then moves it to Blocked contacts; what the contact sends is kept hidden. Idempotent',
        params: uuidParam,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return contactWith(actor, request.params.id, await blocking.block(actor, request.params.id));
    },
  );

  app.post(
    '/api/v1/contacts/:id/unblock',
    {
      config: { permission: 'inbox.block' },
      schema: { tags: ['blocking'], summary: 'Unblock: normal from now on; nothing received while blocked is shown as new. Idempotent', params: uuidParam },
    },
    async (request) => {
      const actor = actorOf(request);
      return contactWith(actor, request.params.id, await blocking.unblock(actor, request.params.id));
    },
  );

  app.get('/api/v1/spam/settings', { config: { permission: 'workspace.manage' }, schema: { tags: ['spam'] } }, async (request) =>
    spam.settings(actorOf(request)),
  );

  app.patch(
    '/api/v1/spam/settings',
    {
      config: { permission: 'workspace.manage' },
      schema: {
        tags: ['spam'],
        summary: 'Change the fields sent; `channels` sets the policy of the channels it names (by id)',
        body: z.strictObject({
          blockedDomains: z.array(z.string().max(253)).max(1000).optional(),
          burstPerMinute: z.number().int().min(2).max(1000).optional(),
          repeatedTextContacts: z.number().int().min(2).max(1000).optional(),
          channels: z.record(z.uuid(), spamPolicy).optional(),
        }),
      },
    },
    async (request) => spam.updateSettings(actorOf(request), request.body),
  );

  app.get(
    '/api/v1/spam/decisions',
    {
      config: { permission: 'contacts.module' },
      schema: {
        tags: ['spam'],
        summary: 'What the spam rules quarantined or blocked, newest first, with their reasons: the review list',
        querystring: z.strictObject({ state: z.enum(['active', 'reversed']).optional(), ...paginationQuery }),
      },
    },
    async (request) => spam.decisions(actorOf(request), request.query),
  );

  app.get('/api/v1/spam/decisions/:id', { config: { permission: 'contacts.module' }, schema: { tags: ['spam'], params: uuidParam } }, async (request) =>
    spam.getDecision(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/spam/decisions/:id/reverse',
    {
      config: { permission: 'contacts.module' },
      schema: { tags: ['spam'], summary: 'Not spam: releases a quarantined conversation into the inbox, or unblocks the contact. Idempotent', params: uuidParam },
    },
    async (request) => spam.reverse(actorOf(request), request.params.id),
  );
}
