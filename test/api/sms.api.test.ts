import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { signTwilio, startWechatSmsSimulator, type WechatSmsSimulator } from '../simulators/wechat-sms.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, listening, messagesOf } from './meta-fixtures.js';

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
/** A German mobile number per customer. */
const nextNumber = () => `+4915112${(345000 + ++customers).toString()}`;

/** An SMS channel connected as an owner does it in Settings, Twilio's API the simulator's. */
async function setUp() {
  const ws = await t.createWorkspace();
  const base = await listening(t);
  await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
  const accountSid = `AC${(++accounts).toString(16).padStart(32, '0')}`;
  const authToken = `auth-token-${t.unique()}-0000`;
  const fromNumber = '+14155550100';
  const created = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type: 'sms', name: 'SMS', settings: { accountSid, authToken, fromNumber, apiBaseUrl: sim.url } },
  });
  expect(created.statusCode).toBe(201);
  const channel = created.data as { id: string; webhookUrl: string; settings: Record<string, unknown>; secretsSet: string[] };
  // Twilio signs the URL it was given (PUBLIC_URL's); the test server listens elsewhere.
  sim.twilio.connect({ accountSid, authToken, number: fromNumber, signedUrl: channel.webhookUrl, postUrl: `${base}/webhooks/sms/${channel.id}` });
  return { ws, channel, accountSid, authToken, fromNumber };
}
type Setup = Awaited<ReturnType<typeof setUp>>;

async function customerTexts(setup: Setup, input: { from: string; body?: string; messageSid?: string; media?: Array<{ url: string; contentType: string }> }) {
  const answer = await sim.twilio.customerWrites(setup.accountSid, input);
  expect(answer.status).toBe(200);
  return { messageSid: answer.messageSid, conversation: await conversationOf(t, setup.ws, setup.channel.id, input.from) };
}

const reply = (ws: Workspace, conversationId: string, text: string) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });

const windowOf = async (ws: Workspace, conversationId: string) =>
  (await t.request('GET', `/api/v1/conversations/${conversationId}/window`, { token: ws.agent.token })).data.items[0];

const sendsOf = (setup: Setup) => sim.requestsTo(`/2010-04-01/Accounts/${setup.accountSid}/Messages.json`);

async function statusOf(ws: Workspace, conversationId: string, messageId: string, wanted: string) {
  return eventually(async () => {
    const message = (await messagesOf(t, ws, conversationId)).find((m) => m.id === messageId);
    return message?.status === wanted ? message : undefined;
  });
}

async function providerIdOf(messageId: string) {
  return eventually(async () => {
    const [row] = (await t.database.db.query.messages.findMany({ where: (m, { eq }) => eq(m.id, messageId) })) as Array<{ providerMessageId: string | null }>;
    return row?.providerMessageId;
  });
}

describe('connecting SMS (Twilio)', () => {
  it('keeps the auth token write-only and tests the connection by fetching the account with Basic auth', async () => {
    const setup = await setUp();
    expect(setup.channel).toMatchObject({ type: 'sms', secretsSet: ['authToken'], settings: { accountSid: setup.accountSid, fromNumber: '+14155550100' } });
    expect(JSON.stringify(setup.channel)).not.toContain(setup.authToken);
    const tested = await t.request('POST', `/api/v1/channels/${setup.channel.id}/test`, { token: setup.ws.manager.token });
    expect(tested.data).toMatchObject({ ok: true, detail: 'Simulated Shop (+14155550100)' });
    const call = sim.received.at(-1)!;
    expect([call.method, call.path, call.headers.authorization]).toEqual([
      'GET',
      `/2010-04-01/Accounts/${setup.accountSid}.json`,
      `Basic ${Buffer.from(`${setup.accountSid}:${setup.authToken}`).toString('base64')}`,
    ]);
    await t.request('PATCH', `/api/v1/channels/${setup.channel.id}`, { token: setup.ws.manager.token, body: { settings: { authToken: 'a-wrong-token-000000' } } });
    const refused = await t.request('POST', `/api/v1/channels/${setup.channel.id}/test`, { token: setup.ws.manager.token });
    expect(refused.data).toMatchObject({ ok: false, error: expect.stringContaining('20003') });
  });

  it('refuses an account SID or a sender number Twilio would not take', async () => {
    const ws = await t.createWorkspace();
    const bad = (settings: Record<string, unknown>) =>
      t.request('POST', '/api/v1/channels', {
        token: ws.manager.token,
        body: { type: 'sms', name: 'S', settings: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'auth-token-0000000000', fromNumber: '+14155550100', ...settings } },
      });
    expect((await bad({ accountSid: 'AC123' })).data.error).toMatchObject({ code: 'invalid_field', field: 'settings.accountSid' });
    expect((await bad({ fromNumber: '0151 1234' })).data.error).toMatchObject({ code: 'invalid_field', field: 'settings.fromNumber' });
  });
});

describe('receiving SMS', () => {
  it('stores a signed SMS on a contact with the sender’s E.164 number and its country', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const { conversation } = await customerTexts(setup, { from, body: 'Is the shop open on Sunday?' });
    const [message] = await messagesOf(t, setup.ws, conversation.id);
    expect(message).toMatchObject({ direction: 'in', text: 'Is the shop open on Sunday?', channelId: setup.channel.id, status: 'received' });
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: setup.ws.owner.token });
    expect(contact.data).toMatchObject({ phone: from, country: 'DE' });
  });

  it('a retried MessageSid, one after the other or concurrently, stores the message once', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const { messageSid, conversation } = await customerTexts(setup, { from, body: 'once' });
    const again = await Promise.all([1, 2, 3].map(() => sim.twilio.customerWrites(setup.accountSid, { from, body: 'once', messageSid })));
    expect(again.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await messagesOf(t, setup.ws, conversation.id)).map((m) => m.text)).toEqual(['once']);
  });

  it('a forged signature, or one Twilio computed for another URL, answers 401 and stores nothing', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const params = { MessageSid: `SM${'f'.repeat(32)}`, AccountSid: setup.accountSid, From: from, To: setup.fromNumber, Body: 'forged', NumMedia: '0', SmsStatus: 'received' };
    const forged = await sim.twilio.post(setup.accountSid, params, { signature: signTwilio('not-the-token', setup.channel.webhookUrl, params) });
    expect(forged.status).toBe(401);
    const otherUrl = await sim.twilio.post(setup.accountSid, params, { signedUrl: `${setup.channel.webhookUrl}/other` });
    expect(otherUrl.status).toBe(401);
    await expect(conversationOf(t, setup.ws, setup.channel.id, from)).rejects.toThrow();
  });

  it('an MMS arrives with its files, downloaded from Twilio with the account’s credentials', async () => {
    const setup = await setUp();
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    const url = sim.addMedia('ME0001', jpeg, 'image/jpeg');
    const from = nextNumber();
    const { conversation } = await customerTexts(setup, { from, body: '', media: [{ url, contentType: 'image/jpeg' }] });
    await t.services.jobs.drain();
    const [message] = await messagesOf(t, setup.ws, conversation.id);
    expect(message).toMatchObject({ content: { kind: 'image' }, attachments: [expect.objectContaining({ contentType: 'image/jpeg', size: jpeg.length })] });
    expect(sim.requestsTo('/twilio-media/ME0001').at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${setup.accountSid}:${setup.authToken}`).toString('base64')}`);
  });
});

describe('replying by SMS', () => {
  it('sends through the Messages API with Basic auth and a StatusCallback, and follows sent, delivered and a late failure with its code', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const { conversation } = await customerTexts(setup, { from });
    const sent = await reply(setup.ws, conversation.id, 'Yes, 10 to 4.');
    expect(sent.statusCode).toBe(201);
    await statusOf(setup.ws, conversation.id, sent.data.id, 'sent');
    const call = sendsOf(setup).at(-1)!;
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`${setup.accountSid}:${setup.authToken}`).toString('base64')}`);
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({ To: from, From: setup.fromNumber, Body: 'Yes, 10 to 4.', StatusCallback: setup.channel.webhookUrl });
    const sid = await providerIdOf(sent.data.id);
    expect(sid).toMatch(/^SM/);
    expect((await sim.twilio.reportStatus(sid, 'delivered')).status).toBe(200);
    await statusOf(setup.ws, conversation.id, sent.data.id, 'delivered');

    const second = await reply(setup.ws, conversation.id, 'See you!');
    await statusOf(setup.ws, conversation.id, second.data.id, 'sent');
    await sim.twilio.reportStatus(await providerIdOf(second.data.id), 'undelivered', 30003);
    expect(await statusOf(setup.ws, conversation.id, second.data.id, 'failed')).toMatchObject({ errorCode: 'sms:30003', error: expect.stringContaining('unreachable') });
  });

  it('STOP opts the contact out: the composer says so, a send is refused before Twilio is called, START lifts it', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const { conversation } = await customerTexts(setup, { from, body: 'hi' });
    await customerTexts(setup, { from, body: ' Stop ' });
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'opted_out', freeText: false });
    const calls = sendsOf(setup).length;
    const refused = await reply(setup.ws, conversation.id, 'Sorry to see you go');
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('contact_opted_out');
    expect(sendsOf(setup).length).toBe(calls);

    const { messageSid: stop } = await customerTexts(setup, { from, body: 'STOP' });
    await customerTexts(setup, { from, body: 'START' });
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'no_window', freeText: true });
    // Twilio retries the STOP after the START: the contact stays opted in.
    await customerTexts(setup, { from, body: 'STOP', messageSid: stop });
    expect(await windowOf(setup.ws, conversation.id)).toMatchObject({ reason: 'no_window', freeText: true });
    const sent = await reply(setup.ws, conversation.id, 'Welcome back');
    expect(sent.statusCode).toBe(201);
  });

  it('a 21610 from Twilio fails the reply and opts the contact out, so the next send is refused before Twilio is called', async () => {
    const setup = await setUp();
    const from = nextNumber();
    const { conversation } = await customerTexts(setup, { from });
    sim.twilio.optOut(from);
    const sent = await reply(setup.ws, conversation.id, 'Your order shipped');
    expect(await statusOf(setup.ws, conversation.id, sent.data.id, 'failed')).toMatchObject({ errorCode: 'sms:21610' });
    const calls = sendsOf(setup).length;
    const refused = await reply(setup.ws, conversation.id, 'Again?');
    expect(refused.data.error.code).toBe('contact_opted_out');
    expect(sendsOf(setup).length).toBe(calls);
  });

  it('writes first to a contact with a phone (inactive, not unavailable), and refuses a text longer than 1600 characters', async () => {
    const setup = await setUp();
    const phone = nextNumber();
    const contact = await t.request('POST', '/api/v1/contacts', { token: setup.ws.owner.token, body: { firstName: 'Jonas', phone } });
    const long = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: setup.ws.owner.token, body: { type: 'reply', text: 'x'.repeat(1601), channelId: setup.channel.id } });
    expect(long.statusCode).toBe(400);
    expect(long.data.error.code).toBe('text_too_long');
    const first = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: setup.ws.owner.token, body: { type: 'reply', text: 'Your table is ready', channelId: setup.channel.id } });
    expect(first.statusCode).toBe(201);
    await eventually(async () => sendsOf(setup).find((call) => new URLSearchParams(call.body).get('To') === phone));
  });
});
