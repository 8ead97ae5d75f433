import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import WebSocket from 'ws';
import { closeCode, connect } from '../helpers/websocket.js';

let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.server.listen();
});
afterAll(() => t?.close());

describe('the WebSocket gateway', () => {
  it('turns away a connection without a valid session', async () => {
    expect(await closeCode(baseUrl, 'not-a-token')).toBe(4401);
  });

  it('delivers a workspace’s events to its users, and to no other workspace', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const agent = await connect(baseUrl, ws.agent.token);
    const outsider = await connect(baseUrl, other.owner.token);
    await agent.next('hello');
    await outsider.next('hello');

    const created = await t.request('POST', '/api/v1/teams', { token: ws.manager.token, body: { name: 'Night shift' } });
    const event = await agent.next('team.created');
    expect(event.team).toMatchObject({ id: created.data.id, name: 'Night shift' });

    await t.request('POST', '/api/v1/teams', { token: other.owner.token, body: { name: 'Their own team' } });
    await outsider.next('team.created');
    expect(outsider.events.filter((e) => e.type === 'team.created')).toHaveLength(1);
    expect(agent.events.filter((e) => e.type === 'team.created')).toHaveLength(1);
    agent.close();
    outsider.close();
  });

  it('sends events published together in one frame, in order, each client only its own', async () => {
    const ws = await t.createWorkspace();
    const frames = async (token: string) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${token}`);
      const received: unknown[] = [];
      socket.on('message', (raw) => received.push(JSON.parse(raw.toString())));
      await new Promise((resolve) => socket.once('open', resolve));
      return { socket, received };
    };
    const agent = await frames(ws.agent.token);
    const manager = await frames(ws.manager.token);
    await new Promise((resolve) => setTimeout(resolve, 200));
    agent.received.length = 0;
    manager.received.length = 0;

    const event = (n: number, userIds?: string[]) => t.server.bus.publish({ type: 'test.event', workspaceId: ws.id, data: { n }, userIds });
    await Promise.all([event(1), event(2, [ws.manager.id]), event(3)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await event(4);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const frame = (n: number) => ({ type: 'test.event', data: { n } });
    expect(manager.received).toEqual([[frame(1), frame(2), frame(3)], frame(4)]);
    expect(agent.received).toEqual([[frame(1), frame(3)], frame(4)]);
    agent.socket.close();
    manager.socket.close();
  });

  it('tells the workspace who comes online and goes offline, counting every tab', async () => {
    const ws = await t.createWorkspace();
    const manager = await connect(baseUrl, ws.manager.token);
    await manager.next('hello');

    const firstTab = await connect(baseUrl, ws.agent.token);
    await manager.next('presence.changed', (d) => d.userId === ws.agent.id && d.online === true);
    const presence = await t.request('GET', '/api/v1/presence', { token: ws.manager.token });
    expect(presence.data.online).toContain(ws.agent.id);

    const secondTab = await connect(baseUrl, ws.agent.token);
    await secondTab.next('hello');
    firstTab.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await t.request('GET', '/api/v1/presence', { token: ws.manager.token })).data.online).toContain(ws.agent.id);

    secondTab.close();
    await manager.next('presence.changed', (d) => d.userId === ws.agent.id && d.online === false);
    expect((await t.request('GET', '/api/v1/presence', { token: ws.manager.token })).data.online).not.toContain(ws.agent.id);
    manager.close();
  });

  it('closes the live connections of a session that logs out, a password reset and a removed user', async () => {
    const ws = await t.createWorkspace();
    const loggingOut = await connect(baseUrl, await t.login(ws.agent.email));
    const otherSession = await connect(baseUrl, ws.agent.token);
    await loggingOut.next('hello');
    await otherSession.next('hello');
    const closed = (client: typeof loggingOut) => new Promise<number>((resolve) => client.socket.once('close', resolve));

    const logoutClosed = closed(loggingOut);
    const token = new URL(loggingOut.socket.url).searchParams.get('token')!;
    await t.request('POST', '/api/v1/auth/logout', { token });
    expect(await logoutClosed).toBe(4401);
    expect(otherSession.socket.readyState).toBe(otherSession.socket.OPEN);

    const resetClosed = closed(otherSession);
    await t.request('POST', `/api/v1/users/${ws.agent.id}/password`, { token: ws.owner.token, body: { password: 'a new password' } });
    expect(await resetClosed).toBe(4401);

    const manager = await connect(baseUrl, ws.manager.token);
    await manager.next('hello');
    const removedClosed = closed(manager);
    await t.request('DELETE', `/api/v1/users/${ws.manager.id}`, { token: ws.owner.token });
    expect(await removedClosed).toBe(4401);
  });

  it('a logged-out token can no longer open a connection', async () => {
    const ws = await t.createWorkspace();
    const token = await t.login(ws.agent.email);
    await t.request('POST', '/api/v1/auth/logout', { token });
    expect(await closeCode(baseUrl, token)).toBe(4401);
  });
});
