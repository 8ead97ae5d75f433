import { and, eq, gt } from 'drizzle-orm';
import { publicUser } from '../platform/auth/auth.service.js';
import { hashPassword } from '../platform/auth/passwords.js';
import { type Actor, canManageUser, type Role } from '../platform/auth/permissions.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { invitations, users } from '../platform/db/schema.js';
import { AppError, conflict, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Mailer } from '../platform/mailer.js';
import { hashInvitationToken, invitationExpiry, invitationMail, newInvitationToken } from './invitation.rules.js';
import { createWorkspaceRepository } from './workspace.repository.js';
import { isUniqueViolation } from './workspace.service.js';

type InvitationRow = typeof invitations.$inferSelect;

const publicInvitation = (row: InvitationRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  expiresAt: row.expiresAt,
  createdAt: row.createdAt,
});

const goneLink = () =>
  new AppError(404, 'invitation_not_valid', 'This invitation link no longer works: it was used, withdrawn, or is older than 7 days. Ask for a new one.');

export type InvitationsService = ReturnType<typeof createInvitationsService>;

/**
 * Adding a user by email (issue 19): the invited person sets their own password through a link
 * mailed by the operator's relay (SMTP_URL). Only the link's hash is stored; accepting it creates
 * the user and spends the invitation in one transaction.
 */
export function createInvitationsService(deps: { db: Db; bus: EventBus; clock: Clock; mailer: Mailer; publicUrl: string }) {
  const { db, bus, clock, mailer, publicUrl } = deps;
  const repository = createWorkspaceRepository(db);

  async function pending(tokenHash: string, tx: Db = db) {
    const [row] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.tokenHash, tokenHash), gt(invitations.expiresAt, clock.now())));
    return row;
  }

  return {
    async invite(actor: Actor, input: { email: string; name: string; role: Role }) {
      if (!canManageUser(actor.role, input.role)) throw forbidden('cannot_manage_owner', 'Only an owner can invite another owner');
      if (!mailer.configured) {
        throw conflict('mail_not_configured', 'Invitations go by email and this server has no mail relay (SMTP_URL): create the user with a password instead');
      }
      const email = input.email.trim().toLowerCase();
      if (await repository.emailTaken(email)) throw conflict('email_taken', 'A user with this email exists already');
      const inviter = await repository.findUser(actor.workspaceId, actor.userId);
      const workspace = await repository.findWorkspace(actor.workspaceId);
      const { token, hash } = newInvitationToken();
      const now = clock.now();
      const row = await db.transaction(async (tx) => {
        // A new invitation replaces an earlier one to the same address: only the newest link works.
        await tx.delete(invitations).where(and(eq(invitations.workspaceId, actor.workspaceId), eq(invitations.email, email)));
        const [created] = await tx
          .insert(invitations)
          .values({ id: newId(), workspaceId: actor.workspaceId, email, name: input.name, role: input.role, tokenHash: hash, invitedBy: actor.userId, expiresAt: invitationExpiry(now), createdAt: now })
          .returning();
        return created!;
      });
      const mail = invitationMail({
        language: inviter?.language ?? null,
        name: input.name,
        inviter: inviter?.name ?? '',
        workspace: workspace?.name ?? '',
        link: `${publicUrl}/invitation/${token}`,
      });
      try {
        await mailer.send({ to: email, ...mail });
      } catch (error) {
        // Not sent is not invited: nobody could use the link.
        await db.delete(invitations).where(eq(invitations.id, row.id));
        throw new AppError(502, 'mail_failed', `The mail relay refused the invitation: ${(error as Error).message}`);
      }
      await bus.publish({ type: 'invitation.created', workspaceId: actor.workspaceId, data: { invitation: publicInvitation(row) } });
      return publicInvitation(row);
    },

    async list(actor: Actor) {
      const rows = await db
        .select()
        .from(invitations)
        .where(and(eq(invitations.workspaceId, actor.workspaceId), gt(invitations.expiresAt, clock.now())))
        .orderBy(invitations.createdAt);
      return { items: rows.map(publicInvitation) };
    },

    async revoke(actor: Actor, id: string) {
      const [row] = await db
        .delete(invitations)
        .where(and(eq(invitations.workspaceId, actor.workspaceId), eq(invitations.id, id)))
        .returning();
      if (!row) throw notFound('Invitation');
      await bus.publish({ type: 'invitation.deleted', workspaceId: actor.workspaceId, data: { invitationId: id } });
    },

    /** What the invitation page shows before the password is chosen: who is invited, where. */
    async lookup(token: string) {
      const row = await pending(hashInvitationToken(token));
      if (!row) throw goneLink();
      const workspace = await repository.findWorkspace(row.workspaceId);
      return { email: row.email, name: row.name, role: row.role, workspaceName: workspace?.name ?? '', expiresAt: row.expiresAt };
    },

    /** Creates the user with the chosen password and spends the invitation; answers the user, to sign in. */
    async accept(token: string, password: string) {
      const passwordHash = await hashPassword(password);
      const user = await db
        .transaction(async (tx) => {
          const [row] = await tx
            .delete(invitations)
            .where(and(eq(invitations.tokenHash, hashInvitationToken(token)), gt(invitations.expiresAt, clock.now())))
            .returning();
          if (!row) throw goneLink();
          const [created] = await tx
            .insert(users)
            .values({ id: newId(), workspaceId: row.workspaceId, email: row.email, name: row.name, role: row.role, passwordHash, createdAt: clock.now() })
            .returning();
          return created!;
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) throw conflict('email_taken', 'A user with this email exists already');
          throw error;
        });
      await bus.publish({ type: 'user.created', workspaceId: user.workspaceId, data: { user: publicUser(user) } });
      return user;
    },
  };
}
