import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identitySignature } from '../../src/channels/webchat/webchat.rules.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from './inbox-fixtures.js';

const SHOP = 'https://shop.example';
const SECRET = 'the-shop-identity-secret-0123';
let t: TestApp;
let baseUrl: string;

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.server.listen();
});
afterAll(async () => {
  await t?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

async function setUp(settings: Record<string, unknown> = {}) {
  const ws = await t.createWorkspace();
  const created = await t.request('POST', '/api/v1/channels', {
    token: ws.owner.token,
    body: { type: 'webchat', name: 'Website', settings: { allowedOrigins: [SHOP], identitySecret: SECRET, ...settings } },
  });
  expect(created.statusCode).toBe(201);
  return { ws, channel: created.data };
}

const widget = (method: 'GET' | 'POST', channelId: string, path: string, options: { body?: unknown; token?: string; origin?: string | null; headers?: Record<string, string> } = {}) =>
  t.request(method, `/widget/v1/channels/${channelId}/${path}`, {
    body: options.body,
    token: options.token,
    headers: { ...(options.origin === null ? {} : { origin: options.origin ?? SHOP }), ...options.headers },
  });

async function startVisitor(channelId: string, body: Record<string, unknown> = {}, origin = SHOP) {
  const answer = await widget('POST', channelId, 'session', { body, origin });
  expect(answer.statusCode, answer.body).toBe(200);
  return answer.data as { token: string; visitor: { name: string }; messages: any[]; availability: any; config: any };
}

let sent = 0;
async function visitorWrites(channelId: string, token: string, text: string, clientMessageId = `c${++sent}`) {
  const answer = await widget('POST', channelId, 'messages', { token, body: { clientMessageId, text } });
  expect(answer.statusCode, answer.body).toBe(200);
  return answer.data.message;
}

async function conversationsOf(ws: Workspace) {
  return (await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items as any[];
}

async function messagesOf(ws: Workspace, conversationId: string) {
  return (await t.request('GET', `/api/v1/conversations/${conversationId}/messages`, { token: ws.owner.token })).data.items as any[];
}

function visitorSocket(channelId: string, token: string, origin = SHOP) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/widget/v1/channels/${channelId}/ws?token=${encodeURIComponent(token)}`, { headers: { origin } });
  const frames: any[] = [];
  socket.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
    socket.once('error', reject);
  });
  return { socket, frames, opened, hello: () => eventually(async () => frames.find((f) => f.type === 'hello')) };
}

describe('connecting a website chat', () => {
  it('answers the embed code for the channel and never the identity secret', async () => {
    const { channel } = await setUp();
    expect(channel.embedCode).toContain(`/widget/widget.js`);
    expect(channel.embedCode).toContain(`data-channel="${channel.id}"`);
    expect(channel.settings.allowedOrigins).toEqual([SHOP]);
    expect(channel.secretsSet).toEqual(['identitySecret']);
    expect(JSON.stringify(channel)).not.toContain(SECRET);
  });

  it('refuses an allowed origin that is not an origin', async () => {
    const ws = await t.createWorkspace();
    const bad = await t.request('POST', '/api/v1/channels', { token: ws.owner.token, body: { type: 'webchat', name: 'W', settings: { allowedOrigins: ['not a url'] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.field).toBe('settings.allowedOrigins.0');
  });
});

describe('origins', () => {
  it('answers an allowed origin with CORS headers for it, and a refusal without them to any other page', async () => {
    const { channel } = await setUp();
    const allowed = await widget('POST', channel.id, 'session', { body: {} });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    for (const origin of ['https://evil.example', 'https://shop.example.evil.example', null]) {
      const refused = await widget('POST', channel.id, 'session', { body: {}, origin });
      expect(refused.statusCode).toBe(403);
      expect(refused.data.error.code).toBe('origin_not_allowed');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
    // A token made for the shop's page does not work from another page either.
    const refusedWrite = await widget('POST', channel.id, 'messages', { token: allowed.data.token, origin: 'https://evil.example', body: { clientMessageId: 'x', text: 'hi' } });
    expect(refusedWrite.statusCode).toBe(403);
  });

  it('answers the preflight for an allowed origin only', async () => {
    const { channel } = await setUp();
    const ok = await t.app.inject({ method: 'OPTIONS', url: `/widget/v1/channels/${channel.id}/messages`, headers: { origin: SHOP, 'access-control-request-method': 'POST' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(ok.headers['access-control-allow-headers'])).toContain('authorization');
    const refused = await t.app.inject({ method: 'OPTIONS', url: `/widget/v1/channels/${channel.id}/messages`, headers: { origin: 'https://evil.example' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets every origin in when the list is empty', async () => {
    const { channel } = await setUp({ allowedOrigins: [] });
    expect((await widget('POST', channel.id, 'session', { body: {}, origin: 'https://anyone.example' })).statusCode).toBe(200);
  });

  it('refuses the WebSocket upgrade from another origin', async () => {
    const { channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    await expect(visitorSocket(channel.id, token, 'https://evil.example').opened).rejects.toThrow('refused 403');
    const good = visitorSocket(channel.id, token);
    await good.opened;
    await good.hello();
    good.socket.close();
  });
});

describe('a visitor chats', () => {
  it('reaches the inbox on a contact named "Visitor <n>", and sees history and the agent’s reply, live, with the agent’s name', async () => {
    const { ws, channel } = await setUp();
    const visitor = await startVisitor(channel.id);
    expect(visitor.visitor.name).toMatch(/^Visitor \d+$/);
    expect(visitor.messages).toEqual([]);
    const live = visitorSocket(channel.id, visitor.token);
    await live.opened;
    await live.hello();

    const first = await visitorWrites(channel.id, visitor.token, 'Hello <script>alert(1)</script>');
    expect(first).toMatchObject({ direction: 'in', text: 'Hello <script>alert(1)</script>', author: null });
    const [conversation] = await conversationsOf(ws);
    expect(conversation.contact?.name ?? conversation.contactName ?? JSON.stringify(conversation)).toContain(visitor.visitor.name);

    const reply = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'Hi, how can I help?' } });
    expect(reply.statusCode, reply.body).toBeLessThan(300);
    await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'comment', text: 'internal: VIP?' } });

    const pushed = await eventually(async () => live.frames.find((f) => f.type === 'message' && f.data.direction === 'out'));
    expect(pushed.data).toMatchObject({ text: 'Hi, how can I help?', author: { name: 'Agent' } });
    // Its own message came back on the socket with its client id (another tab of the visitor shows it too).
    expect(live.frames.some((f) => f.type === 'message' && f.data.clientMessageId === first.clientMessageId)).toBe(true);

    // Back a week later: the same token resumes the same contact, with the history, comments left out.
    const again = await startVisitor(channel.id, { token: visitor.token });
    expect(again.messages.map((m) => [m.direction, m.text])).toEqual([
      ['in', 'Hello <script>alert(1)</script>'],
      ['out', 'Hi, how can I help?'],
    ]);
    expect(JSON.stringify(live.frames)).not.toContain('internal: VIP?');
    expect((await conversationsOf(ws)).length).toBe(1);

    // Seen: the agent's reply is marked read; the agent typing reaches the widget with a name.
    expect((await widget('POST', channel.id, 'seen', { token: visitor.token })).statusCode).toBe(204);
    await eventually(async () => (await messagesOf(ws, conversation.id)).find((m) => m.direction === 'out' && m.type === 'message' && m.status === 'read'));
    expect((await t.request('POST', `/api/v1/conversations/${conversation.id}/typing`, { token: ws.agent.token })).statusCode).toBe(204);
    await eventually(async () => live.frames.find((f) => f.type === 'typing' && f.data.name === 'Agent'));
    // The agent reads the conversation: the widget hears it was seen.
    const read = await t.request('POST', `/api/v1/conversations/${conversation.id}/read`, { token: ws.agent.token });
    expect(read.statusCode).toBeLessThan(300);
    await eventually(async () => live.frames.find((f) => f.type === 'seen' && typeof f.data.at === 'string'));
    live.socket.close();
  });

  it('stores a message sent twice with the same client id once', async () => {
    const { ws, channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    const a = await visitorWrites(channel.id, token, 'once', 'same-id');
    const again = await widget('POST', channel.id, 'messages', { token, body: { clientMessageId: 'same-id', text: 'once' } });
    expect(again.data.duplicate).toBe(true);
    expect(again.data.message.id).toBe(a.id);
    const [conversation] = await conversationsOf(ws);
    expect((await messagesOf(ws, conversation.id)).filter((m) => m.text === 'once')).toHaveLength(1);
  });

  it('takes a blocked visitor’s message without telling, and shows it to no one', async () => {
    const { ws, channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    await visitorWrites(channel.id, token, 'before the block');
    const [conversation] = await conversationsOf(ws);
    expect((await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token, body: {} })).statusCode).toBeLessThan(300);
    const after = await visitorWrites(channel.id, token, 'spam after the block');
    expect(after.text).toBe('spam after the block');
    expect((await messagesOf(ws, conversation.id)).map((m) => m.text)).not.toContain('spam after the block');
  });

  it('refuses empty and too long text, and a message without a token', async () => {
    const { channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    expect((await widget('POST', channel.id, 'messages', { token, body: { clientMessageId: 'e', text: '   ' } })).statusCode).toBe(400);
    expect((await widget('POST', channel.id, 'messages', { token, body: { clientMessageId: 'l', text: 'x'.repeat(5001) } })).statusCode).toBe(400);
    const anonymous = await widget('POST', channel.id, 'messages', { body: { clientMessageId: 'n', text: 'hi' } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.data.error.code).toBe('invalid_visitor');
  });

  it('names the contact after the pre-chat form', async () => {
    const { ws, channel } = await setUp({ askName: true, askEmail: true });
    const { token, config } = await startVisitor(channel.id, { name: 'Ada <b>Lovelace</b>', email: 'ada@example.com' });
    expect(config).toMatchObject({ askName: true, askEmail: true });
    await visitorWrites(channel.id, token, 'hello');
    const contacts = (await t.request('GET', '/api/v1/contacts?q=ada%40example.com', { token: ws.owner.token })).data.items;
    expect(contacts).toHaveLength(1);
    expect(`${contacts[0].firstName ?? ''} ${contacts[0].lastName ?? ''}`).toContain('Lovelace');
  });

  it('slows a flood with 429 rate_limited', async () => {
    const { channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await widget('POST', channel.id, 'messages', { token, body: { clientMessageId: `f${i}`, text: `flood ${i}` } })).statusCode);
    expect(codes.slice(0, 10).every((code) => code === 200)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });
});

describe('signed identities', () => {
  it('make a signed user the same contact on every device', async () => {
    const { ws, channel } = await setUp();
    const identity = { userId: 'customer-7', name: 'Kim', signature: identitySignature(SECRET, 'customer-7') };
    const laptop = await startVisitor(channel.id, { identity });
    await visitorWrites(channel.id, laptop.token, 'from the laptop');
    const phone = await startVisitor(channel.id, { identity });
    expect(phone.messages.map((m) => m.text)).toEqual(['from the laptop']);
    await visitorWrites(channel.id, phone.token, 'from the phone');
    const conversations = await conversationsOf(ws);
    expect(conversations).toHaveLength(1);
    expect((await messagesOf(ws, conversations[0].id)).map((m) => m.text).sort()).toEqual(['from the laptop', 'from the phone']);
  });

  it('refuses a forged or missing signature, and anonymous visitors where a signed identity is required', async () => {
    const { channel } = await setUp();
    const forged = await widget('POST', channel.id, 'session', { body: { identity: { userId: 'customer-7', signature: identitySignature('another-secret-000000', 'customer-7') } } });
    expect(forged.statusCode).toBe(401);
    expect(forged.data.error.code).toBe('invalid_identity');
    const otherUser = await widget('POST', channel.id, 'session', { body: { identity: { userId: 'customer-8', signature: identitySignature(SECRET, 'customer-7') } } });
    expect(otherUser.statusCode).toBe(401);
    const missing = await widget('POST', channel.id, 'session', { body: { identity: { userId: 'customer-7' } } });
    expect(missing.statusCode).toBe(401);

    const strict = await setUp({ requireIdentity: true });
    const anonymous = await widget('POST', strict.channel.id, 'session', { body: {} });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.data.error.code).toBe('identity_required');
    const signed = await widget('POST', strict.channel.id, 'session', { body: { identity: { userId: 'u1', signature: identitySignature(SECRET, 'u1') } } });
    expect(signed.statusCode).toBe(200);
  });
});

describe('isolation', () => {
  it('keeps each visitor to its own history and live events, and a token to its own channel', async () => {
    const { ws, channel } = await setUp();
    const other = await setUp();
    const a = await startVisitor(channel.id);
    const b = await startVisitor(channel.id);
    await visitorWrites(channel.id, a.token, 'secret of A');
    const liveB = visitorSocket(channel.id, b.token);
    await liveB.opened;
    await liveB.hello();
    const [conversation] = await conversationsOf(ws);
    await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'answer for A' } });
    await visitorWrites(channel.id, b.token, 'B writes');
    await eventually(async () => liveB.frames.find((f) => f.type === 'message' && f.data.text === 'B writes'));
    expect(JSON.stringify(liveB.frames)).not.toContain('secret of A');
    expect(JSON.stringify(liveB.frames)).not.toContain('answer for A');
    expect((await startVisitor(channel.id, { token: b.token })).messages.map((m) => m.text)).toEqual(['B writes']);
    liveB.socket.close();

    // A's token on another workspace's channel is nobody there.
    const foreign = await widget('GET', other.channel.id, 'messages', { token: a.token });
    expect(foreign.statusCode).toBe(401);
    const resumed = await startVisitor(other.channel.id, { token: a.token });
    expect(resumed.messages).toEqual([]);
    expect(resumed.token).not.toBe(a.token);
  });
});

describe('files', () => {
  it('takes a file up to 10 MB as the visitor’s message, and refuses a larger one with 413', async () => {
    const { ws, channel } = await setUp();
    const { token } = await startVisitor(channel.id);
    const upload = (bytes: Buffer, id: string) =>
      t.app.inject({
        method: 'POST',
        url: `/widget/v1/channels/${channel.id}/uploads?name=notes.txt&clientMessageId=${id}`,
        payload: bytes,
        headers: { origin: SHOP, authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      });
    const small = await upload(Buffer.from('hello file'), 'u1');
    expect(small.statusCode, small.body).toBe(200);
    const message = JSON.parse(small.body).message;
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ name: 'notes.txt', size: 10 });
    const download = await fetch(message.attachments[0].url.replace(/^http:\/\/localhost:\d+/, baseUrl));
    expect(await download.text()).toBe('hello file');

    const large = await upload(Buffer.alloc(10 * 1024 * 1024 + 1, 97), 'u2');
    expect(large.statusCode).toBe(413);
    expect(JSON.parse(large.body).error.code).toBe('attachment_too_large');
    const [conversation] = await conversationsOf(ws);
    const stored = await messagesOf(ws, conversation.id);
    expect(stored).toHaveLength(1);
    expect(stored[0].attachments[0].fileName).toBe('notes.txt');
  });
});

describe('when no one answers', () => {
  it('says when the team opens, and takes the visitor’s email as a message', async () => {
    const { ws, channel } = await setUp({ openDays: [] });
    const visitor = await startVisitor(channel.id);
    expect(visitor.availability).toEqual({ open: false, nextOpenAt: null, agentsOnline: false });
    const open = await setUp({ openDays: [1, 2, 3, 4, 5, 6, 7], opensAt: '00:00', closesAt: '23:59' });
    expect((await startVisitor(open.channel.id)).availability.open).toBe(true);
    const left = await widget('POST', channel.id, 'contact', { token: visitor.token, body: { email: 'me@example.com' } });
    expect(left.statusCode, left.body).toBe(200);
    const [conversation] = await conversationsOf(ws);
    expect((await messagesOf(ws, conversation.id)).map((m) => m.text)).toEqual(['✉ me@example.com']);
  });
});
