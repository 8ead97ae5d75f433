import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/platform/errors.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { graphError, type MetaSimulator, startMetaSimulator } from '../simulators/meta.js';
import { eventually } from './inbox-fixtures.js';
import { connectMeta, conversationOf, messagesOf } from './meta-fixtures.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
let t: TestApp;
let sim: MetaSimulator;

beforeAll(async () => {
  t = await createTestApp({ clock });
  await t.services.jobs.stop();
  sim = await startMetaSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;
type Connected = Awaited<ReturnType<typeof connectMeta>>;

let people = 0;
const nextPsid = () => `2470${(100000 + ++people).toString()}`;

async function setUp(type: 'messenger' | 'instagram' = 'messenger') {
  const ws = await t.createWorkspace();
  const channel = await connectMeta(t, ws, sim, type);
  return { ws, channel };
}

async function customerWrites(ws: Workspace, channel: Connected, input: { from: string; text?: string; message?: Record<string, unknown>; object?: 'page' | 'instagram' }) {
  const answer = await sim.messenger.customerWrites(channel.accountId, { ...input, at: new Date(clock.now().getTime() - 1000) });
  expect(answer.status).toBe(200);
  return { mid: answer.mid, conversation: await conversationOf(t, ws, channel.channel.id, input.from) };
}

const reply = (ws: Workspace, conversationId: string, body: Record<string, unknown>, token = ws.agent.token) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token, body: { type: 'reply', ...body } });

async function statusOf(ws: Workspace, conversationId: string, messageId: string, wanted: string) {
  return eventually(async () => {
    const message = (await messagesOf(t, ws, conversationId)).find((m) => m.id === messageId);
    return message?.status === wanted ? message : undefined;
  });
}

async function providerIdOf(messageId: string) {
  return eventually(async () => (await t.database.db.query.messages.findFirst({ where: (m, { eq }) => eq(m.id, messageId) }))?.providerMessageId);
}

describe('Messenger', () => {
  it('receives a signed message from a PSID; the name and picture come from the profile API', async () => {
    const { ws, channel } = await setUp();
    const psid = nextPsid();
    sim.setProfile(psid, { first_name: 'Chloé', last_name: 'Lefèvre', profile_pic: 'https://cdn.example.test/chloe.jpg' });
    const { conversation } = await customerWrites(ws, channel, { from: psid, text: 'Bonjour !' });
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text)).toEqual(['Bonjour !']);
    await t.services.jobs.drain();
    const profileCall = sim.received.find((r) => r.path.startsWith(`/v23.0/${psid}?`))!;
    expect(profileCall.path).toBe(`/v23.0/${psid}?fields=first_name,last_name,profile_pic`);
    expect(profileCall.headers.authorization).toBe(`Bearer ${channel.token}`);
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token });
    expect(contact.data).toMatchObject({ firstName: 'Chloé', lastName: 'Lefèvre', avatarUrl: 'https://cdn.example.test/chloe.jpg' });
  });

  it('replies to the PSID with messaging_type RESPONSE inside 24 h, exactly as the Send API wants it', async () => {
    const { ws, channel } = await setUp();
    const psid = nextPsid();
    const { conversation } = await customerWrites(ws, channel, { from: psid });
    const sent = await reply(ws, conversation.id, { text: 'Bonjour Chloé' });
    expect(sent.statusCode).toBe(201);
    const request = await sim.waitFor((all) => all.find((r) => r.json?.recipient?.id === psid));
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v23.0/${channel.accountId}/messages`);
    expect(request.headers.authorization).toBe(`Bearer ${channel.token}`);
    expect(request.json).toEqual({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Bonjour Chloé' } });
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
  });

  it('between 24 hours and 7 days a person’s reply goes out with HUMAN_AGENT; a workflow’s is refused; after 7 days nothing goes', async () => {
    const { ws, channel } = await setUp();
    const psid = nextPsid();
    const { conversation } = await customerWrites(ws, channel, { from: psid });
    clock.advance(25 * HOUR);
    const window = await t.request('GET', `/api/v1/conversations/${conversation.id}/window`, { token: ws.agent.token });
    expect(window.data.items[0]).toMatchObject({ freeText: false, tags: ['HUMAN_AGENT'], reason: 'human_agent', closesAt: new Date(clock.now().getTime() - 25 * HOUR - 1000 + 7 * DAY).toISOString() });

    const sent = await reply(ws, conversation.id, { text: 'Sorry for the wait' });
    expect(sent.statusCode).toBe(201);
    expect(sent.data.tag).toBe('HUMAN_AGENT');
    const request = await sim.waitFor((all) => all.find((r) => r.json?.message?.text === 'Sorry for the wait'));
    expect(request.json).toEqual({ recipient: { id: psid }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Sorry for the wait' } });

    const before = sim.received.length;
    const workflow = t.services.messages.send(ws.actor, conversation.id, { type: 'reply', text: 'Automated reminder', automated: true });
    await expect(workflow).rejects.toMatchObject({ code: 'messaging_window_closed' });
    await expect(workflow).rejects.toBeInstanceOf(AppError);
    const retired = await reply(ws, conversation.id, { text: 'Your order shipped', tag: 'ACCOUNT_UPDATE' });
    expect(retired.statusCode).toBe(400);
    expect(retired.data.error.code).toBe('tag_not_allowed');
    expect(retired.data.error.message).toMatch(/retired/);

    clock.advance(6 * DAY);
    const late = await reply(ws, conversation.id, { text: 'Anyone?' });
    expect(late.statusCode).toBe(409);
    expect(late.data.error.code).toBe('messaging_window_closed');
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}/window`, { token: ws.agent.token })).data.items[0]).toMatchObject({
      freeText: false,
      tags: [],
      reason: 'contact_must_write',
    });
    expect(sim.received.length).toBe(before);
  });

  it('the page’s own echoes are recognised and not shown as the customer’s messages', async () => {
    const { ws, channel } = await setUp();
    const psid = nextPsid();
    const { conversation } = await customerWrites(ws, channel, { from: psid, text: 'hi' });
    const account = { id: channel.accountId, webhookUrl: channel.webhookUrl, appSecret: channel.appSecret, token: channel.token };
    expect((await sim.postWebhook(account, sim.messenger.echo(channel.accountId, { to: psid, mid: 'm_ECHO1', text: 'sent from the Page app' }))).status).toBe(200);
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text)).toEqual(['hi']);
  });

  it('delivery and read watermarks mark every earlier reply, and none sent after them', async () => {
    const { ws, channel } = await setUp();
    const psid = nextPsid();
    const { conversation } = await customerWrites(ws, channel, { from: psid });
    const first = await reply(ws, conversation.id, { text: 'one' });
    const second = await reply(ws, conversation.id, { text: 'two' });
    await statusOf(ws, conversation.id, second.data.id, 'sent');
    const watermark = clock.now();
    clock.advance(1000);
    const third = await reply(ws, conversation.id, { text: 'three' });
    await statusOf(ws, conversation.id, third.data.id, 'sent');
    const account = { id: channel.accountId, webhookUrl: channel.webhookUrl, appSecret: channel.appSecret, token: channel.token };

    expect((await sim.postWebhook(account, sim.messenger.delivery(channel.accountId, { from: psid, watermark }))).status).toBe(200);
    await statusOf(ws, conversation.id, second.data.id, 'delivered');
    await statusOf(ws, conversation.id, first.data.id, 'delivered');
    expect((await messagesOf(t, ws, conversation.id)).find((m) => m.id === third.data.id)!.status).toBe('sent');

    expect((await sim.postWebhook(account, sim.messenger.read(channel.accountId, { from: psid, watermark: clock.now() }))).status).toBe(200);
    for (const each of [first, second, third]) await statusOf(ws, conversation.id, each.data.id, 'read');
  });

  it('Messenger’s window refusal fails the reply with its code; a text over 2,000 characters is refused before any call', async () => {
    const { ws, channel } = await setUp();
    const { conversation } = await customerWrites(ws, channel, { from: nextPsid() });
    sim.answerNext(graphError(400, 10, 'This message is sent outside of allowed window.', { subcode: 2018278 }));
    const sent = await reply(ws, conversation.id, { text: 'Hello' });
    const failed = await statusOf(ws, conversation.id, sent.data.id, 'failed');
    expect(failed).toMatchObject({ errorCode: 'messenger:10/2018278', error: 'This message is sent outside of allowed window. (10/2018278)' });

    const before = sim.received.length;
    const long = await reply(ws, conversation.id, { text: 'x'.repeat(2001) });
    expect(long.data.error).toMatchObject({ code: 'text_too_long', maxLength: 2000 });
    expect(sim.received.length).toBe(before);
  });

  it('an image arrives as an attachment downloaded from its URL', async () => {
    const { ws, channel } = await setUp();
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    sim.addMedia('cdn-picture', gif, 'image/gif', { public: true });
    const { conversation } = await customerWrites(ws, channel, { from: nextPsid(), message: { attachments: [{ type: 'image', payload: { url: sim.mediaUrl('cdn-picture') } }] } });
    expect((await messagesOf(t, ws, conversation.id))[0]).toMatchObject({ text: '', content: { kind: 'image' }, attachments: [] });
    await t.services.jobs.drain();
    expect((await messagesOf(t, ws, conversation.id))[0]!.attachments).toEqual([expect.objectContaining({ fileName: 'image.gif', contentType: 'image/gif', size: gif.length })]);
  });
});

describe('Instagram', () => {
  it('receives from an IGSID, names the contact from the profile API, replies to the IGSID and follows a read receipt by mid', async () => {
    const { ws, channel } = await setUp('instagram');
    const igsid = nextPsid();
    sim.setProfile(igsid, { name: 'Sofía García', username: 'sofia.g', profile_pic: 'https://cdn.example.test/sofia.jpg' });
    const { conversation } = await customerWrites(ws, channel, { from: igsid, text: '¿Tienen la talla M?', object: 'instagram' });
    await t.services.jobs.drain();
    expect((await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).data).toMatchObject({ firstName: 'Sofía', lastName: 'García' });
    expect(sim.received.find((r) => r.path.startsWith(`/v23.0/${igsid}?`))!.path).toBe(`/v23.0/${igsid}?fields=name,username,profile_pic`);

    const sent = await reply(ws, conversation.id, { text: 'Sí, la tenemos' });
    const request = await sim.waitFor((all) => all.find((r) => r.json?.recipient?.id === igsid));
    expect(request.path).toBe(`/v23.0/${channel.accountId}/messages`);
    expect(request.json).toEqual({ recipient: { id: igsid }, messaging_type: 'RESPONSE', message: { text: 'Sí, la tenemos' } });
    const mid = await providerIdOf(sent.data.id);
    const account = { id: channel.accountId, webhookUrl: channel.webhookUrl, appSecret: channel.appSecret, token: channel.token };
    expect((await sim.postWebhook(account, sim.messenger.read(channel.accountId, { from: igsid, mid: mid!, object: 'instagram' }))).status).toBe(200);
    await statusOf(ws, conversation.id, sent.data.id, 'read');
  });

  it('refuses a text of 1,001 characters, goes out with HUMAN_AGENT after 24 hours, and takes no Messenger payload', async () => {
    const { ws, channel } = await setUp('instagram');
    const igsid = nextPsid();
    const { conversation } = await customerWrites(ws, channel, { from: igsid, object: 'instagram' });
    expect((await reply(ws, conversation.id, { text: 'y'.repeat(1001) })).data.error).toMatchObject({ code: 'text_too_long', maxLength: 1000 });
    clock.advance(30 * HOUR);
    const sent = await reply(ws, conversation.id, { text: 'Following up' });
    expect(sent.data.tag).toBe('HUMAN_AGENT');
    const request = await sim.waitFor((all) => all.find((r) => r.json?.message?.text === 'Following up'));
    expect(request.json).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    const account = { id: channel.accountId, webhookUrl: channel.webhookUrl, appSecret: channel.appSecret, token: channel.token };
    const wrong = await sim.postWebhook(account, sim.messenger.message(channel.accountId, { from: igsid, text: 'x' }).payload);
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body).error.code).toBe('unsupported_object');
  });
});
