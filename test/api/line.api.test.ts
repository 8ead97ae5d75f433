import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineSignature } from '../../src/channels/line/line.channel.js';
import { fixedClock } from '../../src/platform/clock.js';
import type { TestApp } from '../helpers/app.js';
import { type BotsSimulator, startBotsSimulator } from '../simulators/bots.js';
import { connectChannel, conversationsOf, startListeningApp, type Workspace } from './bots-fixtures.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, messagesOf } from './meta-fixtures.js';

const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
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
const nextUser = () => `U${(++users).toString(16).padStart(32, 'a')}`;

async function setUp() {
  const ws = await t.createWorkspace();
  const accessToken = `line-token-${t.unique()}`;
  const channelSecret = `line-secret-${t.unique()}`;
  const channel = await connectChannel(t, ws, 'line', { channelSecret, channelAccessToken: accessToken, apiBaseUrl: sim.url });
  sim.line.connect({ accessToken, channelSecret, webhookUrl: channel.webhookUrl });
  return { ws, channel, accessToken, channelSecret };
}

async function customerWrites(accessToken: string, input: { userId: string; text?: string; eventId?: string; message?: Record<string, unknown> }) {
  const event = sim.line.message({ ...input, at: new Date(clock.now().getTime() - 1000) });
  const answer = await sim.line.post(accessToken, event.payload);
  expect(answer.status).toBe(200);
  return event;
}

const reply = (ws: Workspace, conversationId: string, text: string) => t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });
const messageOf = async (ws: Workspace, conversationId: string, id: string) => (await messagesOf(t, ws, conversationId)).find((m) => m.id === id)!;

describe('connecting LINE', () => {
  it('keeps both secrets write-only; the test asks for the bot’s info with the access token', async () => {
    const { ws, channel, accessToken, channelSecret } = await setUp();
    expect(channel.secretsSet).toEqual(['channelSecret', 'channelAccessToken']);
    expect(JSON.stringify(channel)).not.toContain(accessToken);
    expect(JSON.stringify(channel)).not.toContain(channelSecret);
    const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(tested.data).toMatchObject({ ok: true, detail: 'Simulated Shop (@123abcde)' });
    const call = sim.received.at(-1)!;
    expect([call.method, call.path, call.headers.authorization]).toEqual(['GET', '/v2/bot/info', `Bearer ${accessToken}`]);
  });
});

describe('receiving LINE messages', () => {
  it('a message lands on a contact named from the user’s LINE profile, fetched after it is stored', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    sim.line.setProfile(userId, { displayName: 'Yuki Tanaka', pictureUrl: 'https://profile.line-scdn.net/yuki', language: 'ja' });
    await customerWrites(accessToken, { userId, text: 'こんにちは' });
    const conversation = await conversationOf(t, ws, channel.id, userId);
    expect((await messagesOf(t, ws, conversation.id)).map((m) => [m.direction, m.text])).toEqual([['in', 'こんにちは']]);
    await t.services.jobs.drain();
    const contact = (await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).data;
    expect(contact).toMatchObject({ displayName: 'Yuki Tanaka', avatarUrl: 'https://profile.line-scdn.net/yuki' });
    expect(sim.received.some((r) => r.path === `/v2/bot/profile/${userId}` && r.headers.authorization === `Bearer ${accessToken}`)).toBe(true);
  });

  it('a redelivered event (same webhookEventId) is stored once', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    const first = await customerWrites(accessToken, { userId, text: 'once' });
    const redelivered = structuredClone(first.payload);
    redelivered.events[0]!.deliveryContext.isRedelivery = true;
    const answers = await Promise.all([1, 2].map(() => sim.line.post(accessToken, redelivered)));
    expect(answers.map((a) => [a.status, JSON.parse(a.body).received[0].duplicate])).toEqual([
      [200, true],
      [200, true],
    ]);
    const conversation = await conversationOf(t, ws, channel.id, userId);
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text)).toEqual(['once']);
  });

  it('an image arrives as an attachment fetched from LINE’s content endpoint', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const event = sim.line.message({ userId, message: { type: 'image', contentProvider: { type: 'line' } }, at: new Date(clock.now().getTime() - 1000) });
    sim.addFile(`line:${event.messageId}`, png, 'image/png');
    expect((await sim.line.post(accessToken, event.payload)).status).toBe(200);
    const conversation = await conversationOf(t, ws, channel.id, userId);
    await t.services.jobs.drain();
    const [message] = await messagesOf(t, ws, conversation.id);
    expect(message).toMatchObject({ content: { kind: 'image' }, attachments: [expect.objectContaining({ contentType: 'image/png', size: png.length })] });
  });

  it('a forged signature answers 401 and stores nothing; an empty events list (LINE’s check) and a follow answer 200 and store nothing', async () => {
    const { ws, channel, accessToken } = await setUp();
    const { payload } = sim.line.message({ userId: nextUser(), text: 'forged' });
    expect((await sim.line.post(accessToken, payload, 'not-the-channel-secret')).status).toBe(401);
    const body = JSON.stringify(payload);
    expect((await sim.postRaw(channel.webhookUrl, body.replace('forged', 'Forged'), { 'content-type': 'application/json', 'x-line-signature': lineSignature('x', body) })).status).toBe(401);
    expect((await sim.line.post(accessToken, { destination: 'Ubot0000', events: [] })).status).toBe(200);
    expect((await sim.line.post(accessToken, { destination: 'Ubot0000', events: [{ type: 'follow', mode: 'active', timestamp: 1, webhookEventId: 'F1', source: { type: 'user', userId: nextUser() } }] })).status).toBe(200);
    expect((await sim.line.post(accessToken, '{"events": [')).status).toBe(400);
    expect(await conversationsOf(t, ws)).toEqual([]);
  });
});

describe('replying on LINE', () => {
  it('pushes to the user with the message id as X-Line-Retry-Key; a push repeated with that key is not delivered twice', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    await customerWrites(accessToken, { userId });
    const conversation = await conversationOf(t, ws, channel.id, userId);
    const sent = await reply(ws, conversation.id, 'Thanks for writing!');
    const call = await sim.waitFor((all) => all.find((r) => r.json?.messages?.[0]?.text === 'Thanks for writing!'));
    expect([call.method, call.path, call.headers.authorization, call.headers['x-line-retry-key']]).toEqual(['POST', '/v2/bot/message/push', `Bearer ${accessToken}`, sent.data.id]);
    expect(call.json).toEqual({ to: userId, messages: [{ type: 'text', text: 'Thanks for writing!' }] });
    await eventually(async () => (await messageOf(ws, conversation.id, sent.data.id)).status === 'sent' || undefined);
    // Our answer lost, the same push again: LINE answers 409 with the request it accepted, and delivers nothing more.
    const again = await sim.postRaw(`${sim.url}/v2/bot/message/push`, call.body, { 'content-type': 'application/json', authorization: `Bearer ${accessToken}`, 'x-line-retry-key': sent.data.id });
    expect(again.status).toBe(409);
    expect(sim.sent.filter((s) => s.provider === 'line' && s.to === userId)).toHaveLength(1);
  });

  it('a push delivered whose answer was lost is tried again with the same retry key: LINE answers 409, it counts as sent, the user gets it once', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    await customerWrites(accessToken, { userId });
    const conversation = await conversationOf(t, ws, channel.id, userId);
    sim.line.loseNextAnswer();
    const sent = await reply(ws, conversation.id, 'Exactly once');
    const pushes = () => sim.requestsTo('/v2/bot/message/push').filter((r) => r.json?.messages?.[0]?.text === 'Exactly once');
    await sim.waitFor(() => pushes().length === 1);
    clock.advance(31_000);
    await t.services.jobs.drain();
    await eventually(async () => (await messageOf(ws, conversation.id, sent.data.id)).status === 'sent' || undefined);
    expect(pushes().map((r) => r.headers['x-line-retry-key'])).toEqual([sent.data.id, sent.data.id]);
    expect(sim.sent.filter((s) => s.provider === 'line' && s.to === userId)).toHaveLength(1);
  });

  it('a push whose answer was a 5xx is tried again with the same retry key; the monthly limit fails for good', async () => {
    const { ws, channel, accessToken } = await setUp();
    const userId = nextUser();
    await customerWrites(accessToken, { userId });
    const conversation = await conversationOf(t, ws, channel.id, userId);
    sim.answerNext({ status: 500, body: { message: 'An error occurred in the server' } });
    const sent = await reply(ws, conversation.id, 'Try again');
    const pushes = () => sim.requestsTo('/v2/bot/message/push').filter((r) => r.json?.messages?.[0]?.text === 'Try again');
    await sim.waitFor(() => pushes().length === 1);
    clock.advance(31_000);
    await t.services.jobs.drain();
    await eventually(async () => (await messageOf(ws, conversation.id, sent.data.id)).status === 'sent' || undefined);
    expect(pushes().map((r) => r.headers['x-line-retry-key'])).toEqual([sent.data.id, sent.data.id]);

    sim.answerNext({ status: 429, body: { message: 'You have reached your monthly limit.' } });
    const refused = await reply(ws, conversation.id, 'Over the limit');
    const failed = await eventually(async () => {
      const message = await messageOf(ws, conversation.id, refused.data.id);
      return message.status === 'failed' ? message : undefined;
    });
    expect(failed).toMatchObject({ error: 'You have reached your monthly limit.', errorCode: 'line:monthly_limit' });
  });
});
