import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../platform/db/client.js';

type Count = number | string;
type Seconds = number | string | null;
const number = (value: Count) => Number(value);
const seconds = (value: Seconds) => (value === null ? null : Math.round(Number(value)));

export type OpenGroup = { channelId: string | null; teamId: string | null; open: number; unassigned: number; missed: number };
export type Times = { median: number | null; p90: number | null; count: number };
export type MessageGroup = { channelId: string | null; direction: 'in' | 'out'; hour: number; count: number };

/**
 * The dashboard's reads (issue 19), each on an index: open conversations by the status index;
 * first responses from the conversations made in the period (the activity index: a conversation's
 * last activity is never before its creation), one probe each into its messages; resolutions by
 * conversations_workspace_closed_idx; messages by messages_workspace_created_idx, which carries
 * what is counted (an index-only scan).
 */
export function createDashboardRepository(db: Db) {
  return {
    /** Open conversations now, by channel and team; `missed`: the contact has waited since before `missedBefore`. */
    async openConversations(workspaceId: string, missedBefore: Date): Promise<OpenGroup[]> {
      const rows = rowsOf<{ channel_id: string | null; team_id: string | null; open: Count; unassigned: Count; missed: Count }>(
        await db.execute(sql`
          select c.last_channel_id as channel_id, c.team_id, count(*) as open,
            count(*) filter (where c.assignee_id is null) as unassigned,
            count(*) filter (where c.awaiting_reply_since <= ${missedBefore}) as missed
          from conversations c
          join contacts k on k.workspace_id = c.workspace_id and k.id = c.contact_id
          where c.workspace_id = ${workspaceId} and c.status = 'open' and k.blocked_at is null and k.quarantined_at is null
          group by 1, 2`),
      );
      return rows.map((row) => ({ channelId: row.channel_id, teamId: row.team_id, open: number(row.open), unassigned: number(row.unassigned), missed: number(row.missed) }));
    },

    /** From the contact's first message to the first reply, for conversations the contact started since `since`. */
    async firstResponses(workspaceId: string, since: Date): Promise<Times> {
      const [row] = rowsOf<{ median: Seconds; p90: Seconds; count: Count }>(
        await db.execute(sql`
          select percentile_cont(0.5) within group (order by waited) as median, percentile_cont(0.9) within group (order by waited) as p90, count(*) as count
          from (
            select extract(epoch from (reply.created_at - first.created_at)) as waited
            from conversations c
            cross join lateral (
              select m.direction, m.created_at from messages m
              where m.workspace_id = c.workspace_id and m.conversation_id = c.id
              order by m.created_at, m.id limit 1) first
            cross join lateral (
              select m.created_at from messages m
              where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.direction = 'out' and m.type = 'message'
                and m.created_at >= first.created_at
              order by m.created_at limit 1) reply
            where c.workspace_id = ${workspaceId} and c.last_message_at >= ${since} and c.created_at >= ${since} and first.direction = 'in'
          ) answered`),
      );
      return { median: seconds(row!.median), p90: seconds(row!.p90), count: number(row!.count) };
    },

    /** From (re)opening to closing, for conversations closed since `since`. */
    async resolutions(workspaceId: string, since: Date): Promise<Times> {
      const [row] = rowsOf<{ median: Seconds; p90: Seconds; count: Count }>(
        await db.execute(sql`
          select percentile_cont(0.5) within group (order by took) as median, percentile_cont(0.9) within group (order by took) as p90, count(*) as count
          from (
            select extract(epoch from (c.closed_at - coalesce(c.opened_at, c.created_at))) as took
            from conversations c
            where c.workspace_id = ${workspaceId} and c.closed_at is not null and c.closed_at >= ${since}
          ) closed`),
      );
      return { median: seconds(row!.median), p90: seconds(row!.p90), count: number(row!.count) };
    },

    /** Messages (not comments, not hidden) since `since`, by channel, direction and hour of the day at `utcOffsetMinutes`. */
    async messages(workspaceId: string, since: Date, utcOffsetMinutes: number): Promise<MessageGroup[]> {
      const rows = rowsOf<{ channel_id: string | null; direction: 'in' | 'out'; hour: Count; count: Count }>(
        await db.execute(sql`
          select m.channel_id, m.direction, extract(hour from (m.created_at at time zone 'UTC') + ${utcOffsetMinutes} * interval '1 minute')::int as hour, count(*) as count
          from messages m
          where m.workspace_id = ${workspaceId} and m.created_at >= ${since} and m.type = 'message' and not m.hidden
          group by 1, 2, 3`),
      );
      return rows.map((row) => ({ channelId: row.channel_id, direction: row.direction, hour: number(row.hour), count: number(row.count) }));
    },

    async names(workspaceId: string) {
      const [channels, teams] = await Promise.all([
        db.execute(sql`select id, type, name from channels where workspace_id = ${workspaceId}`),
        db.execute(sql`select id, name from teams where workspace_id = ${workspaceId}`),
      ]);
      return {
        channels: new Map(rowsOf<{ id: string; type: string; name: string }>(channels).map((row) => [row.id, row])),
        teams: new Map(rowsOf<{ id: string; name: string }>(teams).map((row) => [row.id, row.name])),
      };
    },
  };
}
