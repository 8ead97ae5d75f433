import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicUser, SESSION_COOKIE, type AuthService } from '../platform/auth/auth.service.js';
import { roles } from '../platform/auth/permissions.js';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { sessionCookieOptions } from '../platform/http/platform.routes.js';
import { email, password, uuidParam } from '../platform/http/schemas.js';
import type { InvitationsService } from './invitations.service.js';

const manage = { permission: 'workspace.manage' as const };
const tags = ['users'];
const token = z.string().min(20).max(200);

export function registerInvitationRoutes({ app: root, config, services }: RouteContext<{ auth: AuthService; invitations: InvitationsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { auth, invitations } = services;
  const cookieOptions = sessionCookieOptions(config);

  app.post(
    '/api/v1/invitations',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Invite a user by email: a link to choose a password, valid 7 days, sent through the mail relay (SMTP_URL)',
        body: z.strictObject({ email, name: z.string().trim().min(1).max(200), role: z.enum(roles) }),
      },
    },
    async (request, reply) => reply.status(201).send(await invitations.invite(actorOf(request), request.body)),
  );

  app.get('/api/v1/invitations', { config: manage, schema: { tags, summary: 'Invitations not yet accepted nor expired' } }, async (request) =>
    invitations.list(actorOf(request)),
  );

  app.delete('/api/v1/invitations/:id', { config: manage, schema: { tags, summary: 'Withdraw an invitation: its link stops working', params: uuidParam } }, async (request, reply) => {
    await invitations.revoke(actorOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.get(
    '/api/v1/invitations/by-token/:token',
    { config: { public: true }, schema: { tags, summary: 'Who an invitation link is for, and where (no session needed)', params: z.strictObject({ token }) } },
    async (request) => invitations.lookup(request.params.token),
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      config: { public: true },
      schema: { tags, summary: 'Accept an invitation with a password of your choice; answers a session, as login does', body: z.strictObject({ token, password }) },
    },
    async (request, reply) => {
      const user = await invitations.accept(request.body.token, request.body.password);
      const session = await auth.createSession(user);
      reply.setCookie(SESSION_COOKIE, session, cookieOptions);
      return reply.status(201).send({ token: session, user: publicUser(user) });
    },
  );
}
