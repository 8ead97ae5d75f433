import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, inboundConversation } from './inbox-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

const conversationOf = async (ws: Workspace, id: string) => (await t.request('GET', `/api/v1/conversations/${id}`, { token: ws.owner.token })).data;
const reply = (ws: Workspace, id: string, token: string, type: 'reply' | 'comment' = 'reply') =>
  t.request('POST', `/api/v1/conversations/${id}/messages`, { token, body: { type, text: 'On it' } });

describe('the channel shown with a conversation', () => {
  it('is the one its contact wrote on, by type and by the workspace’s name for it, in the list and the conversation', async () => {
    const ws = await t.createWorkspace();
    const shop = await createApiChannel(t, ws);
    const app = await createApiChannel(t, ws);
    const names = new Map((await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items.map((each: { id: string; name: string }) => [each.id, each.name]));
    const ana = await inboundConversation(t, ws, shop.id, { identifier: 'ana' });
    const bo = await inboundConversation(t, ws, app.id, { identifier: 'bo' });
    expect((await conversationOf(ws, ana.id)).channel).toEqual({ id: shop.id, type: 'api', name: names.get(shop.id) });
    const list = await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token });
    expect(list.data.items.map((each: { id: string; channel: unknown }) => [each.id, each.channel])).toEqual([
      [bo.id, { id: app.id, type: 'api', name: names.get(app.id) }],
      [ana.id, { id: shop.id, type: 'api', name: names.get(shop.id) }],
    ]);
  });
});

describe('replying to an unassigned conversation', () => {
  it('assigns it to the sender by default; a comment does not', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'bo' });
    expect(conversation.assigneeId).toBeNull();

    expect((await reply(ws, conversation.id, ws.manager.token, 'comment')).statusCode).toBe(201);
    expect((await conversationOf(ws, conversation.id)).assigneeId).toBeNull();

    expect((await reply(ws, conversation.id, ws.agent.token)).statusCode).toBe(201);
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'open', assigneeId: ws.agent.id });

    // Someone else's reply to an assigned conversation leaves it where it is.
    expect((await reply(ws, conversation.id, ws.manager.token)).statusCode).toBe(201);
    expect((await conversationOf(ws, conversation.id)).assigneeId).toBe(ws.agent.id);
  });

  it('leaves it unassigned where the workspace turned assignOnReply off', async () => {
    const ws = await t.createWorkspace();
    const patched = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { assignOnReply: false } });
    expect(patched.data.assignOnReply).toBe(false);
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'cy' });
    expect((await reply(ws, conversation.id, ws.agent.token)).statusCode).toBe(201);
    expect((await conversationOf(ws, conversation.id)).assigneeId).toBeNull();
  });

  it('refuses a setting that is not a boolean, and keeps the one in force', async () => {
    const ws = await t.createWorkspace();
    const refused = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { assignOnReply: 'yes' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error.code).toBe('invalid_field');
    expect((await t.request('GET', '/api/v1/settings', { token: ws.owner.token })).data.assignOnReply).toBe(true);
  });
});


describe('inbox counts', () => {
  const countsOf = async (token: string) => {
    const response = await t.request('GET', '/api/v1/conversations/counts', { token });
    expect(response.statusCode).toBe(200);
    return { total: response.data.total, ...Object.fromEntries(response.data.items.map((item: { inbox: string; open: number; unread: number }) => [item.inbox, [item.open, item.unread]])) };
  };

  it('count the open conversations of each inbox and those the user has not read since the contact wrote', async () => {
    const ws = await t.createWorkspace();
    const patched = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsSeeAll: false } });
    expect(patched.statusCode).toBe(200);
    const team = (await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Support', memberIds: [ws.agent.id] } })).data;
    const other = (await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Billing', memberIds: [] } })).data;
    const channel = await createApiChannel(t, ws);
    const assign = (id: string, body: object) => t.request('POST', `/api/v1/conversations/${id}/assign`, { token: ws.owner.token, body });

    const waiting = await inboundConversation(t, ws, channel.id, { identifier: 'waiting' });
    const mine = await inboundConversation(t, ws, channel.id, { identifier: 'mine' });
    await assign(mine.id, { assigneeId: ws.agent.id });
    await t.request('POST', `/api/v1/conversations/${mine.id}/read`, { token: ws.agent.token });
    const support = await inboundConversation(t, ws, channel.id, { identifier: 'support' });
    await assign(support.id, { assigneeId: ws.manager.id, teamId: team.id });
    const billing = await inboundConversation(t, ws, channel.id, { identifier: 'billing' });
    await assign(billing.id, { assigneeId: ws.manager.id, teamId: other.id });
    const closed = await inboundConversation(t, ws, channel.id, { identifier: 'closed' });
    await t.request('POST', `/api/v1/conversations/${closed.id}/close`, { token: ws.owner.token });
    const blocked = await inboundConversation(t, ws, channel.id, { identifier: 'blocked' });
    await t.request('POST', `/api/v1/contacts/${blocked.contactId}/block`, { token: ws.owner.token, body: {} });

    expect(await countsOf(ws.agent.token)).toEqual({
      total: { open: 3, unread: 2 },
      mine: [1, 0],
      unassigned: [1, 1],
      [`team:${team.id}`]: [1, 1],
    });
    expect(await countsOf(ws.owner.token)).toEqual({
      total: { open: 4, unread: 4 },
      mine: [0, 0],
      unassigned: [1, 1],
      all: [4, 4],
      [`team:${team.id}`]: [1, 1],
      [`team:${other.id}`]: [1, 1],
    });

    // The contact writes again: the agent's own conversation is unread for it once more; opening the waiting one reads it.
    await inboundConversation(t, ws, channel.id, { identifier: 'mine' });
    await t.request('POST', `/api/v1/conversations/${waiting.id}/read`, { token: ws.agent.token });
    expect(await countsOf(ws.agent.token)).toMatchObject({ total: { open: 3, unread: 2 }, mine: [1, 1], unassigned: [1, 0] });
  });

  it('count nothing of another workspace', async () => {
    const ws = await t.createWorkspace();
    expect(await countsOf(ws.owner.token)).toEqual({ total: { open: 0, unread: 0 }, mine: [0, 0], unassigned: [0, 0], all: [0, 0] });
  });
});

describe('notification settings', () => {
  it('are each user’s own: off by default, changed in any subset, kept', async () => {
    const ws = await t.createWorkspace();
    const mine = await t.request('GET', '/api/v1/me/notifications', { token: ws.agent.token });
    expect(mine.data).toEqual({ desktop: false, sound: false, newConversation: true, newMessage: true, mention: true });

    const changed = await t.request('PATCH', '/api/v1/me/notifications', { token: ws.agent.token, body: { desktop: true, sound: true } });
    expect(changed.data).toEqual({ desktop: true, sound: true, newConversation: true, newMessage: true, mention: true });
    await t.request('PATCH', '/api/v1/me/notifications', { token: ws.agent.token, body: { newConversation: false } });
    expect((await t.request('GET', '/api/v1/me/notifications', { token: ws.agent.token })).data).toEqual({
      desktop: true,
      sound: true,
      newConversation: false,
      newMessage: true,
      mention: true,
    });
    expect((await t.request('GET', '/api/v1/me/notifications', { token: ws.manager.token })).data.desktop).toBe(false);
  });

  it('refuse an unknown setting or a value that is not a boolean, and change nothing', async () => {
    const ws = await t.createWorkspace();
    for (const body of [{ desktop: 'yes' }, { email: true }]) {
      const refused = await t.request('PATCH', '/api/v1/me/notifications', { token: ws.agent.token, body });
      expect(refused.statusCode).toBe(400);
      expect(refused.data.error.code).toMatch(/^(invalid_field|unknown_field)$/);
    }
    expect((await t.request('GET', '/api/v1/me/notifications', { token: ws.agent.token })).data.desktop).toBe(false);
    expect((await t.request('GET', '/api/v1/me/notifications')).statusCode).toBe(401);
  });
});
