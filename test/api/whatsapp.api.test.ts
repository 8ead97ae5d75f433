import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaSignature } from '../../src/channels/meta/meta-platform.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { graphError, type MetaSimulator, startMetaSimulator } from '../simulators/meta.js';
import { eventually } from './inbox-fixtures.js';
import { connectMeta, conversationOf, messagesOf } from './meta-fixtures.js';

const HOUR = 60 * 60 * 1000;
const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
let t: TestApp;
let sim: MetaSimulator;

beforeAll(async () => {
  t = await createTestApp({ clock });
  // Queued jobs (retries, media downloads) run when a test drains them; first send attempts still follow each commit.
  await t.services.jobs.stop();
  sim = await startMetaSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

let customers = 0;
/** A WhatsApp id as Meta sends it: the international number without `+`. */
const nextWaId = () => `1631555${(1000 + ++customers).toString()}`;

async function setUp() {
  const ws = await t.createWorkspace();
  const wa = await connectMeta(t, ws, sim, 'whatsapp');
  return { ws, wa };
}

/** A customer writes `text` now; answers the conversation it lands in. */
async function customerWrites(ws: Workspace, wa: Awaited<ReturnType<typeof connectMeta>>, input: { from: string; name?: string; text?: string; id?: string }) {
  const answer = await sim.whatsapp.customerWrites(wa.accountId, { ...input, at: new Date(clock.now().getTime() - 1000) });
  expect(answer.status).toBe(200);
  return { id: answer.id, conversation: await conversationOf(t, ws, wa.channel.id, input.from) };
}

const reply = (ws: Workspace, conversationId: string, body: Record<string, unknown>, token = ws.agent.token) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token, body: { type: 'reply', ...body } });

const sendsTo = (phoneNumberId: string) => sim.requestsTo(`/${phoneNumberId}/messages`);

async function statusOf(ws: Workspace, conversationId: string, messageId: string, wanted: string) {
  return eventually(async () => {
    const message = (await messagesOf(t, ws, conversationId)).find((m) => m.id === messageId);
    return message?.status === wanted ? message : undefined;
  });
}

describe('connecting WhatsApp', () => {
  it('answers the webhook URL, a generated verify token to paste into Meta’s console, and never the access token or app secret', async () => {
    const { wa } = await setUp();
    expect(wa.channel).toMatchObject({ type: 'whatsapp', status: 'active', secretsSet: ['accessToken', 'appSecret'], settings: { phoneNumberId: wa.accountId } });
    expect(wa.channel.settings.verifyToken).toMatch(/^[\w-]{20,}$/);
    expect(JSON.stringify(wa.channel)).not.toContain(wa.token);
    expect(JSON.stringify(wa.channel)).not.toContain(wa.appSecret);
  });

  it('answers Meta’s handshake with the challenge for the channel’s verify token only, and shows when it happened', async () => {
    const { ws, wa } = await setUp();
    const path = `/webhooks/whatsapp/${wa.channel.id}`;
    const good = await t.request('GET', `${path}?hub.mode=subscribe&hub.verify_token=${wa.channel.settings.verifyToken}&hub.challenge=1158201444`);
    expect(good.statusCode).toBe(200);
    expect(good.body).toBe('1158201444');
    const wrong = await t.request('GET', `${path}?hub.mode=subscribe&hub.verify_token=not-the-token&hub.challenge=1158201444`);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.data.error.code).toBe('invalid_verify_token');
    const shown = await t.request('GET', `/api/v1/channels/${wa.channel.id}`, { token: ws.owner.token });
    expect(shown.data.webhookVerifiedAt).toBe(clock.now().toISOString());
  });

  it('tests the connection with a real call the credentials must pass, and keeps the outcome', async () => {
    const { ws, wa } = await setUp();
    const tested = await t.request('POST', `/api/v1/channels/${wa.channel.id}/test`, { token: ws.manager.token });
    expect(tested.data).toMatchObject({ ok: true, detail: '+1 555-010-0100 (Simulated Shop)' });
    const call = sim.received.at(-1)!;
    expect(call.method).toBe('GET');
    expect(call.path).toBe(`/v23.0/${wa.accountId}?fields=display_phone_number,verified_name`);
    expect(call.headers.authorization).toBe(`Bearer ${wa.token}`);

    await t.request('PATCH', `/api/v1/channels/${wa.channel.id}`, { token: ws.manager.token, body: { settings: { accessToken: 'a-revoked-token' } } });
    const refused = await t.request('POST', `/api/v1/channels/${wa.channel.id}/test`, { token: ws.manager.token });
    expect(refused.data).toMatchObject({ ok: false, error: 'Invalid OAuth access token - Cannot parse access token (190)' });
    expect((await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items[0].lastTest).toMatchObject({ ok: false });
  });

  it('refuses to call a private address the workspace does not allow', async () => {
    const { ws, wa } = await setUp();
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: [] } });
    const refused = await t.request('POST', `/api/v1/channels/${wa.channel.id}/test`, { token: ws.manager.token });
    expect(refused.data.ok).toBe(false);
    expect(refused.data.error).toMatch(/not a public address/);
  });
});

describe('receiving WhatsApp messages', () => {
  it('stores a signed message on a contact made from the payload: name, and the phone as E.164 from wa_id', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from, name: 'Ana Lima', text: 'Is my order on its way?' });
    const [message] = await messagesOf(t, ws, conversation.id);
    expect(message).toMatchObject({ direction: 'in', text: 'Is my order on its way?', channelId: wa.channel.id, status: 'received', content: null });
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token });
    expect(contact.data).toMatchObject({ firstName: 'Ana', lastName: 'Lima', phone: `+${from}`, country: 'US' });
  });

  it('a retry of the same wamid, one after the other or several at once, stores the message once', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { id } = await customerWrites(ws, wa, { from, text: 'once' });
    const again = await sim.whatsapp.customerWrites(wa.accountId, { from, id, text: 'once', at: new Date(clock.now().getTime() - 1000) });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).received).toEqual([{ messageId: expect.any(String), duplicate: true }]);
    const raced = await Promise.all([1, 2, 3, 4].map(() => sim.whatsapp.customerWrites(wa.accountId, { from, id: 'wamid.RACED', text: 'raced', at: new Date(clock.now().getTime() - 500) })));
    expect(raced.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(raced.map((answer) => JSON.parse(answer.body).received[0].duplicate).filter((duplicate) => !duplicate)).toHaveLength(1);
    const { id: conversationId } = await conversationOf(t, ws, wa.channel.id, from);
    expect((await messagesOf(t, ws, conversationId)).map((m) => m.text).sort()).toEqual(['once', 'raced']);
  });

  it('an image arrives as an attachment fetched with the token (GET /{media-id}, then its URL), its caption as text', async () => {
    const { ws, wa } = await setUp();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    sim.addMedia('media-777', png, 'image/png');
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from, message: { type: 'image', image: { id: 'media-777', mime_type: 'image/png', caption: 'The box arrived broken' } } } as never);
    const [stored] = await messagesOf(t, ws, conversation.id);
    expect(stored).toMatchObject({ text: 'The box arrived broken', content: { kind: 'image' }, attachments: [] });
    await t.services.jobs.drain();
    const [withFile] = await messagesOf(t, ws, conversation.id);
    expect(withFile!.attachments).toEqual([expect.objectContaining({ fileName: 'image.png', contentType: 'image/png', size: png.length })]);
    const lookups = sim.received.filter((r) => r.path.startsWith('/v23.0/media-777') || r.path.startsWith('/media-download/media-777'));
    expect(lookups.map((r) => [r.method, r.path.split('?')[0], r.headers.authorization])).toEqual([
      ['GET', '/v23.0/media-777', `Bearer ${wa.token}`],
      ['GET', '/media-download/media-777', `Bearer ${wa.token}`],
    ]);
  });

  it('a file larger than an attachment may be is given up after one download, and the message keeps saying what it was', async () => {
    const { ws, wa } = await setUp();
    sim.addMedia('media-huge', Buffer.alloc(10 * 1024 * 1024 + 1, 1), 'application/pdf');
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from, message: { type: 'document', document: { id: 'media-huge', filename: 'catalogue.pdf', mime_type: 'application/pdf' } } } as never);
    await t.services.jobs.drain();
    clock.advance(10 * 60_000);
    await t.services.jobs.drain();
    const [stored] = await messagesOf(t, ws, conversation.id);
    expect(stored).toMatchObject({ text: '', content: { kind: 'document', fileName: 'catalogue.pdf' }, attachments: [] });
    expect(sim.received.filter((r) => r.path === '/media-download/media-huge')).toHaveLength(1);
  });

  it('a location, shared contacts and a type it does not know arrive as readable content, never as an empty message', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const write = (message: Record<string, unknown>) => sim.whatsapp.customerWrites(wa.accountId, { from, message, at: new Date(clock.now().getTime() - 1000) });
    expect((await write({ type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Shop', address: 'Alexanderplatz 1' } })).status).toBe(200);
    expect((await write({ type: 'contacts', contacts: [{ name: { formatted_name: 'Max Muster' }, phones: [{ phone: '+49 151 1234567' }] }] })).status).toBe(200);
    expect((await write({ type: 'order', order: { catalog_id: '1' } })).status).toBe(200);
    const { id } = await conversationOf(t, ws, wa.channel.id, from);
    const stored = (await messagesOf(t, ws, id)).reverse();
    expect(stored.map((m) => [m.text, m.content])).toEqual([
      ['Shop\nAlexanderplatz 1', { kind: 'location', latitude: 52.52, longitude: 13.405, name: 'Shop', address: 'Alexanderplatz 1' }],
      ['Max Muster +49 151 1234567', { kind: 'contacts', contacts: [{ name: 'Max Muster', phones: ['+49 151 1234567'] }] }],
      ['', { kind: 'unsupported', providerType: 'order' }],
    ]);
  });
});

describe('bad webhooks', () => {
  it('a wrong or missing signature answers 401 and stores nothing', async () => {
    const { ws, wa } = await setUp();
    const { payload } = sim.whatsapp.message(wa.accountId, { from: nextWaId(), text: 'forged' });
    const body = JSON.stringify(payload);
    const forged = await sim.postRaw(wa.webhookUrl, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('not-the-app-secret', body) });
    const unsigned = await sim.postRaw(wa.webhookUrl, body, { 'content-type': 'application/json' });
    const resigned = await sim.postRaw(wa.webhookUrl, body.replace('forged', 'Forged'), { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(wa.appSecret, body) });
    expect([forged.status, unsigned.status, resigned.status]).toEqual([401, 401, 401]);
    expect(JSON.parse(forged.body).error.code).toBe('invalid_signature');
    expect((await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('signed but malformed JSON, a payload of another object (Messenger’s, at the WhatsApp URL) or of a broken shape answer 400 and store nothing', async () => {
    const { ws, wa } = await setUp();
    const signed = (body: string) => sim.postRaw(wa.webhookUrl, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(wa.appSecret, body) });
    const messenger = sim.messenger.message(wa.accountId, { from: '123', text: 'wrong door' }).payload;
    const broken = sim.whatsapp.message(wa.accountId, { from: nextWaId(), text: 'x' }).payload;
    (broken.entry[0]!.changes[0]!.value as unknown as { messages: Array<{ id?: string }> }).messages[0]!.id = undefined;
    const answers = [await signed('{"object": "whatsapp_business_account", '), await signed(JSON.stringify(messenger)), await signed(JSON.stringify(broken))];
    expect(answers.map((a) => [a.status, JSON.parse(a.body).error.code])).toEqual([
      [400, 'invalid_json'],
      [400, 'unsupported_object'],
      [400, 'invalid_payload'],
    ]);
    expect((await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('an unknown field, another number of the business account and a status for an unknown message are acknowledged and ignored', async () => {
    const { ws, wa } = await setUp();
    const account = { id: wa.accountId, webhookUrl: wa.webhookUrl, appSecret: wa.appSecret, token: wa.token };
    const field = { object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }] };
    const otherNumber = sim.whatsapp.message('99999', { from: nextWaId(), text: 'for another number' }).payload;
    const unknownStatus = sim.whatsapp.status(wa.accountId, { id: 'wamid.NOT-OURS', status: 'delivered', recipient: nextWaId() });
    for (const payload of [field, otherNumber, unknownStatus]) expect((await sim.postWebhook(account, payload)).status).toBe(200);
    expect((await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('a 10 MB body is refused with 413 before anything is parsed', async () => {
    const { wa } = await setUp();
    const body = Buffer.alloc(10 * 1024 * 1024, 'a');
    const answer = await sim.postRaw(wa.webhookUrl, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(wa.appSecret, body) });
    expect(answer.status).toBe(413);
  });
});

describe('replying on WhatsApp', () => {
  it('sends to the wa_id the channel knows, exactly as the Cloud API wants it, and follows sent, delivered and read', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from, name: 'Ana Lima' });
    // A phone changed on the contact later must not redirect the conversation's replies.
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token, body: { phone: '+4915112345678' } });
    const sent = await reply(ws, conversation.id, { text: 'Hi Ana, it left our warehouse today.' });
    expect(sent.statusCode).toBe(201);
    const request = await sim.waitFor((all) => all.find((r) => r.json?.text?.body === 'Hi Ana, it left our warehouse today.'));
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v23.0/${wa.accountId}/messages`);
    expect(request.headers.authorization).toBe(`Bearer ${wa.token}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'text',
      text: { body: 'Hi Ana, it left our warehouse today.', preview_url: true },
    });
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
    const wamid = await eventually(async () => {
      const [row] = (await t.database.db.query.messages.findMany({ where: (m, { eq }) => eq(m.id, sent.data.id) })) as Array<{ providerMessageId: string | null }>;
      return row?.providerMessageId;
    });
    expect(wamid).toMatch(/^wamid\./);
    await sim.whatsapp.reportStatus(wa.accountId, { id: wamid, status: 'delivered', recipient: from });
    await statusOf(ws, conversation.id, sent.data.id, 'delivered');
    await sim.whatsapp.reportStatus(wa.accountId, { id: wamid, status: 'read', recipient: from });
    await statusOf(ws, conversation.id, sent.data.id, 'read');
    // A late "delivered" never moves it back.
    await sim.whatsapp.reportStatus(wa.accountId, { id: wamid, status: 'delivered', recipient: from });
    expect((await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id)!.status).toBe('read');
  });

  it('a late refusal (131047 as a failed status after the send answered 200) marks the reply failed with the provider’s reason and code', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from });
    const sent = await reply(ws, conversation.id, { text: 'Are you still there?' });
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
    const [row] = await t.database.db.query.messages.findMany({ where: (m, { eq }) => eq(m.id, sent.data.id) });
    await sim.whatsapp.reportStatus(wa.accountId, {
      id: row!.providerMessageId!,
      status: 'failed',
      recipient: from,
      errors: [{ code: 131047, title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }],
    });
    const failed = await statusOf(ws, conversation.id, sent.data.id, 'failed');
    expect(failed).toMatchObject({
      errorCode: 'whatsapp:131047',
      error: 'Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number. (131047)',
    });
  });

  it('a refusal Meta does not retry (131026) fails at once, with its reason, after one call', async () => {
    const { ws, wa } = await setUp();
    const { conversation } = await customerWrites(ws, wa, { from: nextWaId() });
    sim.answerNext(graphError(400, 131026, 'Message Undeliverable.', { details: 'Unable to deliver message.' }));
    const before = sendsTo(wa.accountId).length;
    const sent = await reply(ws, conversation.id, { text: 'Hello?' });
    const failed = await statusOf(ws, conversation.id, sent.data.id, 'failed');
    expect(failed).toMatchObject({ errorCode: 'whatsapp:131026', error: 'Message Undeliverable.: Unable to deliver message. (131026)' });
    await t.services.jobs.drain();
    expect(sendsTo(wa.accountId).length - before).toBe(1);
  });

  it('a 429 or a 5xx is tried again later with backoff, and the reply goes out once Meta accepts it', async () => {
    const { ws, wa } = await setUp();
    const { conversation } = await customerWrites(ws, wa, { from: nextWaId() });
    sim.answerNext(graphError(429, 130429, 'Rate limit hit'), graphError(503, 2, 'Service temporarily unavailable'));
    const before = sendsTo(wa.accountId).length;
    const sent = await reply(ws, conversation.id, { text: 'Patience pays' });
    await sim.waitFor(() => sendsTo(wa.accountId).length - before === 1);
    expect((await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id)!.status).toBe('pending');
    for (let round = 0; round < 5 && sendsTo(wa.accountId).length - before < 3; round++) {
      clock.advance(61_000);
      await t.services.jobs.drain();
    }
    await statusOf(ws, conversation.id, sent.data.id, 'sent');
    expect(sendsTo(wa.accountId).length - before).toBe(3);
  });

  it('refuses a text over 4,096 characters before calling Meta', async () => {
    const { ws, wa } = await setUp();
    const { conversation } = await customerWrites(ws, wa, { from: nextWaId() });
    const before = sim.received.length;
    const refused = await reply(ws, conversation.id, { text: 'x'.repeat(4097) });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error).toMatchObject({ code: 'text_too_long', field: 'text', maxLength: 4096 });
    expect(sim.received.length).toBe(before);
  });

  it('a paused channel refuses replies (channel_paused) but still receives; resumed, it sends again', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from });
    expect((await t.request('PATCH', `/api/v1/channels/${wa.channel.id}`, { token: ws.manager.token, body: { status: 'paused' } })).data.status).toBe('paused');
    const refused = await reply(ws, conversation.id, { text: 'not now' });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('channel_paused');
    await customerWrites(ws, wa, { from, text: 'still there?' });
    expect((await messagesOf(t, ws, conversation.id)).map((m) => m.text)).toEqual(['still there?', 'Hello']);
    await t.request('PATCH', `/api/v1/channels/${wa.channel.id}`, { token: ws.manager.token, body: { status: 'active' } });
    expect((await reply(ws, conversation.id, { text: 'back' })).statusCode).toBe(201);
  });
});

describe('the 24-hour window and templates', () => {
  async function template(ws: Workspace, channelId: string, body = 'Hi {{1}}, your order {{2}} is on its way.') {
    const created = await t.request('POST', '/api/v1/templates', {
      token: ws.manager.token,
      body: { channelId, name: 'order_update', language: 'en', category: 'utility', body },
    });
    expect(created.statusCode).toBe(201);
    return created.data;
  }

  it('says the window is open with its end; after 24 h only templates go, and one goes out with its parameters', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from, name: 'Ana Lima' });
    const open = await t.request('GET', `/api/v1/conversations/${conversation.id}/window`, { token: ws.agent.token });
    expect(open.data.items).toEqual([
      expect.objectContaining({
        channelId: wa.channel.id,
        type: 'whatsapp',
        identifier: from,
        freeText: true,
        templates: true,
        reason: 'open',
        closesAt: new Date(clock.now().getTime() - 1000 + 24 * HOUR).toISOString(),
        maxTextLength: 4096,
      }),
    ]);
    await template(ws, wa.channel.id);

    clock.advance(25 * HOUR);
    const closed = await t.request('GET', `/api/v1/conversations/${conversation.id}/window`, { token: ws.agent.token });
    expect(closed.data.items[0]).toMatchObject({ freeText: false, templates: true, reason: 'templates_only', closesAt: null });
    const before = sendsTo(wa.accountId).length;
    const refused = await reply(ws, conversation.id, { text: 'Still there?' });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('template_required');
    const tooFew = await reply(ws, conversation.id, { template: { name: 'order_update', language: 'en', parameters: ['Ana'] } });
    expect(tooFew.data.error).toMatchObject({ code: 'invalid_template_parameters', field: 'template.parameters' });
    const unknown = await reply(ws, conversation.id, { template: { name: 'no_such', language: 'en', parameters: [] } });
    expect(unknown.data.error.code).toBe('unknown_template');
    expect(sendsTo(wa.accountId).length).toBe(before);

    const sent = await reply(ws, conversation.id, { template: { name: 'order_update', language: 'en', parameters: ['Ana', 4521] } });
    expect(sent.statusCode).toBe(201);
    expect(sent.data).toMatchObject({ text: 'Hi Ana, your order 4521 is on its way.', template: { name: 'order_update', language: 'en', parameters: ['Ana', '4521'] } });
    const request = await sim.waitFor((all) => all.find((r) => r.json?.type === 'template' && r.json.to === from));
    expect(request.json).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: from,
      type: 'template',
      template: { name: 'order_update', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '4521' }] }] },
    });
  });

  it('a new message from the contact reopens the window', async () => {
    const { ws, wa } = await setUp();
    const from = nextWaId();
    const { conversation } = await customerWrites(ws, wa, { from });
    clock.advance(30 * HOUR);
    expect((await reply(ws, conversation.id, { text: 'late' })).data.error.code).toBe('template_required');
    await customerWrites(ws, wa, { from, text: 'me again' });
    expect((await reply(ws, conversation.id, { text: 'welcome back' })).statusCode).toBe(201);
  });

  it('a first message to a contact with a phone goes to that number, as a template; the contact’s channels say WhatsApp is inactive until then', async () => {
    const { ws, wa } = await setUp();
    await template(ws, wa.channel.id, 'Hello {{1}}, we have news about your order.');
    const contact = await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Lukas', phone: '+49 151 23456789' } });
    const channels = await t.request('GET', `/api/v1/contacts/${contact.data.id}/channels`, { token: ws.owner.token });
    expect(channels.data.items).toEqual([expect.objectContaining({ channelId: wa.channel.id, state: 'inactive' })]);
    const window = await t.request('GET', `/api/v1/contacts/${contact.data.id}/window`, { token: ws.owner.token });
    expect(window.data.items).toEqual([expect.objectContaining({ channelId: wa.channel.id, firstMessage: true, freeText: false, templates: true, reason: 'templates_only' })]);

    const text = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, { token: ws.owner.token, body: { type: 'reply', channelId: wa.channel.id, text: 'Hi' } });
    expect(text.data.error.code).toBe('template_required');
    const sent = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', channelId: wa.channel.id, template: { name: 'order_update', language: 'en', parameters: ['Lukas'] } },
    });
    expect(sent.statusCode).toBe(201);
    const request = await sim.waitFor((all) => all.find((r) => r.json?.to === '4915123456789'));
    expect(request.json.template.components[0].parameters).toEqual([{ type: 'text', text: 'Lukas' }]);
    const after = await t.request('GET', `/api/v1/contacts/${contact.data.id}/channels`, { token: ws.owner.token });
    expect(after.data.items[0]).toMatchObject({ state: 'active', identifier: '4915123456789' });
    // The conversation it opened is the sender's (SPEC §4.2).
    const conversation = await t.request('GET', `/api/v1/conversations/${sent.data.conversationId}`, { token: ws.owner.token });
    expect(conversation.data).toMatchObject({ status: 'open', assigneeId: ws.agent.id });
  });
});
