import { describe, expect, it } from 'vitest';
import { messageBreakdown, openBreakdown } from './dashboard.rules.js';

describe('the dashboard’s open conversations', () => {
  it('add up in all, by team and by channel, the largest first', () => {
    const breakdown = openBreakdown([
      { channelId: 'wa', teamId: 'support', open: 3, unassigned: 1, missed: 1 },
      { channelId: 'mail', teamId: 'support', open: 1, unassigned: 0, missed: 0 },
      { channelId: 'wa', teamId: null, open: 4, unassigned: 4, missed: 2 },
    ]);
    expect(breakdown.total).toEqual({ open: 8, unassigned: 5, missed: 3 });
    expect(breakdown.byTeam).toEqual([
      { id: 'support', open: 4, unassigned: 1, missed: 1 },
      { id: null, open: 4, unassigned: 4, missed: 2 },
    ]);
    expect(breakdown.byChannel).toEqual([
      { id: 'wa', open: 7, unassigned: 5, missed: 3 },
      { id: 'mail', open: 1, unassigned: 0, missed: 0 },
    ]);
  });

  it('are all zero with nothing open', () => {
    expect(openBreakdown([])).toEqual({ total: { open: 0, unassigned: 0, missed: 0 }, byTeam: [], byChannel: [] });
  });
});

describe('the dashboard’s messages', () => {
  it('count in and out by channel, and the contacts’ messages by hour', () => {
    const breakdown = messageBreakdown([
      { channelId: 'wa', direction: 'in', hour: 9, count: 5 },
      { channelId: 'wa', direction: 'in', hour: 14, count: 2 },
      { channelId: 'wa', direction: 'out', hour: 9, count: 4 },
      { channelId: 'mail', direction: 'in', hour: 9, count: 1 },
    ]);
    expect(breakdown.byChannel).toEqual([
      { id: 'wa', inbound: 7, outbound: 4 },
      { id: 'mail', inbound: 1, outbound: 0 },
    ]);
    expect(breakdown.inboundByHour[9]).toBe(6);
    expect(breakdown.inboundByHour[14]).toBe(2);
    expect(breakdown.inboundByHour.reduce((sum, count) => sum + count, 0)).toBe(8);
    expect(breakdown.inboundByHour).toHaveLength(24);
  });
});
