import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { jobs, messages } from '../../src/platform/db/schema.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, eventually, inboundConversation, startIntegration } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-04-06T09:00:00Z'));
let t: TestApp;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  t = await createTestApp({ clock });
  // Queued jobs run only when a test drains them; first delivery attempts still follow each commit.
  await t.services.jobs.stop();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;
type Message = Record<string, any>;

async function setUp() {
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws, integration.url);
  clock.advance(1000);
  const identifier = `contact-${t.unique()}`;
  const conversation = await inboundConversation(t, ws, channel.id, { identifier, name: 'Ana Lima', text: 'Where is my parcel?' });
  return { ws, channel, conversation, identifier };
}

const send = (ws: Workspace, conversationId: string, body: Record<string, unknown>, token = ws.agent.token) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token, body });

const retry = (ws: Workspace, conversationId: string, messageId: string, token = ws.agent.token) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages/${messageId}/retry`, { token });

const messageOf = async (ws: Workspace, conversationId: string, id: string): Promise<Message | undefined> =>
  ((await t.request('GET', `/api/v1/conversations/${conversationId}/messages`, { token: ws.owner.token })).data.items as Message[]).find((m) => m.id === id);

const deliveriesOf = (messageId: string) => integration.received.filter((d) => d.json.message.id === messageId);

/** A reply the integration refused outright (422): failed at its first attempt. */
async function failedReply(ws: Workspace, conversationId: string, text = 'Your parcel left today') {
  integration.answerWith(422, 'unknown customer');
  try {
    const reply = await send(ws, conversationId, { type: 'reply', text });
    expect(reply.statusCode).toBe(201);
    return await eventually(async () => {
      const message = await messageOf(ws, conversationId, reply.data.id);
      return message?.status === 'failed' ? message : undefined;
    });
  } finally {
    integration.answerWith(200, '{"ok":true}');
  }
}

describe('retrying a failed reply', () => {
  it('a reply the integration kept answering 500 fails when the queue gives up; retried once it is fixed, it is sent, and received once more', async () => {
    const { ws, conversation } = await setUp();
    integration.answerWith(500, 'database down');
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'It ships today' });
    await eventually(async () => deliveriesOf(reply.data.id).length === 1);

    let message = await messageOf(ws, conversation.id, reply.data.id);
    for (let round = 0; round < 12 && message?.status === 'pending'; round++) {
      clock.advance(61_000);
      await t.services.jobs.drain();
      message = await messageOf(ws, conversation.id, reply.data.id);
    }
    expect(message).toMatchObject({ status: 'failed', error: 'The integration answered 500: database down' });
    const refused = deliveriesOf(reply.data.id).length;
    expect(refused).toBe(9);

    integration.answerWith(200, '{"ok":true}');
    const retried = await retry(ws, conversation.id, reply.data.id);
    expect(retried.statusCode).toBe(200);
    expect(retried.data).toMatchObject({ id: reply.data.id, status: 'pending', error: null, text: 'It ships today', direction: 'out', type: 'message' });

    const sent = await eventually(async () => {
      const current = await messageOf(ws, conversation.id, reply.data.id);
      return current?.status === 'sent' ? current : undefined;
    });
    expect(sent.error).toBeNull();
    expect(deliveriesOf(reply.data.id)).toHaveLength(refused + 1);
    // The durable job queued with the retry finds the reply sent and sends nothing.
    clock.advance(31_000);
    await t.services.jobs.drain();
    expect(deliveriesOf(reply.data.id)).toHaveLength(refused + 1);
    expect((await messageOf(ws, conversation.id, reply.data.id))?.status).toBe('sent');
  });

  it('queues a durable delivery job: a retry whose first attempt met a down integration is delivered by the queue', async () => {
    const { ws, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    integration.answerWith(503);
    try {
      expect((await retry(ws, conversation.id, failed.id)).statusCode).toBe(200);
      await eventually(async () => deliveriesOf(failed.id).length === 2);
      expect((await messageOf(ws, conversation.id, failed.id))?.status).toBe('pending');
      const queued = await t.database.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.type, 'message.deliver'), eq(jobs.status, 'queued')));
      expect(queued.filter((job) => job.payload.messageId === failed.id)).toHaveLength(1);
    } finally {
      integration.answerWith(200, '{"ok":true}');
    }
    clock.advance(31_000);
    await t.services.jobs.drain();
    expect(await messageOf(ws, conversation.id, failed.id)).toMatchObject({ status: 'sent', error: null });
    expect(deliveriesOf(failed.id)).toHaveLength(3);
  });

  it('two retries at once: one goes ahead, the other is refused, and the integration receives the reply once', async () => {
    const { ws, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    const [first, second] = await Promise.all([retry(ws, conversation.id, failed.id), retry(ws, conversation.id, failed.id, ws.manager.token)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    expect([first, second].find((r) => r.statusCode === 409)!.data.error.code).toBe('not_retryable');
    await eventually(async () => (await messageOf(ws, conversation.id, failed.id))?.status === 'sent');
    clock.advance(31_000);
    await t.services.jobs.drain();
    expect(deliveriesOf(failed.id)).toHaveLength(2);
  });

  it('only a failed reply can be retried: a sent reply, a comment and a received message answer 409 not_retryable', async () => {
    const { ws, conversation } = await setUp();
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'On its way' });
    await eventually(async () => (await messageOf(ws, conversation.id, reply.data.id))?.status === 'sent');
    const comment = await send(ws, conversation.id, { type: 'comment', text: 'Checked the warehouse' });
    const received = ((await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Message[]).find(
      (m) => m.direction === 'in',
    )!;
    const before = integration.received.length;

    const sentRetry = await retry(ws, conversation.id, reply.data.id);
    expect(sentRetry.statusCode).toBe(409);
    expect(sentRetry.data.error).toMatchObject({ code: 'not_retryable', message: 'This reply is sent: only a failed reply can be sent again' });
    for (const id of [comment.data.id, received.id]) {
      const refused = await retry(ws, conversation.id, id);
      expect(refused.statusCode).toBe(409);
      expect(refused.data.error.code).toBe('not_retryable');
    }
    expect((await messageOf(ws, conversation.id, comment.data.id))?.status).toBe('sent');
    expect(integration.received.length).toBe(before);
  });

  it('a blocked contact’s failed reply is not sent again: 409 contact_blocked, and it stays failed', async () => {
    const { ws, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    expect((await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.agent.token })).statusCode).toBe(200);
    const refused = await retry(ws, conversation.id, failed.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('contact_blocked');
    expect(await messageOf(ws, conversation.id, failed.id)).toMatchObject({ status: 'failed', error: 'The integration answered 422: unknown customer' });
    expect(deliveriesOf(failed.id)).toHaveLength(1);
  });

  it('the channel’s rules are checked again with the reply’s own options: a template the channel does not send is refused', async () => {
    const { ws, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    // No channel module here sends templates, so such a reply can only have been stored by an older rule set.
    await t.database.db
      .update(messages)
      .set({ options: { template: { name: 'order_update', language: 'en', parameters: [] } } })
      .where(eq(messages.id, failed.id));
    const refused = await retry(ws, conversation.id, failed.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('template_not_allowed');
    expect((await messageOf(ws, conversation.id, failed.id))?.status).toBe('failed');
  });

  it('a reply whose channel was removed answers 409 channel_not_available and stays failed', async () => {
    const { ws, channel, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    expect((await t.request('DELETE', `/api/v1/channels/${channel.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    const refused = await retry(ws, conversation.id, failed.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error).toMatchObject({ code: 'channel_not_available', message: expect.stringContaining('removed') });
    expect((await messageOf(ws, conversation.id, failed.id))?.status).toBe('failed');
  });

  it('another workspace’s message, another conversation’s, an unknown one and a conversation the agent may not see are 404', async () => {
    const { ws, channel, conversation } = await setUp();
    const failed = await failedReply(ws, conversation.id);
    const stranger = await setUp();
    expect((await retry(stranger.ws, conversation.id, failed.id, stranger.ws.owner.token)).statusCode).toBe(404);
    expect((await retry(stranger.ws, stranger.conversation.id, failed.id, stranger.ws.owner.token)).statusCode).toBe(404);

    const other = await inboundConversation(t, ws, channel.id, { identifier: `other-${t.unique()}` });
    expect((await retry(ws, other.id, failed.id)).statusCode).toBe(404);
    expect((await retry(ws, conversation.id, '00000000-0000-7000-8000-000000000000')).statusCode).toBe(404);
    expect((await retry(ws, conversation.id, 'not-a-uuid')).statusCode).toBe(400);

    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.owner.token, body: { assigneeId: ws.manager.id } });
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsSeeAll: false } });
    const hidden = await retry(ws, conversation.id, failed.id, ws.agent.token);
    expect(hidden.statusCode).toBe(404);
    expect((await messageOf(ws, conversation.id, failed.id))?.status).toBe('failed');
    // The manager it is assigned to may.
    expect((await retry(ws, conversation.id, failed.id, ws.manager.token)).statusCode).toBe(200);
    expect((await t.request('POST', `/api/v1/conversations/${conversation.id}/messages/${failed.id}/retry`)).statusCode).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const document = (await t.request('GET', '/api/openapi.json')).data;
    expect(document.paths['/api/v1/conversations/{id}/messages/{messageId}/retry']?.post).toBeDefined();
    expect(document.paths['/api/v1/attachments/{id}/download']?.get).toBeDefined();
  });
});

describe('what the integration receives', () => {
  it('a text reply carries an empty list of attachments', async () => {
    const { ws, conversation } = await setUp();
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'Plain text' });
    const [delivery] = await eventually(async () => (deliveriesOf(reply.data.id).length ? deliveriesOf(reply.data.id) : undefined));
    expect(delivery!.json.message).toEqual({ id: reply.data.id, text: 'Plain text', timestamp: reply.data.createdAt, attachments: [] });
  });
});
