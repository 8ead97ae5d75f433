import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { signWechat, startWechatSmsSimulator, type WechatSmsSimulator, wechatXml } from '../simulators/wechat-sms.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, listening, messagesOf } from './meta-fixtures.js';

const HOUR = 60 * 60 * 1000;
const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
let t: TestApp;
let sim: WechatSmsSimulator;

beforeAll(async () => {
  t = await createTestApp({ clock });
  await t.services.jobs.stop();
  sim = await startWechatSmsSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

let accounts = 0;
let customers = 0;
const nextOpenId = () => `oWx${Date.now().toString(36)}${(++customers).toString().padStart(6, '0')}`;

/** A WeChat channel connected as an owner does it in Settings, its API the simulator's. */
async function setUp(settings: Record<string, unknown> = {}) {
  const ws = await t.createWorkspace();
  const base = await listening(t);
  await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
  const appId = `wx${(++accounts).toString().padStart(16, '0')}`;
  const appSecret = `secret${t.unique()}`;
  const token = `tok${++accounts}abc`;
  const created = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type: 'wechat', name: 'WeChat', settings: { appId, appSecret, token, apiBaseUrl: sim.url, ...settings } },
  });
  expect(created.statusCode).toBe(201);
  const channel = created.data as { id: string; webhookUrl: string; settings: Record<string, unknown>; secretsSet: string[] };
  const webhookPath = `/webhooks/wechat/${channel.id}`;
  sim.wechat.connect({ appId, appSecret, token, webhookUrl: `${base}${webhookPath}` });
  return { ws, channel, appId, appSecret, token, webhookPath };
}
type Setup = Awaited<ReturnType<typeof setUp>>;

async function customerWrites(setup: Setup, input: { from: string; text?: string; msgId?: string }) {
  const answer = await sim.wechat.customerWrites(setup.appId, { ...input, at: new Date(clock.now().getTime() - 1000) });
  expect(answer.status).toBe(200);
  expect(answer.body).toBe('success');
  return { msgId: answer.msgId, conversation: await conversationOf(t, setup.ws, setup.channel.id, input.from) };
}

const reply = (ws: Workspace, conversationId: string, text: string) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });

const windowOf = async (ws: Workspace, conversationId: string) =>
  (await t.request('GET', `/api/v1/conversations/${conversationId}/window`, { token: ws.agent.token })).data.items[0];

const sends = () => sim.requestsTo('/cgi-bin/message/custom/send');

async function statusOf(ws: Workspace, conversationId: string, messageId: string, wanted: string) {
  return eventually(async () => {
    const message = (await messagesOf(t, ws, conversationId)).find((m) => m.id === messageId);
    return message?.status === wanted ? message : undefined;
  });
}

describe('connecting WeChat', () => {
  it('keeps the AppSecret and token write-only, defaults the message limit to 5, and tests the connection by getting an access token', async () => {
    const setup = await setUp();
    expect(setup.channel).toMatchObject({ type: 'wechat', status: 'active', secretsSet: ['appSecret', 'token'], settings: { appId: setup.appId, messageLimit: 5 } });
    expect(JSON.stringify(setup.channel)).not.toContain(setup.appSecret);
    const tested = await t.request('POST', `/api/v1/channels/${setup.channel.id}/test`, { token: setup.ws.manager.token });
    expect(tested.data).toMatchObject({ ok: true, detail: expect.stringContaining(setup.appId) });
    const call = sim.received.at(-1)!;
    expect([call.method, call.path, call.query.get('appid'), call.query.get('secret'), call.query.get('grant_type')]).toEqual(['GET', '/cgi-bin/token', setup.appId, setup.appSecret, 'client_credential']);

    await t.request('PATCH', `/api/v1/channels/${setup.channel.id}`, { token: setup.ws.manager.token, body: { settings: { appSecret: 'not-the-secret' } } });
    const refused = await t.request('POST', `/api/v1/channels/${setup.channel.id}/test`, { token: setup.ws.manager.token });
    expect(refused.data).toMatchObject({ ok: false, error: expect.stringContaining('40125') });
  });

  it('refuses settings WeChat would not take: a token with symbols, a message limit of 0', async () => {
    const ws = await t.createWorkspace();
    const bad = (settings: Record<string, unknown>) =>
      t.request('POST', '/api/v1/channels', { token: ws.manager.token, body: { type: 'wechat', name: 'W', settings: { appId: 'wx1', appSecret: 'secret-123', token: 'abc123', ...settings } } });
    expect((await bad({ token: 'a-b!' })).data.error).toMatchObject({ code: 'invalid_field', field: 'settings.token' });
    expect((await bad({ messageLimit: 0 })).data.error).toMatchObject({ code: 'invalid_field', field: 'settings.messageLimit' });
  });

  it('answers WeChat’s server check with echostr for the channel’s token only', async () => {
    const setup = await setUp();
    const query = (token: string) => new URLSearchParams({ signature: signWechat(token, '1717232400', '4242'), timestamp: '1717232400', nonce: '4242', echostr: '8134557207375723215' });
    const good = await t.request('GET', `${setup.webhookPath}?${query(setup.token)}`);
    expect(good.statusCode).toBe(200);
    expect(good.body).toBe('8134557207375723215');
    const wrong = await t.request('GET', `${setup.webhookPath}?${query('another1')}`);
    expect(wrong.statusCode).toBe(403);
  });
});

describe('receiving WeChat messages', () => {
  it('stores a signed text message on a contact named with the nickname WeChat’s user info gives', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    sim.wechat.setProfile(from, { nickname: 'Li Wei', headimgurl: '', language: 'zh_CN' });
    const { conversation } = await customerWrites(setup, { from, text: '我的订单在哪里？' });
    const [message] = await messagesOf(t, setup.ws, conversation.id);
    expect(message).toMatchObject({ direction: 'in', text: '我的订单在哪里？', channelId: setup.channel.id, status: 'received' });
    await t.services.jobs.drain();
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: setup.ws.owner.token });
    expect(contact.data).toMatchObject({ firstName: 'Li', lastName: 'Wei' });
    const lookup = sim.requestsTo('/cgi-bin/user/info').at(-1)!;
    expect(lookup.query.get('openid')).toBe(from);
  });

  it('a retried MsgId stores the message once, however often and however concurrently WeChat posts it', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const { msgId, conversation } = await customerWrites(setup, { from, text: 'once' });
    const again = await Promise.all([1, 2, 3].map(() => sim.wechat.customerWrites(setup.appId, { from, msgId, text: 'once', at: new Date(clock.now().getTime() - 1000) })));
    expect(again.map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'success'],
      [200, 'success'],
      [200, 'success'],
    ]);
    expect((await messagesOf(t, setup.ws, conversation.id)).map((m) => m.text)).toEqual(['once']);
  });

  it('a wrong or missing signature answers 401 and stores nothing', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const xml = wechatXml({ to: 'gh_x', from, at: clock.now(), fields: { Content: 'forged' }, msgId: '99' });
    const forged = await sim.wechat.post(setup.appId, { xml, signature: signWechat('another1', '1', '2'), timestamp: '1', nonce: '2' });
    expect(forged.status).toBe(401);
    const unsigned = await t.request('POST', setup.webhookPath, { headers: { 'content-type': 'text/xml' }, body: xml });
    expect(unsigned.statusCode).toBe(401);
    await expect(conversationOf(t, setup.ws, setup.channel.id, from)).rejects.toThrow();
  });

  it('malformed XML, a DOCTYPE with entities (no expansion) and a message without MsgId answer 400 and store nothing', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      `<xml><FromUserName>${from}</FromUserName><MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>`;
    for (const xml of [bomb, `<xml><FromUserName>${from}</FromUserName><Content>unclosed</xml>`, `<xml><FromUserName>${from}</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>`]) {
      const answer = await sim.wechat.post(setup.appId, { xml });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.code).toMatch(/^invalid_(xml|payload)$/);
    }
    await expect(conversationOf(t, setup.ws, setup.channel.id, from)).rejects.toThrow();
  });

  it('a body over 1 MB is refused with 413 before anything is parsed', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const answer = await sim.wechat.post(setup.appId, { xml: wechatXml({ to: 'gh_x', from, at: clock.now(), fields: { Content: 'x'.repeat(2 * 1024 * 1024) }, msgId: '7' }) });
    expect(answer.status).toBe(413);
    await expect(conversationOf(t, setup.ws, setup.channel.id, from)).rejects.toThrow();
  });

  it('an event (a follow) is acknowledged with success and stores nothing', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const answer = await sim.wechat.post(setup.appId, { xml: wechatXml({ to: 'gh_x', from, at: clock.now(), type: 'event', fields: { Event: 'subscribe' } }) });
    expect([answer.status, answer.body]).toEqual([200, 'success']);
    await expect(conversationOf(t, setup.ws, setup.channel.id, from)).rejects.toThrow();
  });

  it('an image arrives as an attachment downloaded from media/get with the access token', async () => {
    const setup = await setUp();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    sim.addMedia('wx-media-1', png, 'image/png');
    const from = nextOpenId();
    await sim.wechat.customerWrites(setup.appId, { from, type: 'image', fields: { PicUrl: 'http://mmbiz.example/x', MediaId: 'wx-media-1' }, at: new Date(clock.now().getTime() - 1000) });
    const conversation = await conversationOf(t, setup.ws, setup.channel.id, from);
    await t.services.jobs.drain();
    const [message] = await messagesOf(t, setup.ws, conversation.id);
    expect(message).toMatchObject({ content: { kind: 'image' }, attachments: [expect.objectContaining({ contentType: 'image/png', size: png.length })] });
    expect(sim.requestsTo('/cgi-bin/media/get').at(-1)!.query.get('media_id')).toBe('wx-media-1');
  });
});

describe('replying on WeChat', () => {
  it('sends a customer-service text to the OpenID with one shared access token, fetched again only when WeChat calls it expired', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const { conversation } = await customerWrites(setup, { from });
    const tokensBefore = sim.wechat.tokensIssued();
    for (const text of ['one', 'two']) {
      const sent = await reply(setup.ws, conversation.id, text);
      expect(sent.statusCode).toBe(201);
      await statusOf(setup.ws, conversation.id, sent.data.id, 'sent');
    }
    const mine = sends().filter((request) => JSON.parse(request.body).touser === from);
    expect(mine.map((request) => JSON.parse(request.body))).toEqual([
      { touser: from, msgtype: 'text', text: { content: 'one' } },
      { touser: from, msgtype: 'text', text: { content: 'two' } },
    ]);
    expect(new Set(mine.map((request) => request.query.get('access_token'))).size).toBe(1);
    expect(sim.wechat.tokensIssued() - tokensBefore).toBeLessThanOrEqual(1);

    sim.wechat.expireTokens();
    const third = await reply(setup.ws, conversation.id, 'three');
    await statusOf(setup.ws, conversation.id, third.data.id, 'sent');
    const last = sends().filter((request) => JSON.parse(request.body).touser === from);
    expect(last.map((request) => JSON.parse(request.body).text.content)).toEqual(['one', 'two', 'three', 'three']);
    expect(last.at(-1)!.query.get('access_token')).not.toBe(last.at(-2)!.query.get('access_token'));
  });

  it('replies sent at once to several contacts, with no token or an expired one, fetch one token between them', async () => {
    const setup = await setUp();
    const people = [nextOpenId(), nextOpenId(), nextOpenId()];
    const conversations: Array<{ id: string }> = [];
    for (const from of people) conversations.push((await customerWrites(setup, { from })).conversation);
    const fetchesBefore = sim.requestsTo('/cgi-bin/token').length;
    const sent = await Promise.all(conversations.map((conversation) => reply(setup.ws, conversation.id, 'at once')));
    await Promise.all(sent.map((answer, index) => statusOf(setup.ws, conversations[index]!.id, answer.data.id, 'sent')));
    expect(sim.requestsTo('/cgi-bin/token').length - fetchesBefore).toBe(1);

    sim.wechat.expireTokens();
    const again = await Promise.all(conversations.map((conversation) => reply(setup.ws, conversation.id, 'again')));
    await Promise.all(again.map((answer, index) => statusOf(setup.ws, conversations[index]!.id, answer.data.id, 'sent')));
    expect(sim.requestsTo('/cgi-bin/token').length - fetchesBefore).toBe(2);
  });

  it('counts down the messages left (5 by default) and the time left, refuses the 6th before calling WeChat, and a new contact message resets both', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const { conversation } = await customerWrites(setup, { from });
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'open', remaining: 5, closesAt: new Date(clock.now().getTime() - 1000 + 48 * HOUR).toISOString() });
    for (let n = 1; n <= 5; n++) {
      const sent = await reply(setup.ws, conversation.id, `message ${n}`);
      expect(sent.statusCode).toBe(201);
      expect((await windowOf(setup.ws, conversation.id)).remaining).toBe(5 - n);
      await statusOf(setup.ws, conversation.id, sent.data.id, 'sent');
    }
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'message_limit', freeText: false });
    const calls = sends().length;
    const sixth = await reply(setup.ws, conversation.id, 'message 6');
    expect(sixth.statusCode).toBe(409);
    expect(sixth.data.error.code).toBe('messaging_window_closed');
    expect(sends().length).toBe(calls);

    clock.advance(HOUR);
    await customerWrites(setup, { from, text: 'thanks!' });
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'open', remaining: 5 });
  });

  it('follows the channel’s message limit, and refuses anything 48 hours after the contact’s last message', async () => {
    const setup = await setUp({ messageLimit: 2 });
    const from = nextOpenId();
    const { conversation } = await customerWrites(setup, { from });
    expect((await windowOf(setup.ws, conversation.id)).remaining).toBe(2);
    clock.advance(48 * HOUR);
    const late = await reply(setup.ws, conversation.id, 'too late');
    expect(late.statusCode).toBe(409);
    expect(late.data.error.code).toBe('messaging_window_closed');
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'contact_must_write', freeText: false });
  });

  it('WeChat’s 45015 and 45047 mark the reply failed with a readable reason and the code', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const { conversation } = await customerWrites(setup, { from });
    sim.script('/cgi-bin/message/custom/send', { body: { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' } }, { body: { errcode: 45047, errmsg: 'out of response count limit' } });
    const first = await reply(setup.ws, conversation.id, 'a');
    const failed = await statusOf(setup.ws, conversation.id, first.data.id, 'failed');
    expect(failed).toMatchObject({ errorCode: 'wechat:45015', error: expect.stringContaining('48 hours') });
    const second = await reply(setup.ws, conversation.id, 'b');
    expect(await statusOf(setup.ws, conversation.id, second.data.id, 'failed')).toMatchObject({ errorCode: 'wechat:45047', error: expect.stringContaining('used up') });
  });

  it('a reply with a file is refused before anything is stored or sent: WeChat replies are text only here', async () => {
    const setup = await setUp();
    const from = nextOpenId();
    const { conversation } = await customerWrites(setup, { from });
    const calls = sends().length;
    const refused = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: setup.ws.agent.token,
      body: { type: 'reply', text: 'the invoice', attachmentIds: ['0193a3f2-7c1e-7000-8000-000000000001'] },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error).toMatchObject({ code: 'attachments_not_supported', field: 'attachmentIds' });
    expect((await messagesOf(t, setup.ws, conversation.id)).map((m) => m.direction)).toEqual(['in']);
    expect(sends().length).toBe(calls);
  });

  it('the channel is unavailable for a first message: the contact must write first', async () => {
    const setup = await setUp();
    const contact = await t.request('POST', '/api/v1/contacts', { token: setup.ws.owner.token, body: { firstName: 'Mei', phone: '+8613800138000' } });
    const first = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: setup.ws.owner.token, body: { type: 'reply', text: 'hi', channelId: setup.channel.id } });
    expect(first.statusCode).toBe(400);
    expect(first.data.error.code).toBe('channel_not_available');
  });
});
