import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type MetaSimulator, startMetaSimulator } from '../simulators/meta.js';
import { createApiChannel } from './inbox-fixtures.js';
import { connectMeta } from './meta-fixtures.js';

let t: TestApp;
let sim: MetaSimulator;
beforeAll(async () => {
  t = await createTestApp();
  sim = await startMetaSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const orderUpdate = { name: 'order_update', language: 'en', category: 'utility', body: 'Hi {{1}}, your order {{2}} is on its way.' };

describe('templates', () => {
  it('a manager adds a channel’s template; everyone lists it with the placeholders a reply must fill', async () => {
    const ws = await t.createWorkspace();
    const { channel } = await connectMeta(t, ws, sim, 'whatsapp');
    const created = await t.request('POST', '/api/v1/templates', { token: ws.manager.token, body: { channelId: channel.id, ...orderUpdate } });
    expect(created.statusCode).toBe(201);
    expect(created.data).toMatchObject({ channelId: channel.id, name: 'order_update', language: 'en', category: 'UTILITY', body: orderUpdate.body, placeholders: ['1', '2'], fields: {} });
    const listed = await t.request('GET', `/api/v1/templates?channelId=${channel.id}`, { token: ws.agent.token });
    expect(listed.data).toEqual({ items: [created.data], nextCursor: null });
    expect((await t.request('GET', `/api/v1/templates/${created.data.id}`, { token: ws.agent.token })).data.name).toBe('order_update');
  });

  it('refuses what WhatsApp would not approve, naming the field, and a second template of the same name and language', async () => {
    const ws = await t.createWorkspace();
    const { channel } = await connectMeta(t, ws, sim, 'whatsapp');
    const post = (body: Record<string, unknown>) => t.request('POST', '/api/v1/templates', { token: ws.owner.token, body: { channelId: channel.id, ...orderUpdate, ...body } });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ name: 'Order Update' }, 'invalid_field', 'name'],
      [{ body: 'Hi {{2}}' }, 'invalid_field', 'body'],
      [{ body: 'x'.repeat(1025) }, 'invalid_field', 'body'],
      [{ category: 'GOSSIP' }, 'invalid_field', 'category'],
      [{ language: 'english!' }, 'invalid_field', 'language'],
      [{ fields: { subject: 'Hi' } }, 'unknown_field', 'fields.subject'],
    ];
    for (const [body, code, field] of cases) {
      const refused = await post(body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.data.error).toMatchObject({ code, field });
    }
    expect((await post({})).statusCode).toBe(201);
    const again = await post({ body: 'Another body' });
    expect(again.statusCode).toBe(409);
    expect(again.data.error.code).toBe('template_exists');
    expect((await post({ language: 'de' })).statusCode).toBe(201);
  });

  it('a channel type without templates takes none; an agent may not add, change or remove one', async () => {
    const ws = await t.createWorkspace();
    const api = await createApiChannel(t, ws);
    const refused = await t.request('POST', '/api/v1/templates', { token: ws.owner.token, body: { channelId: api.id, ...orderUpdate } });
    expect(refused.data.error).toMatchObject({ code: 'templates_not_supported', field: 'channelId' });
    const { channel } = await connectMeta(t, ws, sim, 'whatsapp');
    const created = await t.request('POST', '/api/v1/templates', { token: ws.owner.token, body: { channelId: channel.id, ...orderUpdate } });
    expect((await t.request('POST', '/api/v1/templates', { token: ws.agent.token, body: { channelId: channel.id, ...orderUpdate, name: 'other' } })).statusCode).toBe(403);
    expect((await t.request('PATCH', `/api/v1/templates/${created.data.id}`, { token: ws.agent.token, body: { body: 'x' } })).statusCode).toBe(403);
    expect((await t.request('DELETE', `/api/v1/templates/${created.data.id}`, { token: ws.agent.token })).statusCode).toBe(403);
  });

  it('changes and removes a template; another workspace can neither see nor touch it', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const { channel } = await connectMeta(t, ws, sim, 'whatsapp');
    const created = await t.request('POST', '/api/v1/templates', { token: ws.owner.token, body: { channelId: channel.id, ...orderUpdate } });
    const changed = await t.request('PATCH', `/api/v1/templates/${created.data.id}`, { token: ws.manager.token, body: { body: 'Hello {{1}}!' } });
    expect(changed.data).toMatchObject({ body: 'Hello {{1}}!', placeholders: ['1'], name: 'order_update' });
    expect((await t.request('GET', `/api/v1/templates/${created.data.id}`, { token: other.owner.token })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/templates/${created.data.id}`, { token: other.owner.token })).statusCode).toBe(404);
    expect((await t.request('GET', '/api/v1/templates', { token: other.owner.token })).data.items).toEqual([]);
    expect((await t.request('POST', '/api/v1/templates', { token: other.owner.token, body: { channelId: channel.id, ...orderUpdate } })).data.error.code).toBe('unknown_channel');
    expect((await t.request('DELETE', `/api/v1/templates/${created.data.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    expect((await t.request('GET', '/api/v1/templates', { token: ws.owner.token })).data.items).toEqual([]);
  });
});
