import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { type AuthService, publicUser } from '../platform/auth/auth.service.js';
import { hashPassword, verifyPassword } from '../platform/auth/passwords.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { cursorPart, decodeCursor, page } from '../platform/pagination.js';
import { type Actor, canManageUser, type Role } from '../platform/auth/permissions.js';
import { type NotificationSettings, readNotificationSettings } from './notification-settings.js';
import { readSettings, type WorkspaceSettings } from './settings.js';
import { createWorkspaceRepository, type UserRow } from './workspace.repository.js';


export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

export function createWorkspaceService(deps: { db: Db; bus: EventBus; clock: Clock; auth: AuthService }) {
  const { db, bus, clock, auth } = deps;
  const repository = createWorkspaceRepository(db);

  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) =>
    bus.publish({ type, workspaceId, data });

  /** Runs inside the caller's transaction when given one: PGlite has a single connection. */
  async function createWorkspaceWithOwner(
    input: { workspaceName: string; email: string; password: string; name?: string },
    handle: Db = db,
  ) {
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    const write = async (tx: Db) => {
      const repo = createWorkspaceRepository(tx);
      if (await repo.emailTaken(email)) throw conflict('email_taken', 'A user with this email exists already');
      const now = clock.now();
      const workspace = await repo.insertWorkspace({ id: newId(), name: input.workspaceName, settings: {}, createdAt: now });
      const owner = await repo.insertUser({
        id: newId(),
        workspaceId: workspace.id,
        email,
        name: input.name ?? email.split('@')[0]!,
        role: 'owner',
        passwordHash,
        createdAt: now,
      });
      return { workspace, owner };
    };
    return handle === db ? db.transaction(write) : write(handle);
  }

  async function requireUser(actor: Actor, userId: string): Promise<UserRow> {
    const user = await repository.findUser(actor.workspaceId, userId);
    if (!user) throw notFound('User');
    return user;
  }

  /** What authentication loads for a caller: the user, its workspace and its teams; undefined when either is gone. */
  async function principalOf(workspaceId: string, userId: string) {
    const [user, workspace] = await Promise.all([repository.findUser(workspaceId, userId), repository.findWorkspaceWithTeamsOf(workspaceId, userId)]);
    return user && workspace ? { user, workspace, teamIds: workspace.teamIds } : undefined;
  }

  async function loadPrincipal(actor: Actor) {
    const principal = await principalOf(actor.workspaceId, actor.userId);
    if (!principal) throw notFound('User');
    return principal;
  }

  return {
    createWorkspaceWithOwner,

    /**
     * A user acting where no request carries them (a workflow acts as its author), loaded as
     * authentication loads a caller, with `role` when the work acts with other rights than the
     * user's own; undefined when the user is gone.
     */
    async loadActor(workspaceId: string, userId: string, role?: Role): Promise<Actor | undefined> {
      const loaded = await principalOf(workspaceId, userId);
      return loaded && { userId, workspaceId, role: role ?? loaded.user.role, loaded };
    },

    async isSetUp(): Promise<boolean> {
      return (await repository.countWorkspaces()) > 0;
    },

    /** The first-run page: only an empty installation may create its workspace this way. */
    async setup(input: { workspaceName: string; email: string; password: string; name?: string }) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
        if ((await createWorkspaceRepository(tx).countWorkspaces()) > 0) {
          throw conflict('already_set_up', 'This Switchboard already has a workspace: log in instead');
        }
        return createWorkspaceWithOwner(input, tx);
      });
    },

    /** Answers from what authentication loaded when the actor carries it (every request does), else reads it. */
    async me(actor: Actor) {
      const { user, workspace, teamIds } = actor.loaded ?? (await loadPrincipal(actor));
      return {
        user: publicUser(user),
        workspace: { id: workspace.id, name: workspace.name, settings: readSettings(workspace.settings) },
        teamIds,
      };
    },

    async workspace(actor: Actor) {
      const workspace = await repository.findWorkspace(actor.workspaceId);
      if (!workspace) throw notFound('Workspace');
      return { id: workspace.id, name: workspace.name, settings: readSettings(workspace.settings) };
    },

    async updateMe(actor: Actor, patch: { name?: string; language?: string | null }) {
      const user = await repository.updateUser(actor.workspaceId, actor.userId, patch);
      if (!user) throw notFound('User');
      await emit(actor.workspaceId, 'user.updated', { user: publicUser(user) });
      return publicUser(user);
    },

    async notificationSettings(actor: Actor): Promise<NotificationSettings> {
      return readNotificationSettings((await requireUser(actor, actor.userId)).notificationSettings);
    },

    /** The user's own notification settings; their other tabs follow through `notifications.updated`. */
    async updateNotificationSettings(actor: Actor, patch: Partial<NotificationSettings>): Promise<NotificationSettings> {
      // Merged in the statement: two tabs changing different settings at once keep both changes.
      const stored = await repository.mergeNotificationSettings(actor.workspaceId, actor.userId, patch);
      if (!stored) throw notFound('User');
      const settings = readNotificationSettings(stored);
      await bus.publish({ type: 'notifications.updated', workspaceId: actor.workspaceId, userIds: [actor.userId], data: { settings } });
      return settings;
    },

    async changeOwnPassword(actor: Actor, currentPassword: string, newPassword: string, keepTokenHash: string) {
      const user = await requireUser(actor, actor.userId);
      if (!(await verifyPassword(user.passwordHash, currentPassword))) {
        throw new AppError(400, 'wrong_password', 'currentPassword: the current password is wrong', { field: 'currentPassword' });
      }
      await repository.updateUser(actor.workspaceId, actor.userId, { passwordHash: await hashPassword(newPassword) });
      await auth.revokeUserSessions(actor.userId, keepTokenHash);
      await emit(actor.workspaceId, 'sessions.revoked', { userId: actor.userId, exceptTokenHash: keepTokenHash });
    },

    async settings(actor: Actor): Promise<WorkspaceSettings> {
      return readSettings((await repository.findWorkspace(actor.workspaceId))?.settings);
    },

    /** For work no user does at that moment (an inbound message, a job), in the caller's transaction if it has one. */
    async settingsOf(workspaceId: string, tx: Db = db): Promise<WorkspaceSettings> {
      return readSettings((await createWorkspaceRepository(tx).findWorkspace(workspaceId))?.settings);
    },

    async updateWorkspace(actor: Actor, patch: { name?: string; settings?: Partial<WorkspaceSettings> }) {
      const workspace = await db.transaction(async (tx) => {
        const repo = createWorkspaceRepository(tx);
        await repo.lockWorkspace(actor.workspaceId);
        const current = await repo.findWorkspace(actor.workspaceId);
        const settings = { ...readSettings(current?.settings), ...patch.settings };
        return repo.updateWorkspace(actor.workspaceId, { name: patch.name, settings });
      });
      const result = { id: workspace!.id, name: workspace!.name, settings: readSettings(workspace!.settings) };
      await emit(actor.workspaceId, 'workspace.updated', { workspace: result });
      return result;
    },

    async listUsers(actor: Actor, options: { cursor?: string; limit: number }) {
      const after = decodeCursor(options.cursor, z.tuple([cursorPart.text, cursorPart.id]));
      const rows = await repository.listUsers(actor.workspaceId, options.limit + 1, after);
      const result = page(rows, options.limit, (u) => [u.name, u.id]);
      return { items: result.items.map(publicUser), nextCursor: result.nextCursor };
    },

    /** A user's name as a customer may see it (the website chat shows who answers). */
    async userName(workspaceId: string, userId: string): Promise<string | undefined> {
      return (await repository.findUser(workspaceId, userId))?.name;
    },

    async getUser(actor: Actor, userId: string) {
      return publicUser(await requireUser(actor, userId));
    },

    async createUser(actor: Actor, input: { email: string; name: string; role: Role; password: string }) {
      if (!canManageUser(actor.role, input.role)) {
        throw forbidden('cannot_manage_owner', 'Only an owner can create another owner');
      }
      const email = input.email.trim().toLowerCase();
      if (await repository.emailTaken(email)) throw conflict('email_taken', 'A user with this email exists already');
      const passwordHash = await hashPassword(input.password);
      const user = await insertOrConflict('email_taken', 'A user with this email exists already', () => repository.insertUser({
        id: newId(),
        workspaceId: actor.workspaceId,
        email,
        name: input.name,
        role: input.role,
        passwordHash,
        createdAt: clock.now(),
      }));
      await emit(actor.workspaceId, 'user.created', { user: publicUser(user) });
      return publicUser(user);
    },

    async updateUser(actor: Actor, userId: string, patch: { name?: string; role?: Role; language?: string | null }) {
      const user = await db.transaction(async (tx) => {
        const repo = createWorkspaceRepository(tx);
        await repo.lockWorkspace(actor.workspaceId);
        const target = await repo.findUser(actor.workspaceId, userId);
        if (!target) throw notFound('User');
        if (!canManageUser(actor.role, target.role) || (patch.role && !canManageUser(actor.role, patch.role))) {
          throw forbidden('cannot_manage_owner', 'Only an owner can change an owner or make one');
        }
        if (target.role === 'owner' && patch.role && patch.role !== 'owner' && (await repo.countOwners(actor.workspaceId)) <= 1) {
          throw conflict('last_owner', 'The workspace needs at least one owner');
        }
        return repo.updateUser(actor.workspaceId, userId, patch);
      });
      await emit(actor.workspaceId, 'user.updated', { user: publicUser(user!) });
      return publicUser(user!);
    },

    async removeUser(actor: Actor, userId: string) {
      if (userId === actor.userId) throw badRequest('cannot_remove_self', 'You cannot remove yourself');
      await db.transaction(async (tx) => {
        const repo = createWorkspaceRepository(tx);
        await repo.lockWorkspace(actor.workspaceId);
        const target = await repo.findUser(actor.workspaceId, userId);
        if (!target) throw notFound('User');
        if (!canManageUser(actor.role, target.role)) throw forbidden('cannot_manage_owner', 'Only an owner can remove an owner');
        if (target.role === 'owner' && (await repo.countOwners(actor.workspaceId)) <= 1) {
          throw conflict('last_owner', 'The workspace needs at least one owner');
        }
        await repo.deleteUser(actor.workspaceId, userId);
      });
      await emit(actor.workspaceId, 'user.removed', { userId });
    },

    /** Owners only (the route checks): sets a new password and signs the user out everywhere. */
    async resetPassword(actor: Actor, userId: string, password: string) {
      if (actor.role !== 'owner') throw forbidden('forbidden', 'Only an owner can reset passwords');
      await requireUser(actor, userId);
      await repository.updateUser(actor.workspaceId, userId, { passwordHash: await hashPassword(password) });
      await auth.revokeUserSessions(userId);
      await emit(actor.workspaceId, 'sessions.revoked', { userId });
    },

    async listTeams(actor: Actor) {
      return { items: await repository.listTeams(actor.workspaceId) };
    },

    async getTeam(actor: Actor, teamId: string) {
      const team = await repository.findTeam(actor.workspaceId, teamId);
      if (!team) throw notFound('Team');
      return { ...team, memberIds: await repository.memberIdsOfTeam(actor.workspaceId, teamId) };
    },

    async createTeam(actor: Actor, input: { name: string; memberIds?: string[] }) {
      const team = await db.transaction(async (tx) => {
        const repo = createWorkspaceRepository(tx);
        const memberIds = await checkedMembers(repo, actor.workspaceId, input.memberIds ?? []);
        const created = await insertOrConflict('team_name_taken', 'A team with this name exists already', () =>
          repo.insertTeam({ id: newId(), workspaceId: actor.workspaceId, name: input.name, createdAt: clock.now() }),
        );
        await repo.setTeamMembers(actor.workspaceId, created.id, memberIds);
        return { ...created, memberIds };
      });
      await emit(actor.workspaceId, 'team.created', { team });
      return team;
    },

    async updateTeam(actor: Actor, teamId: string, patch: { name?: string; memberIds?: string[] }) {
      const team = await db.transaction(async (tx) => {
        const repo = createWorkspaceRepository(tx);
        if (!(await repo.findTeam(actor.workspaceId, teamId))) throw notFound('Team');
        if (patch.name) await insertOrConflict('team_name_taken', 'A team with this name exists already', () => repo.updateTeam(actor.workspaceId, teamId, { name: patch.name! }));
        if (patch.memberIds) {
          await repo.setTeamMembers(actor.workspaceId, teamId, await checkedMembers(repo, actor.workspaceId, patch.memberIds));
        }
        const updated = await repo.findTeam(actor.workspaceId, teamId);
        return { ...updated!, memberIds: await repo.memberIdsOfTeam(actor.workspaceId, teamId) };
      });
      await emit(actor.workspaceId, 'team.updated', { team });
      return team;
    },

    async removeTeam(actor: Actor, teamId: string) {
      if (!(await repository.findTeam(actor.workspaceId, teamId))) throw notFound('Team');
      await repository.deleteTeam(actor.workspaceId, teamId);
      await emit(actor.workspaceId, 'team.removed', { teamId });
    },
  };
}

async function checkedMembers(repo: ReturnType<typeof createWorkspaceRepository>, workspaceId: string, ids: string[]) {
  const unique = [...new Set(ids)];
  if ((await repo.countUsersIn(workspaceId, unique)) !== unique.length) {
    throw badRequest('invalid_field', 'memberIds: every member must be a user of this workspace', { field: 'memberIds' });
  }
  return unique;
}

/** A unique index is the real guard against races; this turns its violation into a 409. */
async function insertOrConflict<T>(code: string, message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(code, message);
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  return code === '23505';
}
