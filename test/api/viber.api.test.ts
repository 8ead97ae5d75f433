import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelState } from '../../src/channels/channel-state.js';
import { viberSignature } from '../../src/channels/viber/viber.channel.js';
import { fixedClock } from '../../src/platform/clock.js';
import { rowsOf } from '../../src/platform/db/client.js';
import type { TestApp } from '../helpers/app.js';
import { type BotsSimulator, startBotsSimulator } from '../simulators/bots.js';
import { connectChannel, conversationsOf, startListeningApp, type Workspace } from './bots-fixtures.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, messagesOf } from './meta-fixtures.js';

const HOUR = 3600_000;
const clock = fixedClock(new Date('2026-06-10T09:00:00Z'));
let t: TestApp;
let sim: BotsSimulator;

beforeAll(async () => {
  t = await startListeningApp(clock);
  sim = await startBotsSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

let users = 0;
const nextUser = () => `${(++users).toString().padStart(10, '0')}A+Zz9w==`;

/** A Viber bot connected in Settings and tested: the account's name, then set_webhook, which Viber checks with a signed `webhook` event. */
async function setUp() {
  const ws = await t.createWorkspace();
  const authToken = `445da6az1s345z78-${t.unique()}`;
  sim.viber.connect({ authToken });
  const channel = await connectChannel(t, ws, 'viber', { authToken, apiBaseUrl: sim.url });
  const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
  expect(tested.data).toMatchObject({ ok: true, detail: 'Simulated Shop, webhook set' });
  return { ws, channel, authToken };
}

async function customerWrites(authToken: string, input: { sender: { id: string; name?: string; avatar?: string; country?: string; language?: string }; text?: string; token?: string; at?: Date }) {
  const event = sim.viber.message({ ...input, at: input.at ?? new Date(clock.now().getTime() - 1000) });
  const answer = await sim.viber.post(authToken, event.payload);
  expect(answer.status).toBe(200);
  return event;
}

const reply = (ws: Workspace, conversationId: string, text: string) => t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });
const messageOf = async (ws: Workspace, conversationId: string, id: string) => (await messagesOf(t, ws, conversationId)).find((m) => m.id === id)!;
const statusOf = (ws: Workspace, conversationId: string, id: string, wanted: string) =>
  eventually(async () => {
    const message = await messageOf(ws, conversationId, id);
    return message.status === wanted ? message : undefined;
  });
const providerIdOf = async (messageId: string) =>
  eventually(async () => rowsOf<{ id: string | null }>(await t.database.db.execute(sql`select provider_message_id as id from messages where id = ${messageId}`))[0]?.id ?? undefined);

describe('connecting Viber', () => {
  it('keeps the auth token write-only; the test sets the webhook to this channel, answering Viber’s signed check', async () => {
    const { ws, channel, authToken } = await setUp();
    expect(channel).toMatchObject({ type: 'viber', secretsSet: ['authToken'], settings: { commercialTerms: false } });
    expect(JSON.stringify(channel)).not.toContain(authToken);
    const setWebhook = sim.received.filter((r) => r.path === '/pa/set_webhook' && r.headers['x-viber-auth-token'] === authToken);
    expect(setWebhook.map((r) => r.json.url)).toEqual([channel.webhookUrl]);
    expect(sim.viber.bot(authToken).webhookUrl).toBe(channel.webhookUrl);
    expect(await conversationsOf(t, ws)).toEqual([]);
  });
});

describe('receiving Viber messages', () => {
  it('a message lands on a contact with the sender’s name, avatar, country and language; its token kept digit for digit', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    const { token } = await customerWrites(authToken, { sender: { id, name: 'John McClane', avatar: 'https://media.viber.test/avatar.jpg', country: 'UK', language: 'en-GB' }, text: 'Yippee' });
    const conversation = await conversationOf(t, ws, channel.id, id);
    const [message] = await messagesOf(t, ws, conversation.id);
    expect(message).toMatchObject({ direction: 'in', text: 'Yippee' });
    expect(await providerIdOf(message!.id)).toBe(token);
    expect(BigInt(token) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const contact = (await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).data;
    expect(contact).toMatchObject({ firstName: 'John', lastName: 'McClane', avatarUrl: 'https://media.viber.test/avatar.jpg', country: 'GB', language: 'en-GB' });
  });

  it('the same message token again (tokens that differ only past 2^53 are two messages) is stored once', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    await customerWrites(authToken, { sender: { id }, text: 'first', token: '5000000000000000001' });
    await customerWrites(authToken, { sender: { id }, text: 'first', token: '5000000000000000001' });
    // As JavaScript numbers these two are equal; as Viber's tokens they are not.
    await customerWrites(authToken, { sender: { id }, text: 'second', token: '5000000000000000002' });
    const conversation = await conversationOf(t, ws, channel.id, id);
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text).sort()).toEqual(['first', 'second']);
  });

  it('a picture arrives as an attachment downloaded from Viber’s link, its text as the caption', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    sim.addFile('picture-1.jpg', jpeg, 'image/jpeg');
    const { payload } = sim.viber.message({ sender: { id, name: 'Ana' }, message: { type: 'picture', text: 'Broken', media: sim.mediaUrl('picture-1.jpg'), thumbnail: sim.mediaUrl('picture-1.jpg'), file_name: 'photo.jpg' }, at: new Date(clock.now().getTime() - 1000) });
    expect((await sim.viber.post(authToken, payload)).status).toBe(200);
    const conversation = await conversationOf(t, ws, channel.id, id);
    await t.services.jobs.drain();
    const [message] = await messagesOf(t, ws, conversation.id);
    expect(message).toMatchObject({ text: 'Broken', content: { kind: 'image', fileName: 'photo.jpg' }, attachments: [expect.objectContaining({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: jpeg.length })] });
  });

  it('a forged or missing signature answers 401 and stores nothing; subscribed and conversation_started are acknowledged', async () => {
    const { ws, channel, authToken } = await setUp();
    const { payload } = sim.viber.message({ sender: { id: nextUser() }, text: 'forged' });
    expect((await sim.viber.post(authToken, payload, 'not-the-auth-token')).status).toBe(401);
    expect((await sim.postRaw(channel.webhookUrl, payload, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await sim.postRaw(channel.webhookUrl, payload.replace('forged', 'Forged'), { 'x-viber-content-signature': viberSignature(authToken, payload) })).status).toBe(401);
    for (const event of ['subscribed', 'conversation_started']) {
      expect((await sim.viber.post(authToken, JSON.stringify({ event, timestamp: 1, message_token: 1, user: { id: nextUser(), name: 'X' } }))).status).toBe(200);
    }
    expect((await sim.viber.post(authToken, '{"event":"message","message_token":')).status).toBe(400);
    // A huge body is refused before it is hashed or parsed.
    const huge = Buffer.alloc(2 * 1024 * 1024, 'a');
    expect((await sim.postRaw(channel.webhookUrl, huge, { 'content-type': 'application/json', 'x-viber-content-signature': viberSignature(authToken, huge) })).status).toBe(413);
    expect(await conversationsOf(t, ws)).toEqual([]);
  });
});

describe('replying on Viber', () => {
  it('send_message with the auth token and the account’s name; delivered and seen move the status', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    await customerWrites(authToken, { sender: { id, name: 'Ana' } });
    const conversation = await conversationOf(t, ws, channel.id, id);
    const sent = await reply(ws, conversation.id, 'Hello Ana');
    const call = await sim.waitFor((all) => all.find((r) => r.json?.text === 'Hello Ana'));
    expect([call.path, call.headers['x-viber-auth-token']]).toEqual(['/pa/send_message', authToken]);
    expect(call.json).toEqual({ receiver: id, min_api_version: 1, sender: { name: 'Simulated Shop' }, type: 'text', text: 'Hello Ana' });
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
    const token = (await providerIdOf(sent.data.id))!;
    expect(token).toBe(sim.sent.find((s) => s.json.text === 'Hello Ana')!.id);
    expect((await sim.viber.post(authToken, sim.viber.receipt('delivered', token, id))).status).toBe(200);
    await statusOf(ws, conversation.id, sent.data.id, 'delivered');
    await sim.viber.post(authToken, sim.viber.receipt('seen', token, id));
    await statusOf(ws, conversation.id, sent.data.id, 'read');
  });

  it('Viber’s status 23 marks the reply failed with its words; a failed event after sending does too', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    await customerWrites(authToken, { sender: { id } });
    const conversation = await conversationOf(t, ws, channel.id, id);
    sim.answerNext({ status: 200, body: { status: 23, status_message: 'freeMessagesExceeded' } });
    const refused = await reply(ws, conversation.id, 'Will not go');
    expect(await statusOf(ws, conversation.id, refused.data.id, 'failed')).toMatchObject({ error: 'freeMessagesExceeded (23)', errorCode: 'viber:23' });
    const sent = await reply(ws, conversation.id, 'Goes, then fails');
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
    await sim.viber.post(authToken, sim.viber.receipt('failed', (await providerIdOf(sent.data.id))!, id, 'receiver is inactive'));
    expect(await statusOf(ws, conversation.id, sent.data.id, 'failed')).toMatchObject({ error: 'Viber: receiver is inactive' });
  });
});

describe('the session and the monthly quota', () => {
  it('past 24 h each message is chatbot-initiated and counted; the composer sees the count; at 10,000 a send is refused (quota_exceeded) unless on commercial terms', async () => {
    const { ws, channel, authToken } = await setUp();
    const id = nextUser();
    await customerWrites(authToken, { sender: { id } });
    const conversation = await conversationOf(t, ws, channel.id, id);
    const windowOf = async () => (await t.request('GET', `/api/v1/conversations/${conversation.id}/window`, { token: ws.agent.token })).data.items[0];
    expect(await windowOf()).toMatchObject({ reason: 'open', freeText: true });
    const inSession = await reply(ws, conversation.id, 'In the session');
    await statusOf(ws, conversation.id, inSession.data.id, 'sent');
    expect(await windowOf()).toMatchObject({ reason: 'open' });

    clock.advance(25 * HOUR);
    expect(await windowOf()).toMatchObject({ reason: 'chatbot_initiated', freeText: true, quota: { used: 0, limit: 10_000, paid: false } });
    const counted = await reply(ws, conversation.id, 'Chatbot-initiated');
    await statusOf(ws, conversation.id, counted.data.id, 'sent');
    expect((await windowOf()).quota).toEqual({ used: 1, limit: 10_000, paid: false });

    await createChannelState(t.database.db, clock).storeFor(ws.id, channel.id).set('chatbot-initiated:2026-06', 10_000);
    expect(await windowOf()).toMatchObject({ reason: 'quota_exceeded', freeText: false, closesAt: '2026-07-01T00:00:00.000Z' });
    const before = sim.requestsTo('/pa/send_message').length;
    const refused = await reply(ws, conversation.id, 'One too many');
    expect([refused.statusCode, refused.data.error.code]).toEqual([409, 'quota_exceeded']);
    expect(sim.requestsTo('/pa/send_message')).toHaveLength(before);

    await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { commercialTerms: true } } });
    expect(await windowOf()).toMatchObject({ reason: 'chatbot_initiated', quota: { used: 10_000, paid: true } });
    const paid = await reply(ws, conversation.id, 'Paid for');
    await statusOf(ws, conversation.id, paid.data.id, 'sent');

    // A new calendar month (UTC) starts its own count: June's 10,001 do not weigh on July.
    await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { commercialTerms: false } } });
    clock.set(new Date('2026-06-30T23:59:59Z'));
    expect(await windowOf()).toMatchObject({ reason: 'quota_exceeded' });
    clock.set(new Date('2026-07-01T00:00:00Z'));
    expect(await windowOf()).toMatchObject({ reason: 'chatbot_initiated', freeText: true, quota: { used: 0, limit: 10_000, paid: false } });

    // The contact writes: the session is open again and nothing is counted.
    await customerWrites(authToken, { sender: { id }, text: 'back again' });
    expect(await windowOf()).toMatchObject({ reason: 'open' });
  });
});
