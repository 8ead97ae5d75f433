import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { badRequest } from '../platform/errors.js';
import { type Actor, assertAllowed } from '../platform/auth/permissions.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { createDashboardRepository } from './dashboard.repository.js';
import { messageBreakdown, openBreakdown } from './dashboard.rules.js';

const DAY_MS = 86_400_000;

export type DashboardService = ReturnType<typeof createDashboardService>;

/**
 * The dashboard's figures (issue 19), for owners and managers: what is open now, and how the team
 * did today and over the last 7 days. `todayStart` is the reader's midnight, so "today" is theirs.
 */
export function createDashboardService(deps: { db: Db; clock: Clock; workspace: WorkspaceService }) {
  const { db, clock, workspace } = deps;
  const repository = createDashboardRepository(db);

  async function period(workspaceId: string, since: Date, utcOffsetMinutes: number) {
    const [firstResponse, resolution, messages] = await Promise.all([
      repository.firstResponses(workspaceId, since),
      repository.resolutions(workspaceId, since),
      repository.messages(workspaceId, since, utcOffsetMinutes),
    ]);
    return { since: since.toISOString(), firstResponse, resolution, ...messageBreakdown(messages) };
  }

  return {
    async figures(actor: Actor, query: { todayStart?: string; utcOffsetMinutes?: number }) {
      assertAllowed(actor.role, 'dashboard.view');
      const now = clock.now();
      const todayStart = query.todayStart ? new Date(query.todayStart) : new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
      if (now.getTime() - todayStart.getTime() > 2 * DAY_MS || todayStart.getTime() > now.getTime()) {
        throw badRequest('invalid_field', 'todayStart: the start of the current day, in the last 48 hours', { field: 'todayStart' });
      }
      const offset = query.utcOffsetMinutes ?? 0;
      const { missedAfterSeconds } = await workspace.settings(actor);
      const [open, names, today, week] = await Promise.all([
        repository.openConversations(actor.workspaceId, new Date(now.getTime() - missedAfterSeconds * 1000)),
        repository.names(actor.workspaceId),
        period(actor.workspaceId, todayStart, offset),
        period(actor.workspaceId, new Date(todayStart.getTime() - 6 * DAY_MS), offset),
      ]);
      const channel = (id: string | null) => (id ? (names.channels.get(id) ?? null) : null);
      const named = <T extends { id: string | null }>(rows: T[]) => rows.map(({ id, ...counts }) => ({ channel: channel(id), ...counts }));
      const breakdown = openBreakdown(open);
      return {
        generatedAt: now.toISOString(),
        missedAfterSeconds,
        open: {
          ...breakdown.total,
          byTeam: breakdown.byTeam.map(({ id, ...counts }) => ({ team: id ? { id, name: names.teams.get(id) ?? '' } : null, ...counts })),
          byChannel: named(breakdown.byChannel),
        },
        today: { ...today, byChannel: named(today.byChannel) },
        week: { ...week, byChannel: named(week.byChannel) },
      };
    },
  };
}
