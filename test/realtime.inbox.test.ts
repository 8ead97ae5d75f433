import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../src/platform/db/schema.js';
import { createApiChannel, eventually, inboundConversation, sendInbound, startIntegration } from './api/inbox-fixtures.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { connect } from './helpers/websocket.js';

let t: TestApp;
let baseUrl: string;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.server.listen();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
});

describe('the inbox over a real WebSocket', () => {
  it('a contact’s message reaches every user of the workspace with what the list needs, and no one else', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const channel = await createApiChannel(t, ws, integration.url);
    const [owner, agent, outsider] = await Promise.all([connect(baseUrl, ws.owner.token), connect(baseUrl, ws.agent.token), connect(baseUrl, other.owner.token)]);
    await Promise.all([owner.next('hello'), agent.next('hello'), outsider.next('hello')]);

    await sendInbound(t, channel.id, { identifier: 'live-1', name: 'Mia Live', text: 'Anyone there?' });
    for (const client of [owner, agent]) {
      const created = await client.next('message.created');
      expect(created.message).toMatchObject({ direction: 'in', type: 'message', text: 'Anyone there?', channelId: channel.id });
      const updated = await client.next('conversation.updated');
      expect(updated.conversation).toMatchObject({
        id: created.message.conversationId,
        status: 'open',
        blocked: false,
        assigneeId: null,
        contact: { name: 'Mia Live' },
        lastMessage: { text: 'Anyone there?', direction: 'in' },
        awaitingReplySince: expect.any(String),
        quarantined: false,
        readBy: [],
      });
      await client.next('conversation.opened', (d) => d.conversationId === created.message.conversationId && d.reopened === false);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outsider.events.filter((e) => /^(message|conversation)\./.test(e.type))).toEqual([]);
    for (const client of [owner, agent, outsider]) client.close();
  });

  it('an agent limited to its own, unassigned and team conversations hears of no other conversation', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws, integration.url);
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsSeeAll: false } });
    const created = await t.request('POST', '/api/v1/users', {
      token: ws.owner.token,
      body: { email: `other-${t.unique()}@example.test`, name: 'Other Agent', role: 'agent', password: 'a long enough password' },
    });
    const otherToken = (await t.request('POST', '/api/v1/auth/login', { body: { email: created.data.email, password: 'a long enough password' } })).data.token;
    const [agent, other, manager] = await Promise.all([connect(baseUrl, ws.agent.token), connect(baseUrl, otherToken), connect(baseUrl, ws.manager.token)]);
    await Promise.all([agent.next('hello'), other.next('hello'), manager.next('hello')]);

    // Unassigned: everyone sees it.
    await sendInbound(t, channel.id, { identifier: 'limited-1', text: 'first' });
    const first = await other.next('message.created', (d) => d.message.text === 'first');
    const conversationId = first.message.conversationId as string;

    // Assigned to the first agent: the other agent is told to drop it, and hears nothing more of it.
    await t.request('POST', `/api/v1/conversations/${conversationId}/assign`, { token: ws.manager.token, body: { assigneeId: ws.agent.id } });
    expect(await other.next('conversation.hidden')).toEqual({ conversationId });
    await agent.next('conversation.updated', (d) => d.conversation.assigneeId === ws.agent.id);
    await sendInbound(t, channel.id, { identifier: 'limited-1', text: 'second, private' });
    await agent.next('message.created', (d) => d.message.text === 'second, private');
    await manager.next('message.created', (d) => d.message.text === 'second, private');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(JSON.stringify(other.events)).not.toContain('second, private');
    expect(other.events.filter((e) => e.type === 'conversation.updated' && e.data.conversation.assigneeId === ws.agent.id)).toEqual([]);

    // The workspace lets agents see All: from then on the other agent hears of it too.
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsSeeAll: true } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sendInbound(t, channel.id, { identifier: 'limited-1', text: 'third' });
    await other.next('message.created', (d) => d.message.text === 'third');
    for (const client of [agent, other, manager]) client.close();
  });

  it('a reply shows as pending, then as sent; assignment and deletion reach everyone', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws, integration.url);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'live-2' });
    const owner = await connect(baseUrl, ws.owner.token);
    await owner.next('hello');

    const reply = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'Yes!' } });
    expect((await owner.next('message.created', (d) => d.message.id === reply.data.id)).message.status).toBe('pending');
    expect((await owner.next('message.updated', (d) => d.message.id === reply.data.id)).message.status).toBe('sent');

    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: { assigneeId: ws.agent.id } });
    await owner.next('conversation.updated', (d) => d.conversation.assigneeId === ws.agent.id);
    await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, { token: ws.manager.token });
    expect(await owner.next('conversation.deleted')).toEqual({ conversationId: conversation.id, contactId: conversation.contactId });
    owner.close();
  });

  it('a mention notifies only the mentioned user; reading notifies only the reader', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'live-3' });
    const [manager, agent] = await Promise.all([connect(baseUrl, ws.manager.token), connect(baseUrl, ws.agent.token)]);
    await Promise.all([manager.next('hello'), agent.next('hello')]);

    const comment = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'comment', text: '@Manager please look', mentions: [ws.manager.id] },
    });
    expect(await manager.next('mention.created')).toEqual({
      conversationId: conversation.id,
      messageId: comment.data.id,
      authorId: ws.agent.id,
      text: '@Manager please look',
    });
    await agent.next('message.created', (d) => d.message.id === comment.data.id);
    expect(agent.events.some((e) => e.type === 'mention.created')).toBe(false);

    await t.request('POST', `/api/v1/conversations/${conversation.id}/read`, { token: ws.agent.token });
    await agent.next('conversation.read', (d) => d.conversationId === conversation.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(manager.events.some((e) => e.type === 'conversation.read')).toBe(false);
    manager.close();
    agent.close();
  });

  it('a conversation’s update names who has read the contact’s latest message, so each browser knows its own dot', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'live-read' });
    const owner = await connect(baseUrl, ws.owner.token);
    await owner.next('hello');

    await t.request('POST', `/api/v1/conversations/${conversation.id}/read`, { token: ws.agent.token });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.owner.token, body: { teamId: null } });
    expect((await owner.next('conversation.updated', (d) => d.conversation.id === conversation.id)).conversation.readBy).toEqual([ws.agent.id]);

    await sendInbound(t, channel.id, { identifier: 'live-read', text: 'One more thing' });
    const updated = await owner.next('conversation.updated', (d) => d.conversation.lastMessage?.text === 'One more thing');
    expect(updated.conversation.readBy).toEqual([]);
    owner.close();
  });

  it('a blocked contact’s message is stored without telling anyone', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'live-blocked' });
    // Stands in for the blocking module (another issue), which sets this.
    await t.database.db.update(contacts).set({ blockedAt: new Date() }).where(and(eq(contacts.workspaceId, ws.id), eq(contacts.id, conversation.contactId)));
    const owner = await connect(baseUrl, ws.owner.token);
    await owner.next('hello');
    expect((await sendInbound(t, channel.id, { identifier: 'live-blocked', text: 'buy now!!!' })).statusCode).toBe(200);
    await sendInbound(t, channel.id, { identifier: 'live-visible', text: 'a real question' });
    await owner.next('message.created', (d) => d.message.text === 'a real question');
    expect(owner.events.some((e) => e.type === 'message.created' && e.data.message.text === 'buy now!!!')).toBe(false);
    owner.close();
  });

  it('an assignee coming online clears the red dot, going offline brings it back', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'live-4' });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.owner.token, body: { assigneeId: ws.agent.id } });
    const dot = async () => (await t.request('GET', `/api/v1/conversations/${conversation.id}`, { token: ws.owner.token })).data.dot;
    expect(await dot()).toBe('red');

    const owner = await connect(baseUrl, ws.owner.token);
    await owner.next('hello');
    const agent = await connect(baseUrl, ws.agent.token);
    await owner.next('presence.changed', (d) => d.userId === ws.agent.id && d.online === true);
    expect(await dot()).toBe('none');

    agent.close();
    await owner.next('presence.changed', (d) => d.userId === ws.agent.id && d.online === false);
    await eventually(async () => (await dot()) === 'red');
    owner.close();
  });
});
