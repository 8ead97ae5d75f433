import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let bots = 0;
let users = 0;
const nextUser = () => 5_000_000 + ++users;

/** A bot connected in Settings and tested: getMe, then setWebhook with the channel's URL and secret token. */
async function setUp() {
  const ws = await t.createWorkspace();
  const token = `${700000 + ++bots}:AAH${t.unique().replace(/[^\w-]/g, '')}abcdefghijklmnopqrstu`;
  sim.telegram.connect({ token });
  const channel = await connectChannel(t, ws, 'telegram', { botToken: token, apiBaseUrl: sim.url });
  const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
  expect(tested.data).toMatchObject({ ok: true, detail: '@simulated_shop_bot, webhook set' });
  return { ws, channel, token };
}

async function customerWrites(token: string, input: { from: { id: number; first_name?: string; last_name?: string; language_code?: string }; text?: string; updateId?: number }) {
  const { updateId, payload } = sim.telegram.update({ ...input, at: new Date(clock.now().getTime() - 1000) });
  const answer = await sim.telegram.post(token, payload);
  expect(answer.status).toBe(200);
  return { updateId, payload, answer };
}

const reply = (ws: Workspace, conversationId: string, text: string) => t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });

const messageOf = async (ws: Workspace, conversationId: string, id: string) => (await messagesOf(t, ws, conversationId)).find((m) => m.id === id)!;

describe('connecting Telegram', () => {
  it('generates the secret token, never shows the bot token, and the test sets the webhook to this channel with that secret', async () => {
    const { channel, token } = await setUp();
    expect(channel).toMatchObject({ type: 'telegram', secretsSet: ['botToken'] });
    expect(channel.settings.secretToken).toMatch(/^[\w-]{20,}$/);
    expect(JSON.stringify(channel)).not.toContain(token);
    const [getMe, setWebhook] = sim.received.filter((r) => r.path.startsWith(`/bot${token}/`));
    expect(getMe!.path).toBe(`/bot${token}/getMe`);
    expect(setWebhook!.path).toBe(`/bot${token}/setWebhook`);
    expect(setWebhook!.json).toEqual({ url: channel.webhookUrl, secret_token: channel.settings.secretToken, allowed_updates: ['message'] });
  });

  it('a wrong bot token fails the test with Telegram’s words', async () => {
    const ws = await t.createWorkspace();
    const channel = await connectChannel(t, ws, 'telegram', { botToken: '999:AAHnot-a-bot-this-simulator-knows', apiBaseUrl: sim.url });
    const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(tested.data).toMatchObject({ ok: false, error: 'Unauthorized' });
  });
});

describe('receiving Telegram messages', () => {
  it('a message lands on a contact named from the update, with its language', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    await customerWrites(token, { from: { id, first_name: 'Ana', last_name: 'Lima', language_code: 'de' }, text: 'Wo ist meine Bestellung?' });
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    expect((await messagesOf(t, ws, conversation.id)).map((m) => [m.direction, m.text, m.channelId])).toEqual([['in', 'Wo ist meine Bestellung?', channel.id]]);
    const contact = (await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).data;
    expect(contact).toMatchObject({ firstName: 'Ana', lastName: 'Lima', language: 'de' });
  });

  it('the same update delivered again, or several times at once, is stored once', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    const { payload } = await customerWrites(token, { from: { id, first_name: 'Bo' }, text: 'once' });
    const again = await Promise.all([1, 2, 3].map(() => sim.telegram.post(token, payload)));
    expect(again.map((a) => [a.status, JSON.parse(a.body).received[0].duplicate])).toEqual([
      [200, true],
      [200, true],
      [200, true],
    ]);
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text)).toEqual(['once']);
  });

  it('a photo arrives as an attachment fetched with getFile and the file path, its caption as text', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    sim.addFile('photo-large', png, 'image/png');
    const photo = [{ file_id: 'photo-small', width: 90, height: 90 }, { file_id: 'photo-large', width: 1280, height: 1280 }];
    const { payload } = sim.telegram.update({ from: { id, first_name: 'Eli' }, message: { photo, caption: 'The box arrived broken' }, at: new Date(clock.now().getTime() - 1000) });
    expect((await sim.telegram.post(token, payload)).status).toBe(200);
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    expect((await messagesOf(t, ws, conversation.id))[0]).toMatchObject({ text: 'The box arrived broken', content: { kind: 'image' }, attachments: [] });
    await t.services.jobs.drain();
    const [message] = await messagesOf(t, ws, conversation.id);
    expect(message!.attachments).toEqual([expect.objectContaining({ contentType: 'image/png', size: png.length })]);
    // The largest size only: getFile for its path, then the file itself.
    expect(sim.requestsTo('/getFile').map((r) => [r.path, r.json])).toEqual([[`/bot${token}/getFile`, { file_id: 'photo-large' }]]);
    expect(sim.received.filter((r) => r.path.startsWith('/file/')).map((r) => r.path)).toEqual([`/file/bot${token}/photo-large`]);
  });

  it('a wrong or missing secret token answers 401 and stores nothing; edited messages and channel posts are acknowledged, not stored', async () => {
    const { ws, token, channel } = await setUp();
    const { payload } = sim.telegram.update({ from: { id: nextUser(), first_name: 'Eve' }, text: 'forged' });
    expect((await sim.telegram.post(token, payload, `${channel.settings.secretToken}x`)).status).toBe(401);
    expect((await sim.postRaw(channel.webhookUrl, JSON.stringify(payload), { 'content-type': 'application/json' })).status).toBe(401);
    const edited = { update_id: 1, edited_message: payload.message };
    const post = { update_id: 2, channel_post: { message_id: 1, chat: { id: -100123, type: 'channel' }, date: 1, text: 'news' } };
    for (const other of [edited, post]) expect((await sim.telegram.post(token, other)).status).toBe(200);
    expect((await sim.telegram.post(token, '{"update_id": 3, "message": {"message_id": 1}}')).status).toBe(400);
    expect(await conversationsOf(t, ws)).toEqual([]);
  });
});

describe('replying on Telegram', () => {
  it('sendMessage to the chat with the text; the reply is sent', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    await customerWrites(token, { from: { id, first_name: 'Ana' } });
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    const sent = await reply(ws, conversation.id, 'Hallo Ana, sie ist unterwegs.');
    expect(sent.statusCode).toBe(201);
    const call = await sim.waitFor((all) => all.find((r) => r.json?.text === 'Hallo Ana, sie ist unterwegs.'));
    expect([call.method, call.path, call.json]).toEqual(['POST', `/bot${token}/sendMessage`, { chat_id: String(id), text: 'Hallo Ana, sie ist unterwegs.' }]);
    await eventually(async () => (await messageOf(ws, conversation.id, sent.data.id)).status === 'sent' || undefined);
  });

  it('403 “bot was blocked by the user” marks the reply failed with that reason, after one call', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    await customerWrites(token, { from: { id, first_name: 'Cy' } });
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    sim.answerNext({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } });
    const sent = await reply(ws, conversation.id, 'Are you there?');
    const failed = await eventually(async () => {
      const message = await messageOf(ws, conversation.id, sent.data.id);
      return message.status === 'failed' ? message : undefined;
    });
    expect(failed).toMatchObject({ error: 'bot was blocked by the user', errorCode: 'telegram:403' });
    expect(sim.requestsTo('/sendMessage').filter((r) => r.json?.text === 'Are you there?')).toHaveLength(1);
  });

  it('429 waits retry_after: not tried again before it has passed, then sent', async () => {
    const { ws, channel, token } = await setUp();
    const id = nextUser();
    await customerWrites(token, { from: { id, first_name: 'Di' } });
    const conversation = await conversationOf(t, ws, channel.id, String(id));
    sim.answerNext({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 120', parameters: { retry_after: 120 } } });
    const sent = await reply(ws, conversation.id, 'Slowly');
    const attempts = () => sim.requestsTo('/sendMessage').filter((r) => r.json?.text === 'Slowly').length;
    await sim.waitFor(() => attempts() === 1);
    await eventually(async () => {
      // The job is moved to after retry_after once the first attempt is back.
      const jobs = await t.database.db.query.jobs.findMany({ where: (j, { eq }) => eq(j.type, 'message.deliver') });
      return jobs.some((j) => (j.payload as { messageId: string }).messageId === sent.data.id && j.runAt.getTime() >= clock.now().getTime() + 119_000) || undefined;
    });
    clock.advance(61_000);
    await t.services.jobs.drain();
    expect(attempts()).toBe(1);
    expect((await messageOf(ws, conversation.id, sent.data.id)).status).toBe('pending');
    clock.advance(60_000);
    await t.services.jobs.drain();
    await eventually(async () => (await messageOf(ws, conversation.id, sent.data.id)).status === 'sent' || undefined);
    expect(attempts()).toBe(2);
  });
});
