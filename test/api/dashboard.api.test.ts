import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-03-01T10:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t?.close());

const minutes = (count: number) => clock.advance(count * 60_000);

describe('the dashboard', () => {
  it('shows owners and managers what is open, how fast the team answered and resolved, and when contacts write', async () => {
    const ws = await t.createWorkspace();
    const team = (await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Support', memberIds: [ws.agent.id] } })).data;
    const channel = await createApiChannel(t, ws);
    const channelName = (await t.request('GET', `/api/v1/channels/${channel.id}`, { token: ws.owner.token })).data.name;
    const writes = async (identifier: string) => {
      expect((await sendInbound(t, channel.id, { identifier })).statusCode).toBe(200);
      const list = await t.request('GET', '/api/v1/conversations?inbox=all&limit=1', { token: ws.owner.token });
      return list.data.items[0].id as string;
    };
    const reply = (id: string) => t.request('POST', `/api/v1/conversations/${id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'Hello!' } });

    // Yesterday (10:00 UTC): answered after an hour, not closed.
    const old = await writes('old');
    minutes(60);
    await reply(old);

    // Today, from 09:00 UTC.
    clock.set(new Date('2026-03-02T09:00:00Z'));
    const quick = await writes('quick');
    minutes(2);
    await reply(quick);
    minutes(8);
    await t.request('POST', `/api/v1/conversations/${quick}/close`, { token: ws.agent.token });
    const slow = await writes('slow');
    minutes(10);
    await reply(slow);
    await t.request('POST', `/api/v1/conversations/${slow}/assign`, { token: ws.owner.token, body: { teamId: team.id } });
    await writes('waiting');
    minutes(1);

    const response = await t.request('GET', '/api/v1/dashboard?todayStart=2026-03-02T00:00:00Z&utcOffsetMinutes=60', { token: ws.manager.token });
    expect(response.statusCode).toBe(200);
    const figures = response.data;
    const shop = { id: channel.id, type: 'api', name: channelName };
    expect(figures.open).toEqual({
      open: 3,
      unassigned: 1,
      missed: 1,
      byTeam: [
        { team: null, open: 2, unassigned: 1, missed: 1 },
        { team: { id: team.id, name: 'Support' }, open: 1, unassigned: 0, missed: 0 },
      ],
      byChannel: [{ channel: shop, open: 3, unassigned: 1, missed: 1 }],
    });
    expect(figures.today.firstResponse).toEqual({ median: 360, p90: 552, count: 2 });
    expect(figures.today.resolution).toEqual({ median: 600, p90: 600, count: 1 });
    expect(figures.today.byChannel).toEqual([{ channel: shop, inbound: 3, outbound: 2 }]);
    // 09:00–09:20 UTC is 10:00–10:20 at UTC+1.
    expect(figures.today.inboundByHour[10]).toBe(3);
    expect(figures.week.firstResponse).toEqual({ median: 600, p90: 3000, count: 3 });
    expect(figures.week.byChannel).toEqual([{ channel: shop, inbound: 4, outbound: 3 }]);
    expect(figures.week.inboundByHour[11]).toBe(1);
  });

  it('is not for agents, and refuses a day that is not today', async () => {
    const ws = await t.createWorkspace();
    const refused = await t.request('GET', '/api/v1/dashboard', { token: ws.agent.token });
    expect(refused.statusCode).toBe(403);
    expect(refused.data.error.code).toBe('forbidden');
    const wrongDay = await t.request('GET', '/api/v1/dashboard?todayStart=2025-01-01T00:00:00Z', { token: ws.owner.token });
    expect(wrongDay.statusCode).toBe(400);
    expect(wrongDay.data.error).toMatchObject({ code: 'invalid_field', field: 'todayStart' });
    const empty = await t.request('GET', '/api/v1/dashboard', { token: ws.owner.token });
    expect(empty.data.open).toEqual({ open: 0, unassigned: 0, missed: 0, byTeam: [], byChannel: [] });
    expect(empty.data.today.firstResponse).toEqual({ median: null, p90: null, count: 0 });
  });
});
