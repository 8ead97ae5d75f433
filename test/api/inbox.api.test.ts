import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/channels/api/api.channel.js';
import { fixedClock } from '../../src/platform/clock.js';
import { contacts } from '../../src/platform/db/schema.js';
import { encodeCursor } from '../../src/platform/pagination.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { API_SECRET, createApiChannel, eventually, inboundConversation, sendInbound, startIntegration } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
let t: TestApp;
let dataDir: string;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-inbox-'));
  t = await createTestApp({ clock, env: { DATA_DIR: dataDir } });
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const storedFiles = (workspaceId: string) => readdir(path.join(dataDir, 'attachments', workspaceId)).catch(() => []);

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

/** A workspace with an API channel pointing at the test integration, and one contact who wrote in. */
async function setUp(options: { name?: string; text?: string } = {}) {
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws, integration.url);
  clock.advance(1000);
  const identifier = `contact-${t.unique()}`;
  const conversation = await inboundConversation(t, ws, channel.id, {
    identifier,
    name: options.name ?? 'Ana Lima',
    text: options.text ?? 'Hello, where is my parcel?',
  });
  return { ws, channel, conversation, identifier };
}

const send = (ws: Workspace, conversationId: string, body: Record<string, unknown>, token = ws.agent.token) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token, body });

const messagesOf = async (ws: Workspace, conversationId: string) =>
  (await t.request('GET', `/api/v1/conversations/${conversationId}/messages`, { token: ws.owner.token })).data.items as Array<Record<string, any>>;

const conversationOf = async (ws: Workspace, conversationId: string, token = ws.owner.token) =>
  (await t.request('GET', `/api/v1/conversations/${conversationId}`, { token })).data;

function multipart(fileName: string, content: Buffer, contentType = 'application/octet-stream') {
  const boundary = `----switchboard${t.unique()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(ws: Workspace, fileName: string, content: Buffer, contentType?: string) {
  const { body, headers } = multipart(fileName, content, contentType);
  return t.request('POST', '/api/v1/attachments', { token: ws.agent.token, body, headers });
}

// The smallest valid PNG: a 1×1 transparent pixel.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('replying', () => {
  it('goes to the integration as a signed POST of the webhook’s shape; the message turns from pending to sent', async () => {
    const { ws, conversation } = await setUp();
    const before = integration.received.length;
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'It ships today <b>promise</b>' });
    expect(reply.statusCode).toBe(201);
    expect(reply.data).toMatchObject({ direction: 'out', type: 'message', status: 'pending', text: 'It ships today <b>promise</b>', authorId: ws.agent.id });

    const delivery = await eventually(async () => integration.received[before]);
    const expected = createHmac('sha256', API_SECRET).update(delivery.body).digest('hex');
    expect(delivery.headers['x-switchboard-signature']).toBe(`sha256=${expected}`);
    expect(delivery.json).toEqual({
      contact: { identifier: expect.stringMatching(/^contact-/), name: 'Ana Lima' },
      message: { id: reply.data.id, text: 'It ships today <b>promise</b>', timestamp: reply.data.createdAt, attachments: [] },
    });
    const sent = await eventually(async () => (await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id && m.status === 'sent'));
    expect(sent.error).toBeNull();
  });

  it('the integration’s refusal marks the message failed with its reason', async () => {
    const { ws, conversation } = await setUp();
    integration.answerWith(422, 'unknown customer');
    try {
      const reply = await send(ws, conversation.id, { type: 'reply', text: 'Hello?' });
      const failed = await eventually(async () => (await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id && m.status === 'failed'));
      expect(failed.error).toBe('The integration answered 422: unknown customer');
    } finally {
      integration.answerWith(200, '{}');
    }
  });

  it('an integration that is down is retried from the durable queue until it answers', async () => {
    const { ws, conversation } = await setUp();
    integration.answerWith(503);
    const before = integration.received.length;
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'Retry me' });
    await eventually(async () => integration.received.length > before);
    expect((await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id)?.status).toBe('pending');

    integration.answerWith(200, '{}');
    clock.advance(31_000);
    // The retry is queued once the failed attempt is recorded, just after the integration answered: drained until it has run.
    const sent = await eventually(async () => {
      await t.services.jobs.drain();
      return (await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id && m.status !== 'pending');
    });
    expect(sent).toMatchObject({ status: 'sent', error: null });
    expect(integration.received.filter((d) => d.json.message.id === reply.data.id)).toHaveLength(2);
  });

  it('receipts from the integration move the status forward, never back', async () => {
    const { ws, channel, conversation } = await setUp();
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'Tracked' });
    await eventually(async () => (await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id && m.status === 'sent'));
    const receipt = async (status: string) => {
      const body = JSON.stringify({ status: { messageId: reply.data.id, status } });
      return t.request('POST', `/webhooks/api/${channel.id}`, {
        body,
        headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(API_SECRET, body) },
      });
    };
    expect((await receipt('read')).statusCode).toBe(200);
    await receipt('delivered');
    expect((await messagesOf(ws, conversation.id)).find((m) => m.id === reply.data.id)?.status).toBe('read');
  });

  it('a reply to a closed conversation reopens it and makes the sender its assignee', async () => {
    const { ws, conversation } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'One more thing' });
    expect(reply.statusCode).toBe(201);
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'open', assigneeId: ws.agent.id });
  });

  it('refuses what cannot be sent, and changes nothing', async () => {
    const { ws, conversation } = await setUp();
    const other = await setUp();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ type: 'reply', text: '' }, 400, 'empty_message'],
      [{ type: 'reply', text: '  \n ' }, 400, 'empty_message'],
      [{ type: 'reply' }, 400, 'empty_message'],
      [{ type: 'comment', text: ' ' }, 400, 'empty_message'],
      [{ type: 'reply', text: 'x', attachmentIds: ['00000000-0000-7000-8000-000000000000'] }, 400, 'unknown_attachment'],
      [{ type: 'reply', savedReplyId: '00000000-0000-7000-8000-000000000000' }, 400, 'unknown_saved_reply'],
      [{ type: 'reply', text: 'x', channelId: other.channel.id }, 400, 'channel_not_available'],
      [{ type: 'reply', text: 'x', template: { name: 'order_update', language: 'en', parameters: [] } }, 409, 'template_not_allowed'],
      [{ type: 'comment', text: 'x', channelId: other.channel.id }, 400, 'invalid_field'],
      [{ type: 'comment', text: 'hi @ghost', mentions: [other.ws.agent.id] }, 400, 'unknown_user'],
      [{ type: 'reply', text: 'x', mentions: [ws.owner.id] }, 400, 'invalid_field'],
      [{ type: 'note', text: 'x' }, 400, 'invalid_field'],
      [{ type: 'reply', text: 'x', html: '<p>x</p>' }, 400, 'unknown_field'],
    ];
    for (const [body, status, code] of cases) {
      const response = await send(ws, conversation.id, body);
      expect({ body, status: response.statusCode, code: response.data.error?.code }).toEqual({ body, status, code });
    }
    expect(await messagesOf(ws, conversation.id)).toHaveLength(1);
  });

  it('past its oldest message a conversation answers an empty page; an unknown one is 404', async () => {
    const { ws, conversation } = await setUp();
    const past = encodeCursor(['2000-01-01T00:00:00.000Z', '00000000-0000-7000-8000-000000000000']);
    const empty = await t.request('GET', `/api/v1/conversations/${conversation.id}/messages?cursor=${past}`, { token: ws.owner.token });
    expect(empty.statusCode).toBe(200);
    expect(empty.data).toEqual({ items: [], nextCursor: null });
    const unknown = await t.request('GET', '/api/v1/conversations/00000000-0000-7000-8000-000000000000/messages', { token: ws.owner.token });
    expect(unknown.statusCode).toBe(404);
    const unknownPast = await t.request('GET', `/api/v1/conversations/00000000-0000-7000-8000-000000000000/messages?cursor=${past}`, { token: ws.owner.token });
    expect(unknownPast.statusCode).toBe(404);
  });

  it('another workspace’s conversation, and a deleted one, are 404', async () => {
    const { ws, conversation } = await setUp();
    const stranger = await t.createWorkspace();
    expect((await send(stranger, conversation.id, { type: 'reply', text: 'hi' })).statusCode).toBe(404);
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: stranger.owner.token })).statusCode).toBe(404);
    expect((await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: stranger.owner.token })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, { token: stranger.owner.token })).statusCode).toBe(404);

    expect((await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    expect((await send(ws, conversation.id, { type: 'reply', text: 'hi' })).statusCode).toBe(404);
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}`, { token: ws.owner.token })).statusCode).toBe(404);
    expect((await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('a blocked contact cannot be written to; what it sends is kept but not shown and reopens nothing', async () => {
    const { ws, channel, conversation, identifier } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    // Stands in for the blocking module (another issue), which sets this.
    await t.database.db.update(contacts).set({ blockedAt: clock.now() }).where(and(eq(contacts.workspaceId, ws.id), eq(contacts.id, conversation.contactId)));
    const refused = await send(ws, conversation.id, { type: 'reply', text: 'hi' });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('contact_blocked');
    expect((await t.request('POST', `/api/v1/conversations/${conversation.id}/open`, { token: ws.owner.token })).data.error.code).toBe('contact_blocked');

    clock.advance(1000);
    expect((await sendInbound(t, channel.id, { identifier, text: 'spam spam' })).statusCode).toBe(200);
    expect(await messagesOf(ws, conversation.id)).toHaveLength(1);
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'closed', blocked: true, dot: 'none' });
    expect((await t.request('GET', '/api/v1/conversations?inbox=blocked', { token: ws.agent.token })).data.items).toHaveLength(1);
    expect((await t.request('GET', '/api/v1/conversations', { token: ws.agent.token })).data.items).toEqual([]);
  });
});

describe('writing from a contact’s record', () => {
  it('reopens the contact’s conversation and makes the sender its assignee', async () => {
    const { ws, conversation } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    const sent = await t.request('POST', `/api/v1/contacts/${conversation.contactId}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', text: 'Following up on your parcel' },
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.data).toMatchObject({ conversationId: conversation.id, status: 'pending' });
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'open', assigneeId: ws.agent.id });
  });

  it('a contact with no channel to write on is refused, and no empty conversation is left behind', async () => {
    const ws = await t.createWorkspace();
    const contact = await t.request('POST', '/api/v1/contacts', { token: ws.manager.token, body: { firstName: 'Nora' } });
    expect(contact.statusCode).toBe(201);
    const refused = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'Hi' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error.code).toBe('no_channel');
    expect((await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items).toEqual([]);
    const stranger = await t.createWorkspace();
    expect((await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: stranger.owner.token, body: { type: 'reply', text: 'Hi' } })).statusCode).toBe(404);
  });
});

describe('monthly active contacts', () => {
  it('a contact counts once a message is exchanged in the month, and not while blocked', async () => {
    const { ws, channel, conversation, identifier } = await setUp();
    const mac = async (token = ws.owner.token) => (await t.request('GET', '/api/v1/usage/mac', { token })).data.activeContacts;
    expect(await mac()).toBe(1);
    await send(ws, conversation.id, { type: 'reply', text: 'Hello!' });
    expect(await mac()).toBe(1);

    await t.database.db.update(contacts).set({ blockedAt: clock.now() }).where(and(eq(contacts.workspaceId, ws.id), eq(contacts.id, conversation.contactId)));
    clock.advance(31 * 24 * 3600_000);
    await sendInbound(t, channel.id, { identifier, text: 'next month, blocked' });
    // A month on, the session has expired: log in again.
    expect(await mac(await t.login(ws.owner.email))).toBe(0);
  });
});

describe('comments and mentions', () => {
  it('a comment stays internal: stored with its mentions, nothing sent to the integration', async () => {
    const { ws, conversation } = await setUp();
    const before = integration.received.length;
    const comment = await send(ws, conversation.id, { type: 'comment', text: '@Manager can you check?', mentions: [ws.manager.id] });
    expect(comment.statusCode).toBe(201);
    expect(comment.data).toMatchObject({ type: 'comment', direction: 'out', channelId: null, mentions: [ws.manager.id], status: 'sent' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(integration.received.length).toBe(before);
    expect((await conversationOf(ws, conversation.id)).lastMessage.text).toBe('Hello, where is my parcel?');
  });
});

describe('saved replies', () => {
  it('managers keep them; everyone lists and searches them; sending one uses its text', async () => {
    const { ws, conversation } = await setUp();
    const created = await t.request('POST', '/api/v1/saved-replies', {
      token: ws.manager.token,
      body: { shortcut: 'thanks', text: 'Thank you for your patience!' },
    });
    expect(created.statusCode).toBe(201);
    expect((await t.request('POST', '/api/v1/saved-replies', { token: ws.agent.token, body: { shortcut: 'x', text: 'y' } })).statusCode).toBe(403);
    const taken = await t.request('POST', '/api/v1/saved-replies', { token: ws.manager.token, body: { shortcut: 'THANKS', text: 'dup' } });
    expect(taken.statusCode).toBe(409);
    const found = await t.request('GET', '/api/v1/saved-replies?q=patience', { token: ws.agent.token });
    expect(found.data.items.map((r: { id: string }) => r.id)).toEqual([created.data.id]);
    expect((await t.request('GET', '/api/v1/saved-replies?q=nothing', { token: ws.agent.token })).data.items).toEqual([]);

    const reply = await send(ws, conversation.id, { type: 'reply', savedReplyId: created.data.id });
    expect(reply.data.text).toBe('Thank you for your patience!');

    expect((await t.request('PATCH', `/api/v1/saved-replies/${created.data.id}`, { token: ws.manager.token, body: { text: 'Thanks!' } })).data.text).toBe('Thanks!');
    expect((await t.request('DELETE', `/api/v1/saved-replies/${created.data.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    expect((await send(ws, conversation.id, { type: 'reply', savedReplyId: created.data.id })).data.error.code).toBe('unknown_saved_reply');
  });
});

describe('the conversation lifecycle', () => {
  it('close keeps the assignee by default, or removes it when the workspace says so', async () => {
    const { ws, conversation } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: { assigneeId: ws.agent.id } });
    const closed = await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.agent.token });
    expect(closed.data).toMatchObject({ status: 'closed', assigneeId: ws.agent.id, dot: 'none' });
    const again = await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.agent.token });
    expect(again.statusCode).toBe(409);
    expect(again.data.error.code).toBe('invalid_transition');

    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { closingLogic: 'unassign' } });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/open`, { token: ws.agent.token });
    const unassigned = await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.agent.token });
    expect(unassigned.data).toMatchObject({ status: 'closed', assigneeId: null });
  });

  it('the contact writing reopens a closed conversation', async () => {
    const { ws, channel } = await setUp();
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'returning', text: 'first' });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    clock.advance(1000);
    await sendInbound(t, channel.id, { identifier: 'returning', text: 'me again' });
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'open', lastMessage: { text: 'me again', direction: 'in' } });
  });

  it('a snoozed conversation opens again at its time, from the durable queue', async () => {
    const { ws, conversation } = await setUp();
    const past = await t.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, {
      token: ws.agent.token,
      body: { until: new Date(clock.now().getTime() - 1000).toISOString() },
    });
    expect(past.statusCode).toBe(400);
    const until = new Date(clock.now().getTime() + 3600_000);
    const snoozed = await t.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, { token: ws.agent.token, body: { until: until.toISOString() } });
    expect(snoozed.data).toMatchObject({ status: 'snoozed', snoozedUntil: until.toISOString(), dot: 'none' });
    expect((await t.request('GET', '/api/v1/conversations?status=snoozed', { token: ws.owner.token })).data.items).toHaveLength(1);

    clock.advance(1800_000);
    await t.services.jobs.drain();
    expect((await conversationOf(ws, conversation.id)).status).toBe('snoozed');
    clock.advance(1800_000);
    await t.services.jobs.drain();
    expect(await conversationOf(ws, conversation.id)).toMatchObject({ status: 'open', snoozedUntil: null });
  });

  it('a wake-up made obsolete by a later snooze does nothing', async () => {
    const { ws, conversation } = await setUp();
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, { token: ws.agent.token, body: { until: at(60_000) } });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, { token: ws.agent.token, body: { until: at(7200_000) } });
    clock.advance(120_000);
    await t.services.jobs.drain();
    expect((await conversationOf(ws, conversation.id)).status).toBe('snoozed');
  });
});

describe('assigning', () => {
  it('assigns to a user and a team of the workspace, and refuses anyone else', async () => {
    const { ws, conversation } = await setUp();
    const team = await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Support', memberIds: [ws.agent.id] } });
    const assigned = await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, {
      token: ws.agent.token,
      body: { assigneeId: ws.manager.id, teamId: team.data.id },
    });
    expect(assigned.data).toMatchObject({ assigneeId: ws.manager.id, teamId: team.data.id });
    const stranger = await t.createWorkspace();
    const refused = await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: { assigneeId: stranger.agent.id } });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error.field).toBe('assigneeId');
    expect((await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: {} })).statusCode).toBe(400);
    const unassigned = await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: { assigneeId: null } });
    expect(unassigned.data).toMatchObject({ assigneeId: null, teamId: team.data.id });
  });

  it('two agents assigning at once: both succeed in turn and the conversation ends with one of them', async () => {
    const { ws, conversation } = await setUp();
    const [a, b] = await Promise.all([
      t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.agent.token, body: { assigneeId: ws.agent.id } }),
      t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.manager.token, body: { assigneeId: ws.manager.id } }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const final = (await conversationOf(ws, conversation.id)).assigneeId;
    expect([ws.agent.id, ws.manager.id]).toContain(final);
  });
});

describe('the inbox list', () => {
  it('lists newest activity first, page by page', async () => {
    const { ws, channel } = await setUp();
    for (const n of [1, 2, 3, 4]) {
      clock.advance(1000);
      await sendInbound(t, channel.id, { identifier: `page-${n}`, name: `Page ${n}` });
    }
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await t.request('GET', `/api/v1/conversations?limit=2${query}`, { token: ws.owner.token });
      expect(page.statusCode).toBe(200);
      names.push(...page.data.items.map((c: { contact: { name: string } }) => c.contact.name));
      cursor = page.data.nextCursor;
    } while (cursor);
    expect(names).toEqual(['Page 4', 'Page 3', 'Page 2', 'Page 1', 'Ana Lima']);
    expect((await t.request('GET', '/api/v1/conversations?cursor=garbage', { token: ws.owner.token })).statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify(['2026-03-02T09:00:00.000Z', 'not-an-id'])).toString('base64url');
    expect((await t.request('GET', `/api/v1/conversations?cursor=${forged}`, { token: ws.owner.token })).statusCode).toBe(400);
  });

  it('lists a conversation’s messages newest first, page by page', async () => {
    const { ws, channel, conversation, identifier } = await setUp({ text: 'one' });
    for (const text of ['two', 'three', 'four', 'five']) {
      clock.advance(1000);
      await sendInbound(t, channel.id, { identifier, text });
    }
    const texts: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await t.request('GET', `/api/v1/conversations/${conversation.id}/messages?limit=2${query}`, { token: ws.agent.token });
      texts.push(...page.data.items.map((m: { text: string }) => m.text));
      cursor = page.data.nextCursor;
    } while (cursor);
    expect(texts).toEqual(['five', 'four', 'three', 'two', 'one']);
    const [newest] = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages?limit=1`, { token: ws.agent.token })).data.items;
    expect(newest).toMatchObject({ text: 'five', direction: 'in', type: 'message', hidden: false, mentions: [], attachments: [], template: null, tag: null });
    expect(newest.createdAt).toBe(clock.now().toISOString());
    expect(newest).not.toHaveProperty('searchVector');
    expect(newest).not.toHaveProperty('hasAttachments');
  });

  it('each item carries what the list shows', async () => {
    const { ws, conversation } = await setUp({ name: 'Léa Martin', text: 'x'.repeat(300) });
    const [item] = (await t.request('GET', '/api/v1/conversations', { token: ws.agent.token })).data.items;
    expect(item).toMatchObject({
      id: conversation.id,
      contactId: conversation.contactId,
      status: 'open',
      blocked: false,
      assigneeId: null,
      teamId: null,
      lastMessageAt: expect.any(String),
      dot: 'purple',
      contact: { name: 'Léa Martin' },
      lastMessage: { direction: 'in', type: 'message' },
    });
    expect(item.lastMessage.text.length).toBeLessThan(150);
  });

  it('filters by inbox and status', async () => {
    const { ws, channel, conversation: mine } = await setUp();
    const team = await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Billing', memberIds: [ws.agent.id] } });
    const teamConversation = await inboundConversation(t, ws, channel.id, { identifier: 'team-one' });
    const closed = await inboundConversation(t, ws, channel.id, { identifier: 'closed-one' });
    await t.request('POST', `/api/v1/conversations/${mine.id}/assign`, { token: ws.agent.token, body: { assigneeId: ws.agent.id } });
    await t.request('POST', `/api/v1/conversations/${teamConversation.id}/assign`, { token: ws.agent.token, body: { teamId: team.data.id } });
    await t.request('POST', `/api/v1/conversations/${closed.id}/close`, { token: ws.agent.token });
    const ids = async (query: string, token = ws.agent.token) =>
      ((await t.request('GET', `/api/v1/conversations?${query}`, { token })).data.items as Array<{ id: string }>).map((c) => c.id).sort();

    expect(await ids('inbox=mine')).toEqual([mine.id]);
    expect(await ids('inbox=unassigned')).toEqual([teamConversation.id, closed.id].sort());
    expect(await ids('inbox=unassigned&status=open')).toEqual([teamConversation.id]);
    expect(await ids(`inbox=team:${team.data.id}`)).toEqual([teamConversation.id]);
    expect(await ids('inbox=all&status=closed')).toEqual([closed.id]);
    expect(await ids('inbox=blocked')).toEqual([]);
    expect((await t.request('GET', '/api/v1/conversations?inbox=everything', { token: ws.agent.token })).statusCode).toBe(400);
    expect((await t.request('GET', '/api/v1/conversations?inbox=team:00000000-0000-7000-8000-000000000000', { token: ws.agent.token })).statusCode).toBe(404);
  });

  it('an agent sees Mine, Unassigned and its teams, and All only when the workspace allows it', async () => {
    const { ws, channel, conversation: unassigned } = await setUp();
    const othersTeam = await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Sales', memberIds: [ws.manager.id] } });
    const managers = await inboundConversation(t, ws, channel.id, { identifier: 'managers' });
    await t.request('POST', `/api/v1/conversations/${managers.id}/assign`, { token: ws.owner.token, body: { assigneeId: ws.manager.id, teamId: othersTeam.data.id } });

    expect((await t.request('GET', `/api/v1/conversations/${managers.id}`, { token: ws.agent.token })).statusCode).toBe(200);
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsSeeAll: false } });

    const all = await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.agent.token });
    expect(all.statusCode).toBe(403);
    expect(all.data.error.code).toBe('inbox_not_allowed');
    expect((await t.request('GET', `/api/v1/conversations?inbox=team:${othersTeam.data.id}`, { token: ws.agent.token })).statusCode).toBe(403);
    const visible = (await t.request('GET', '/api/v1/conversations', { token: ws.agent.token })).data.items.map((c: { id: string }) => c.id);
    expect(visible).toEqual([unassigned.id]);
    expect((await t.request('GET', `/api/v1/conversations/${managers.id}`, { token: ws.agent.token })).statusCode).toBe(404);
    expect((await send(ws, managers.id, { type: 'reply', text: 'sneaky' })).statusCode).toBe(404);
    expect((await t.request('GET', `/api/v1/conversations/${managers.id}/messages`, { token: ws.agent.token })).statusCode).toBe(404);
    expect((await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.manager.token })).data.items).toHaveLength(2);
    expect((await t.request('GET', `/api/v1/conversations/${managers.id}/messages`, { token: ws.manager.token })).data.items).toHaveLength(1);
  });

  it('searches contact name, email, phone and message text, in the contact’s language', async () => {
    const { ws, channel, conversation: ana } = await setUp({ name: 'Ana Lima', text: 'Where is my parcel?' });
    const jorg = await inboundConversation(t, ws, channel.id, {
      identifier: 'jorg',
      name: 'Jörg Weiß',
      email: 'jorg@example.test',
      phone: '+4915112345678',
      text: 'Hallo',
    });
    await t.database.db.update(contacts).set({ language: 'de' }).where(and(eq(contacts.workspaceId, ws.id), eq(contacts.id, jorg.contactId)));
    clock.advance(1000);
    await sendInbound(t, channel.id, { identifier: 'jorg', text: 'Ich habe zwei Rechnungen bekommen' });
    const search = async (q: string) =>
      ((await t.request('GET', `/api/v1/conversations?q=${encodeURIComponent(q)}`, { token: ws.agent.token })).data.items as Array<{ id: string }>).map(
        (c) => c.id,
      );

    expect(await search('parcel')).toEqual([ana.id]);
    // Read in the searching user's language too (English by default): the plural finds the singular.
    expect(await search('PARCELS')).toEqual([ana.id]);
    expect(await search('rechnung')).toEqual([jorg.id]);
    expect(await search('Rechnungen')).toEqual([jorg.id]);
    expect(await search('jorg')).toEqual([jorg.id]);
    expect(await search('Weiß')).toEqual([jorg.id]);
    expect(await search('weiss')).toEqual([jorg.id]);
    expect(await search('jorg@exa')).toEqual([jorg.id]);
    expect(await search('0151 12345678')).toEqual([jorg.id]);
    // The start of a number: a prefix of the stored phone.
    expect(await search('+49151123')).toEqual([jorg.id]);
    expect(await search('+49159')).toEqual([]);
    expect(await search('lima')).toEqual([ana.id]);
    expect(await search('nothing like it')).toEqual([]);
    expect(await search('"where is" -parcel')).toEqual([]);
  });
});

describe('status dots', () => {
  it('purple until I open it, per user; red once nobody answered in time; a reply clears it', async () => {
    const { ws, conversation } = await setUp();
    const dot = async (token: string) => (await conversationOf(ws, conversation.id, token)).dot;
    expect(await dot(ws.agent.token)).toBe('purple');
    await t.request('POST', `/api/v1/conversations/${conversation.id}/read`, { token: ws.agent.token });
    expect(await dot(ws.agent.token)).toBe('none');
    expect(await dot(ws.manager.token)).toBe('purple');

    clock.advance(30_000);
    expect(await dot(ws.agent.token)).toBe('red');
    await send(ws, conversation.id, { type: 'reply', text: 'On it' });
    expect(await dot(ws.agent.token)).toBe('none');
    expect(await dot(ws.manager.token)).toBe('none');
  });

  it('red at once when the assignee is offline', async () => {
    const { ws, conversation } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.owner.token, body: { assigneeId: ws.agent.id } });
    expect((await conversationOf(ws, conversation.id)).dot).toBe('red');
  });
});

describe('attachments', () => {
  it('stores an upload with the type its bytes say, and serves images inline', async () => {
    const { ws } = await setUp();
    const uploaded = await upload(ws, 'pixel.png', png, 'text/html');
    expect(uploaded.statusCode).toBe(201);
    expect(uploaded.data).toMatchObject({ fileName: 'pixel.png', contentType: 'image/png', size: png.length });
    // Not sent yet: its uploader's alone.
    const served = await t.app.inject({ method: 'GET', url: uploaded.data.url, headers: { authorization: `Bearer ${ws.agent.token}` } });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['content-disposition']).toMatch(/^inline; /);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.rawPayload.equals(png)).toBe(true);
  });

  it('serves anything else as a download, whatever name and type the uploader claimed', async () => {
    const { ws } = await setUp();
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const uploaded = await upload(ws, '../../evil.png', html, 'image/png');
    expect(uploaded.data).toMatchObject({ fileName: 'evil.png', contentType: 'text/plain' });
    const served = await t.app.inject({ method: 'GET', url: uploaded.data.url, headers: { authorization: `Bearer ${ws.agent.token}` } });
    expect(served.headers['content-type']).toMatch(/^text\/plain/);
    expect(served.headers['content-disposition']).toMatch(/^attachment; filename="evil.png"/);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    // The file's own policy, stricter than the web app's, is the one sent.
    expect(served.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    const stranger = await t.createWorkspace();
    expect((await t.request('GET', uploaded.data.url, { token: stranger.owner.token })).statusCode).toBe(404);
  });

  it('refuses a file over 10 MB with 413 and keeps nothing of it', async () => {
    const ws = await t.createWorkspace();
    const tooBig = await upload(ws, 'big.bin', Buffer.alloc(10 * 1024 * 1024 + 1, 1));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.data.error.code).toBe('attachment_too_large');
    const huge = await upload(ws, 'huge.bin', Buffer.alloc(11 * 1024 * 1024, 1));
    expect(huge.statusCode).toBe(413);
    expect(await storedFiles(ws.id)).toEqual([]);
    const exactly = await upload(ws, 'max.bin', Buffer.alloc(10 * 1024 * 1024, 1));
    expect(exactly.statusCode).toBe(201);
  });

  it('sends with a reply; deleting the conversation deletes the file', async () => {
    const { ws, conversation } = await setUp();
    const uploaded = await upload(ws, 'pixel.png', png);
    const reply = await send(ws, conversation.id, { type: 'reply', attachmentIds: [uploaded.data.id] });
    expect(reply.statusCode).toBe(201);
    expect(reply.data.attachments).toEqual([expect.objectContaining({ id: uploaded.data.id, contentType: 'image/png' })]);
    const again = await send(ws, conversation.id, { type: 'reply', text: 'again', attachmentIds: [uploaded.data.id] });
    expect(again.data.error.code).toBe('unknown_attachment');
    const listed = await messagesOf(ws, conversation.id);
    expect(listed[0]!.attachments).toHaveLength(1);

    await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, { token: ws.manager.token });
    await eventually(async () => (await storedFiles(ws.id)).length === 0);
    expect((await t.request('GET', uploaded.data.url, { token: ws.owner.token })).statusCode).toBe(404);
  });

  it('deleting the contact deletes its files', async () => {
    const { ws, conversation } = await setUp();
    const uploaded = await upload(ws, 'pixel.png', png);
    await send(ws, conversation.id, { type: 'reply', attachmentIds: [uploaded.data.id] });
    expect(await storedFiles(ws.id)).toHaveLength(1);
    expect((await t.request('DELETE', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).statusCode).toBe(204);
    await eventually(async () => (await storedFiles(ws.id)).length === 0);
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}`, { token: ws.owner.token })).statusCode).toBe(404);
  });
});
