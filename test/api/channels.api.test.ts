import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/channels/api/api.channel.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { API_SECRET, createApiChannel, eventually, sendInbound } from './inbox-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL: 'https://inbox.example.test' } });
});
afterAll(() => t?.close());

describe('managing channels', () => {
  it('a manager connects an API channel; secrets are never answered, the webhook URL is', async () => {
    const ws = await t.createWorkspace();
    const created = await t.request('POST', '/api/v1/channels', {
      token: ws.manager.token,
      body: { type: 'api', name: 'Shop backend', settings: { webhookUrl: 'https://shop.example.test/hook', secret: API_SECRET } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.data).toMatchObject({
      type: 'api',
      name: 'Shop backend',
      settings: { webhookUrl: 'https://shop.example.test/hook' },
      secretsSet: ['secret'],
      webhookUrl: `https://inbox.example.test/webhooks/api/${created.data.id}`,
    });
    expect(JSON.stringify(created.data)).not.toContain(API_SECRET);

    const listed = await t.request('GET', '/api/v1/channels', { token: ws.agent.token });
    expect(listed.data.items).toHaveLength(1);
    expect(JSON.stringify(listed.data)).not.toContain(API_SECRET);
  });

  it('an agent sees a channel’s name, type and status, but neither its settings nor its webhook, and may not connect, change, test, pause or remove', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws, 'https://shop.example.test/private-hook');
    const body = { type: 'api', name: 'Mine', settings: { webhookUrl: 'https://x.example.test', secret: API_SECRET } };
    expect((await t.request('POST', '/api/v1/channels', { token: ws.agent.token, body })).statusCode).toBe(403);
    expect((await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.agent.token, body: { name: 'x' } })).statusCode).toBe(403);
    expect((await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.agent.token, body: { status: 'paused' } })).statusCode).toBe(403);
    expect((await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('DELETE', `/api/v1/channels/${channel.id}`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('GET', '/api/v1/channel-types', { token: ws.agent.token })).statusCode).toBe(403);
    const seen = await t.request('GET', `/api/v1/channels/${channel.id}`, { token: ws.agent.token });
    expect(seen.statusCode).toBe(200);
    expect(Object.keys(seen.data).sort()).toEqual(['createdAt', 'id', 'lastActivityAt', 'name', 'status', 'type']);
    const listed = await t.request('GET', '/api/v1/channels', { token: ws.agent.token });
    expect(JSON.stringify(listed.data)).not.toContain('private-hook');
    expect(listed.data.items[0]).not.toHaveProperty('settings');
  });

  it('describes each type’s connect form: its fields, which are secret and which the server generates', async () => {
    const ws = await t.createWorkspace();
    const types = await t.request('GET', '/api/v1/channel-types', { token: ws.manager.token });
    const names = types.data.items.map((type: { type: string }) => type.type);
    expect(names.slice(0, 4)).toEqual(['whatsapp', 'messenger', 'instagram', 'api']);
    expect(names).toEqual(expect.arrayContaining(['telegram', 'line', 'viber', 'wechat', 'sms', 'email', 'webchat']));
    expect(types.data.items[0]).toMatchObject({
      type: 'whatsapp',
      form: [
        { key: 'phoneNumberId', kind: 'text', required: true },
        { key: 'accessToken', kind: 'secret', required: true },
        { key: 'appSecret', kind: 'secret', required: true },
        { key: 'verifyToken', kind: 'generated', required: true },
        { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://graph.facebook.com' },
      ],
      webhook: { handshake: true },
      inbound: 'webhook',
      testConnection: true,
      templates: { placeholders: 'numbered', namePattern: '^[a-z0-9_]{1,512}$', maxBodyLength: 1024 },
      firstContact: 'phone',
      maxTextLength: 4096,
    });
  });

  it('lists every channel with its status and last activity, which a message moves', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    expect((await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items[0]).toMatchObject({ id: channel.id, status: 'active', lastActivityAt: null });
    await sendInbound(t, channel.id, { identifier: 'active-1' });
    const listed = await eventually(async () => {
      const item = (await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items[0];
      return item.lastActivityAt ? item : undefined;
    });
    expect(Date.parse(listed.lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses an unknown type and settings that do not fit the type, naming the field', async () => {
    const ws = await t.createWorkspace();
    const unknown = await t.request('POST', '/api/v1/channels', { token: ws.owner.token, body: { type: 'pigeon', name: 'x', settings: {} } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.data.error.code).toBe('unknown_channel_type');
    const weak = await t.request('POST', '/api/v1/channels', {
      token: ws.owner.token,
      body: { type: 'api', name: 'x', settings: { webhookUrl: 'https://x.example.test', secret: 'short' } },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.data.error).toMatchObject({ code: 'invalid_field', field: 'settings.secret' });
    const extra = await t.request('POST', '/api/v1/channels', {
      token: ws.owner.token,
      body: { type: 'api', name: 'x', settings: { webhookUrl: 'ftp://x.example.test', secret: API_SECRET } },
    });
    expect(extra.data.error.field).toBe('settings.webhookUrl');
  });

  it('a change that leaves the secret out keeps it; a new secret replaces it', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const renamed = await t.request('PATCH', `/api/v1/channels/${channel.id}`, {
      token: ws.manager.token,
      body: { name: 'Renamed', settings: { webhookUrl: 'https://new.example.test/hook' } },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.data).toMatchObject({ name: 'Renamed', settings: { webhookUrl: 'https://new.example.test/hook' }, secretsSet: ['secret'] });
    expect((await sendInbound(t, channel.id, { identifier: 'c1' })).statusCode).toBe(200);

    const newSecret = 'another-long-enough-secret';
    await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { secret: newSecret } } });
    expect((await sendInbound(t, channel.id, { identifier: 'c1' })).statusCode).toBe(401);
    expect((await sendInbound(t, channel.id, { identifier: 'c1' }, newSecret)).statusCode).toBe(200);
  });

  it('a removed channel no longer takes webhooks; another workspace cannot see or remove it', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    expect((await t.request('GET', `/api/v1/channels/${channel.id}`, { token: other.owner.token })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/channels/${channel.id}`, { token: other.owner.token })).statusCode).toBe(404);
    // Taken just before: the server now knows the channel, and must forget it with the removal.
    expect((await sendInbound(t, channel.id, { identifier: 'c1' })).statusCode).toBe(200);
    expect((await t.request('DELETE', `/api/v1/channels/${channel.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    expect((await sendInbound(t, channel.id, { identifier: 'c1' })).statusCode).toBe(404);
  });
});

describe('the API channel webhook', () => {
  it('a retry of the same message id never makes a second message', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const first = await sendInbound(t, channel.id, { identifier: 'retry-1', id: 'provider-42', text: 'Once' });
    const again = await sendInbound(t, channel.id, { identifier: 'retry-1', id: 'provider-42', text: 'Once' });
    expect(first.data.received).toEqual([{ messageId: expect.any(String), duplicate: false }]);
    expect(again.data.received).toEqual([{ messageId: first.data.received[0].messageId, duplicate: true }]);
    const [conversation] = (await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items;
    const messages = await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token });
    expect(messages.data.items).toHaveLength(1);
  });

  it('a retry racing its first delivery stores the message once; both answers name it', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    await sendInbound(t, channel.id, { identifier: 'racer', id: 'first', text: 'hello' });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => sendInbound(t, channel.id, { identifier: 'racer', id: 'raced', text: 'Only once' })));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const received = answers.map((answer) => answer.data.received[0] as { messageId: string; duplicate: boolean });
    expect(received.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(received.map((r) => r.messageId)).size).toBe(1);
    const [conversation] = (await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items;
    const messages = await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token });
    expect(messages.data.items.map((m: { text: string }) => m.text)).toEqual(['Only once', 'hello']);
  });

  it('concurrent deliveries of a new contact’s messages make one contact and one conversation', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    await Promise.all([1, 2, 3, 4].map((n) => sendInbound(t, channel.id, { identifier: 'burst', id: `b-${n}`, text: `part ${n}` })));
    await sendInbound(t, channel.id, { identifier: 'burst', id: 'b-1', text: 'part 1' });
    const list = await t.request('GET', '/api/v1/conversations', { token: ws.owner.token });
    expect(list.data.items).toHaveLength(1);
    const messages = await t.request('GET', `/api/v1/conversations/${list.data.items[0].id}/messages`, { token: ws.owner.token });
    expect(messages.data.items.map((m: { text: string }) => m.text).sort()).toEqual(['part 1', 'part 2', 'part 3', 'part 4']);
  });

  it('a wrong signature, or none, answers 401 and stores nothing', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const body = JSON.stringify({ contact: { identifier: 'x' }, message: { id: 'm1', text: 'forged' } });
    const forged = await t.request('POST', `/webhooks/api/${channel.id}`, {
      body,
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody('not-the-secret-at-all', body) },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.data.error.code).toBe('invalid_signature');
    const unsigned = await t.request('POST', `/webhooks/api/${channel.id}`, { body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.statusCode).toBe(401);
    // Signed over other bytes than those sent: the same JSON re-serialised does not pass.
    const respaced = await t.request('POST', `/webhooks/api/${channel.id}`, {
      body: body.replace(':', ': '),
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(API_SECRET, body) },
    });
    expect(respaced.statusCode).toBe(401);
    expect((await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('a signed body that is not the documented shape answers 400', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    for (const body of ['not json', JSON.stringify({ contact: { identifier: 'x' }, message: { id: 'm', text: '' } }), JSON.stringify({})]) {
      const response = await t.request('POST', `/webhooks/api/${channel.id}`, {
        body,
        headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(API_SECRET, body) },
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it('an unknown channel, or one of another type, is 404', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    expect((await t.request('POST', `/webhooks/whatsapp/${channel.id}`, { body: '{}' })).statusCode).toBe(404);
    expect((await t.request('POST', '/webhooks/api/00000000-0000-7000-8000-000000000000', { body: '{}' })).statusCode).toBe(404);
    expect((await t.request('POST', '/webhooks/api/not-a-uuid', { body: '{}' })).statusCode).toBe(404);
  });

  it('creates the contact from the payload: name, lower-cased email, E.164 phone', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    await sendInbound(t, channel.id, { identifier: 'crm-77', name: 'Jörg Weiß', email: 'Joerg@Example.TEST', phone: '+49 151 12345678' });
    const [conversation] = (await t.request('GET', '/api/v1/conversations', { token: ws.owner.token })).data.items;
    expect(conversation.contact.name).toBe('Jörg Weiß');
    const found = await t.request('GET', '/api/v1/conversations?q=joerg%40example.test', { token: ws.owner.token });
    expect(found.data.items.map((c: { id: string }) => c.id)).toEqual([conversation.id]);
    const byPhone = await t.request('GET', '/api/v1/conversations?q=%2B4915112345678', { token: ws.owner.token });
    expect(byPhone.data.items.map((c: { id: string }) => c.id)).toEqual([conversation.id]);
  });
});
