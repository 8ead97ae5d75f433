import { and, asc, count, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { teamMembers, teams, users, workspaces } from '../platform/db/schema.js';

export type UserRow = typeof users.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;
export type WorkspaceRow = typeof workspaces.$inferSelect;

/** Every query takes the workspace first: nothing here reads across workspaces. */
export function createWorkspaceRepository(db: Db) {
  return {
    async countWorkspaces(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(workspaces);
      return row?.n ?? 0;
    },

    async findWorkspace(workspaceId: string): Promise<WorkspaceRow | undefined> {
      const [row] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
      return row;
    },

    async findWorkspaceWithTeamsOf(workspaceId: string, userId: string) {
      const [row] = await db
        .select({
          id: workspaces.id,
          name: workspaces.name,
          settings: workspaces.settings,
          teamIds: sql<string[]>`array(select ${teamMembers.teamId}::text from ${teamMembers}
            where ${teamMembers.workspaceId} = ${workspaceId} and ${teamMembers.userId} = ${userId})`,
        })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId));
      return row;
    },

    async updateWorkspace(workspaceId: string, patch: Partial<Pick<WorkspaceRow, 'name' | 'settings'>>) {
      const [row] = await db.update(workspaces).set(patch).where(eq(workspaces.id, workspaceId)).returning();
      return row;
    },

    async findUser(workspaceId: string, userId: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)));
      return row;
    },

    async emailTaken(email: string): Promise<boolean> {
      const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
      return Boolean(row);
    },

    async listUsers(workspaceId: string, limit: number, after?: [string, string]): Promise<UserRow[]> {
      return db
        .select()
        .from(users)
        .where(
          and(
            eq(users.workspaceId, workspaceId),
            after ? or(gt(users.name, after[0]), and(eq(users.name, after[0]), gt(users.id, after[1]))) : undefined,
          ),
        )
        .orderBy(asc(users.name), asc(users.id))
        .limit(limit);
    },

    async countOwners(workspaceId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.workspaceId, workspaceId), eq(users.role, 'owner')));
      return row?.n ?? 0;
    },

    async findTeam(workspaceId: string, teamId: string): Promise<TeamRow | undefined> {
      const [row] = await db
        .select()
        .from(teams)
        .where(and(eq(teams.workspaceId, workspaceId), eq(teams.id, teamId)));
      return row;
    },

    async listTeams(workspaceId: string): Promise<Array<TeamRow & { memberIds: string[] }>> {
      const rows = await db
        .select({
          team: teams,
          memberIds: sql<string[]>`coalesce(array_agg(${teamMembers.userId}::text) filter (where ${teamMembers.userId} is not null), '{}')`,
        })
        .from(teams)
        .leftJoin(teamMembers, eq(teamMembers.teamId, teams.id))
        .where(eq(teams.workspaceId, workspaceId))
        .groupBy(teams.id)
        .orderBy(asc(teams.name));
      return rows.map((r) => ({ ...r.team, memberIds: r.memberIds }));
    },

    async memberIdsOfTeam(workspaceId: string, teamId: string): Promise<string[]> {
      const rows = await db
        .select({ userId: teamMembers.userId })
        .from(teamMembers)
        .where(and(eq(teamMembers.workspaceId, workspaceId), eq(teamMembers.teamId, teamId)));
      return rows.map((r) => r.userId);
    },

    async countUsersIn(workspaceId: string, userIds: string[]): Promise<number> {
      if (userIds.length === 0) return 0;
      const [row] = await db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.workspaceId, workspaceId), inArray(users.id, userIds)));
      return row?.n ?? 0;
    },

    /** Serialise changes to a workspace's users (e.g. two demotions racing past "last owner"). */
    async lockWorkspace(workspaceId: string): Promise<void> {
      await db.execute(sql`select id from workspaces where id = ${workspaceId} for update`);
    },

    async insertWorkspace(row: typeof workspaces.$inferInsert): Promise<WorkspaceRow> {
      const [created] = await db.insert(workspaces).values(row).returning();
      return created!;
    },

    async insertUser(row: typeof users.$inferInsert): Promise<UserRow> {
      const [created] = await db.insert(users).values(row).returning();
      return created!;
    },

    async mergeNotificationSettings(workspaceId: string, userId: string, patch: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
      const [row] = await db
        .update(users)
        .set({ notificationSettings: sql`${users.notificationSettings} || ${JSON.stringify(patch)}::jsonb` })
        .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)))
        .returning({ notificationSettings: users.notificationSettings });
      return row?.notificationSettings;
    },

    async updateUser(workspaceId: string, userId: string, patch: Partial<typeof users.$inferInsert>) {
      const [row] = await db
        .update(users)
        .set(patch)
        .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)))
        .returning();
      return row;
    },

    async deleteUser(workspaceId: string, userId: string): Promise<void> {
      await db.delete(users).where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)));
    },

    async insertTeam(row: typeof teams.$inferInsert): Promise<TeamRow> {
      const [created] = await db.insert(teams).values(row).returning();
      return created!;
    },

    async updateTeam(workspaceId: string, teamId: string, patch: { name: string }) {
      await db
        .update(teams)
        .set(patch)
        .where(and(eq(teams.workspaceId, workspaceId), eq(teams.id, teamId)));
    },

    async deleteTeam(workspaceId: string, teamId: string): Promise<void> {
      await db.delete(teams).where(and(eq(teams.workspaceId, workspaceId), eq(teams.id, teamId)));
    },

    async setTeamMembers(workspaceId: string, teamId: string, userIds: string[]): Promise<void> {
      await db.delete(teamMembers).where(and(eq(teamMembers.workspaceId, workspaceId), eq(teamMembers.teamId, teamId)));
      if (userIds.length > 0) {
        await db.insert(teamMembers).values(userIds.map((userId) => ({ workspaceId, teamId, userId })));
      }
    },
  };
}

export type WorkspaceRepository = ReturnType<typeof createWorkspaceRepository>;
