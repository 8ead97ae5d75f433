import type { MessageGroup, OpenGroup } from './dashboard.repository.js';

type OpenCounts = { open: number; unassigned: number; missed: number };

const add = (total: OpenCounts, group: OpenCounts): OpenCounts => ({
  open: total.open + group.open,
  unassigned: total.unassigned + group.unassigned,
  missed: total.missed + group.missed,
});
const none: OpenCounts = { open: 0, unassigned: 0, missed: 0 };

/** Open conversations in all, by team (null: no team) and by channel, the largest first. Pure. */
export function openBreakdown(groups: OpenGroup[]) {
  const byKey = (key: (group: OpenGroup) => string | null) => {
    const totals = new Map<string | null, OpenCounts>();
    for (const group of groups) totals.set(key(group), add(totals.get(key(group)) ?? none, group));
    return [...totals].map(([id, counts]) => ({ id, ...counts })).sort((a, b) => b.open - a.open);
  };
  return { total: groups.reduce(add, none), byTeam: byKey((group) => group.teamId), byChannel: byKey((group) => group.channelId) };
}

/** Messages in and out by channel, and the contacts' messages by hour of the day (0–23). Pure. */
export function messageBreakdown(groups: MessageGroup[]) {
  const channels = new Map<string | null, { inbound: number; outbound: number }>();
  const hours = Array.from({ length: 24 }, () => 0);
  for (const group of groups) {
    const counts = channels.get(group.channelId) ?? { inbound: 0, outbound: 0 };
    if (group.direction === 'in') {
      counts.inbound += group.count;
      hours[group.hour] = hours[group.hour]! + group.count;
    } else counts.outbound += group.count;
    channels.set(group.channelId, counts);
  }
  const byChannel = [...channels].map(([id, counts]) => ({ id, ...counts })).sort((a, b) => b.inbound + b.outbound - (a.inbound + a.outbound));
  return { byChannel, inboundByHour: hours };
}
