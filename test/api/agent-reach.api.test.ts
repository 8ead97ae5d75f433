import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { connect } from '../helpers/websocket.js';
import { createApiChannel, inboundConversation } from './inbox-fixtures.js';

/** What an agent may reach (SPEC §1): conversations to delete, contacts, jobs, uploads. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

async function scene(settings: Record<string, unknown> = {}) {
  const ws = await t.createWorkspace();
  if (Object.keys(settings).length) await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: settings });
  const channel = await createApiChannel(t, ws);
  return { ws, channel };
}

const as = (token: string) => ({ token });
const contactOf = (ws: Workspace, id: string) => t.request('GET', `/api/v1/contacts/${id}`, as(ws.owner.token));

describe('deleting a conversation (SPEC §1: agents only where the workspace allows it)', () => {
  it('is refused to an agent by default, and the conversation stays', async () => {
    const { ws, channel } = await scene();
    expect((await t.request('GET', '/api/v1/settings', as(ws.owner.token))).data.agentsMayDeleteConversations).toBe(false);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'del-1' });
    const response = await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, as(ws.agent.token));
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('forbidden');
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}`, as(ws.owner.token))).statusCode).toBe(200);
  });

  it('is allowed to an agent once a manager turns the setting on, and to managers always', async () => {
    const { ws, channel } = await scene();
    const first = await inboundConversation(t, ws, channel.id, { identifier: 'del-2' });
    expect((await t.request('DELETE', `/api/v1/conversations/${first.id}`, as(ws.manager.token))).statusCode).toBe(204);

    const turnedOn = await t.request('PATCH', '/api/v1/settings', { ...as(ws.manager.token), body: { agentsMayDeleteConversations: true } });
    expect(turnedOn.data.agentsMayDeleteConversations).toBe(true);
    const second = await inboundConversation(t, ws, channel.id, { identifier: 'del-3' });
    expect((await t.request('DELETE', `/api/v1/conversations/${second.id}`, as(ws.agent.token))).statusCode).toBe(204);
    expect((await t.request('GET', `/api/v1/conversations/${second.id}`, as(ws.owner.token))).statusCode).toBe(404);
  });

  it('may not be turned on by an agent', async () => {
    const { ws } = await scene();
    expect((await t.request('PATCH', '/api/v1/settings', { ...as(ws.agent.token), body: { agentsMayDeleteConversations: true } })).statusCode).toBe(403);
  });
});

describe('reading and changing a contact, when agents do not see All', () => {
  it('is 404 for the contact of a conversation the agent may not see, as the conversation is', async () => {
    const { ws, channel } = await scene({ agentsSeeAll: false });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'hidden-1', name: 'Hidden Person', email: 'hidden@example.test' });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { ...as(ws.owner.token), body: { assigneeId: ws.manager.id } });
    const id = conversation.contactId;

    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}`, as(ws.agent.token))).statusCode).toBe(404);
    const attempts = [
      t.request('GET', `/api/v1/contacts/${id}`, as(ws.agent.token)),
      t.request('PATCH', `/api/v1/contacts/${id}`, { ...as(ws.agent.token), body: { firstName: 'Changed' } }),
      t.request('GET', `/api/v1/contacts/${id}/channels`, as(ws.agent.token)),
      t.request('POST', `/api/v1/contacts/${id}/messages`, { ...as(ws.agent.token), body: { type: 'comment', text: 'peek' } }),
      t.request('POST', `/api/v1/contacts/${id}/block`, as(ws.agent.token)),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('hidden@example.test');
    }
    const contact = (await contactOf(ws, id)).data;
    expect(contact).toMatchObject({ firstName: 'Hidden', blocked: false });
  });

  it('is allowed for the contact of a conversation the agent sees (unassigned here)', async () => {
    const { ws, channel } = await scene({ agentsSeeAll: false });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'open-1', name: 'Open Person' });
    expect((await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, as(ws.agent.token))).statusCode).toBe(200);
    const renamed = await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { ...as(ws.agent.token), body: { lastName: 'Renamed' } });
    expect(renamed.statusCode).toBe(200);
  });

  it('is allowed for a contact assigned to the agent, whoever holds its conversation', async () => {
    const { ws, channel } = await scene({ agentsSeeAll: false });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'mine-1', name: 'Assigned Person' });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { ...as(ws.owner.token), body: { assigneeId: ws.manager.id } });
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { ...as(ws.owner.token), body: { assigneeId: ws.agent.id } });
    expect((await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, as(ws.agent.token))).statusCode).toBe(200);
  });

  it('is 404 for a contact without a conversation that is not the agent’s, and allowed once agents see All', async () => {
    const { ws } = await scene({ agentsSeeAll: false });
    const created = await t.request('POST', '/api/v1/contacts', { ...as(ws.owner.token), body: { firstName: 'Nobody’s' } });
    expect((await t.request('GET', `/api/v1/contacts/${created.data.id}`, as(ws.agent.token))).statusCode).toBe(404);
    await t.request('PATCH', '/api/v1/settings', { ...as(ws.owner.token), body: { agentsSeeAll: true } });
    expect((await t.request('GET', `/api/v1/contacts/${created.data.id}`, as(ws.agent.token))).statusCode).toBe(200);
  });
});

describe('live contact events, when agents do not see All', () => {
  it('reach an agent only for contacts it may read', async () => {
    const { ws, channel } = await scene({ agentsSeeAll: false });
    const hidden = await inboundConversation(t, ws, channel.id, { identifier: 'live-hidden', name: 'Hidden Person' });
    await t.request('POST', `/api/v1/conversations/${hidden.id}/assign`, { ...as(ws.owner.token), body: { assigneeId: ws.manager.id } });
    const open = await inboundConversation(t, ws, channel.id, { identifier: 'live-open', name: 'Open Person' });
    const baseUrl = await t.server.listen();
    const agent = await connect(baseUrl, ws.agent.token);
    const manager = await connect(baseUrl, ws.manager.token);
    await Promise.all([agent.next('hello'), manager.next('hello')]);

    await t.request('PATCH', `/api/v1/contacts/${hidden.contactId}`, { ...as(ws.owner.token), body: { email: 'secret@example.test' } });
    await t.request('PATCH', `/api/v1/contacts/${open.contactId}`, { ...as(ws.owner.token), body: { email: 'open@example.test' } });
    await manager.next('contact.updated', (data) => data.contact.id === open.contactId);
    await agent.next('contact.updated', (data) => data.contact.id === open.contactId);
    // Both updates were published in this order: the agent had the first one by now if it were sent.
    expect(manager.events.filter((e) => e.type === 'contact.updated').map((e) => e.data.contact.id)).toEqual([hidden.contactId, open.contactId]);
    expect(agent.events.filter((e) => e.type === 'contact.updated').map((e) => e.data.contact.id)).toEqual([open.contactId]);
    expect(JSON.stringify(agent.events)).not.toContain('secret@example.test');
    agent.close();
    manager.close();
  });
});

describe('jobs (SPEC §1: readable by their creator, and by owners and managers)', () => {
  it('an agent does not read a manager’s export job; owners and other managers do', async () => {
    const { ws } = await scene();
    const job = (await t.request('POST', '/api/v1/contacts/bulk', { ...as(ws.manager.token), body: { action: 'export', all: true } })).data.job;
    const otherManager = await t.request('POST', '/api/v1/users', {
      ...as(ws.owner.token),
      body: { email: `m2-${t.unique()}@example.test`, name: 'Second Manager', role: 'manager', password: TEST_PASSWORD },
    });
    const otherToken = await t.login(otherManager.data.email);
    expect((await t.request('GET', `/api/v1/jobs/${job.id}`, as(ws.agent.token))).statusCode).toBe(404);
    expect((await t.request('GET', `/api/v1/jobs/${job.id}`, as(ws.manager.token))).statusCode).toBe(200);
    expect((await t.request('GET', `/api/v1/jobs/${job.id}`, as(ws.owner.token))).statusCode).toBe(200);
    expect((await t.request('GET', `/api/v1/jobs/${job.id}`, as(otherToken))).statusCode).toBe(200);
  });
});

describe('uploads (SPEC §1: an unsent upload is its uploader’s alone)', () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  async function upload(token: string) {
    const boundary = `----reach${t.unique()}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="pixel.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await t.request('POST', '/api/v1/attachments', { token, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(response.statusCode).toBe(201);
    return response.data as { id: string; url: string };
  }

  it('is downloaded by its uploader only, and sent by its uploader only; once sent, whoever sees the conversation downloads it', async () => {
    const { ws, channel } = await scene();
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'files-1' });
    const file = await upload(ws.agent.token);
    expect((await t.request('GET', file.url, as(ws.agent.token))).statusCode).toBe(200);
    for (const token of [ws.manager.token, ws.owner.token]) expect((await t.request('GET', file.url, as(token))).statusCode).toBe(404);

    const stolen = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      ...as(ws.manager.token),
      body: { type: 'comment', text: 'mine now', attachmentIds: [file.id] },
    });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.data.error.code).toBe('unknown_attachment');

    const sent = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      ...as(ws.agent.token),
      body: { type: 'comment', text: 'see attached', attachmentIds: [file.id] },
    });
    expect(sent.statusCode).toBe(201);
    for (const token of [ws.manager.token, ws.owner.token, ws.agent.token]) expect((await t.request('GET', file.url, as(token))).statusCode).toBe(200);
  });

  it('once sent, is 404 to an agent who may not see its conversation', async () => {
    const { ws, channel } = await scene({ agentsSeeAll: false });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'files-2' });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { ...as(ws.owner.token), body: { assigneeId: ws.manager.id } });
    const file = await upload(ws.manager.token);
    await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { ...as(ws.manager.token), body: { type: 'comment', text: 'x', attachmentIds: [file.id] } });
    expect((await t.request('GET', file.url, as(ws.agent.token))).statusCode).toBe(404);
    expect((await t.request('GET', file.url, as(ws.owner.token))).statusCode).toBe(200);
  });
});
