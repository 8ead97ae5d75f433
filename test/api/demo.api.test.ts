import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/channels/api/api.channel.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/demo.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from './inbox-fixtures.js';

let t: TestApp;
let publicUrl: string;
let token: string;
beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ env: { PORT: String(port), PUBLIC_URL: publicUrl, DEMO: 'true' } });
  // As `npm run demo` does: listen, then seed, so the demo's replies reach the integration the server serves.
  await t.server.listen();
  await seedDemo(t.services, { publicUrl });
  token = await t.login('owner@demo.switchboard.local', DEMO_PASSWORD);
}, 120_000);
afterAll(() => t?.close());

type Message = { id: string; direction: string; type: string; status: string; error: string | null; channelId: string | null };

async function conversations(status: string): Promise<Array<{ id: string }>> {
  return (await t.request('GET', `/api/v1/conversations?inbox=all&status=${status}&limit=100`, { token })).data.items;
}

async function messagesOf(conversationId: string): Promise<Message[]> {
  return (await t.request('GET', `/api/v1/conversations/${conversationId}/messages`, { token })).data.items;
}

describe('the demo workspace', () => {
  it('its seeded replies reach the demo integration and are sent', async () => {
    const all = [...(await conversations('open')), ...(await conversations('snoozed')), ...(await conversations('closed'))];
    expect(all.length).toBeGreaterThanOrEqual(8);
    const replies = await eventually(async () => {
      const outbound = (await Promise.all(all.map((c) => messagesOf(c.id)))).flat().filter((m) => m.direction === 'out' && m.type === 'message');
      return outbound.length > 0 && outbound.every((m) => m.status !== 'pending') ? outbound : undefined;
    });
    expect(replies.length).toBeGreaterThanOrEqual(5);
    expect(replies.map((m) => ({ status: m.status, error: m.error }))).toEqual(replies.map(() => ({ status: 'sent', error: null })));
  });

  it('a reply written in the demo is sent', async () => {
    const [conversation] = await conversations('open');
    const reply = await t.request('POST', `/api/v1/conversations/${conversation!.id}/messages`, { token, body: { type: 'reply', text: 'Hello from the demo' } });
    expect(reply.statusCode).toBe(201);
    const sent = await eventually(async () => (await messagesOf(conversation!.id)).find((m) => m.id === reply.data.id && m.status === 'sent'));
    expect(sent.error).toBeNull();
  });

  it('a simulated WhatsApp channel: a contact silent for 26 hours takes only templates; a recent one free text, which turns delivered, then read', async () => {
    const channel = (await t.request('GET', '/api/v1/channels', { token })).data.items.find((c: { type: string }) => c.type === 'whatsapp');
    expect(channel).toMatchObject({ name: 'WhatsApp (simulated)', status: 'active', settings: { apiBaseUrl: `${publicUrl}/demo/meta/${channel.id}` } });
    const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token });
    expect(tested.data).toMatchObject({ ok: true });

    const open = await conversations('open');
    const windows = await Promise.all(open.map(async (c) => ({ id: c.id, items: (await t.request('GET', `/api/v1/conversations/${c.id}/window`, { token })).data.items })));
    const onWhatsApp = windows.filter((w) => w.items[0]?.type === 'whatsapp');
    const old = onWhatsApp.find((w) => w.items[0].reason === 'templates_only')!;
    const recent = onWhatsApp.find((w) => w.items[0].reason === 'open')!;
    expect(old.items[0]).toMatchObject({ freeText: false, templates: true });

    const refused = await t.request('POST', `/api/v1/conversations/${old.id}/messages`, { token, body: { type: 'reply', text: 'Hallo Jana' } });
    expect(refused.data.error.code).toBe('template_required');
    const template = await t.request('POST', `/api/v1/conversations/${old.id}/messages`, {
      token,
      body: { type: 'reply', template: { name: 'order_update', language: 'de', parameters: ['Jana', '88412'] } },
    });
    expect(template.data.text).toBe('Hallo Jana, Ihre Bestellung 88412 ist unterwegs.');
    const text = await t.request('POST', `/api/v1/conversations/${recent.id}/messages`, { token, body: { type: 'reply', text: 'Bien sûr, quelle est la nouvelle adresse ?' } });
    for (const [conversationId, messageId] of [
      [old.id, template.data.id],
      [recent.id, text.data.id],
    ]) {
      await eventually(async () => (await messagesOf(conversationId)).find((m) => m.id === messageId && m.status === 'read'), 10_000);
    }
  });

  it('the demo integration checks the channel’s signature', async () => {
    const channel = (await t.request('GET', '/api/v1/channels', { token })).data.items.find((c: { type: string }) => c.type === 'api');
    expect(channel.settings.webhookUrl).toBe(`${publicUrl}/demo/api-channel-sink/${channel.id}`);
    const body = JSON.stringify({ contact: { identifier: 'x' }, message: { id: 'm1', text: 'forged', attachments: [] } });
    const forged = await t.request('POST', `/demo/api-channel-sink/${channel.id}`, {
      body,
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody('not-the-demo-channel-secret', body) },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.data.error.code).toBe('invalid_signature');
    const unsigned = await t.request('POST', `/demo/api-channel-sink/${channel.id}`, { body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.statusCode).toBe(401);
  });

  it('is served only with the demo flag', async () => {
    const plain = await createTestApp();
    try {
      const response = await plain.request('POST', `/demo/api-channel-sink/00000000-0000-7000-8000-000000000000`, {
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(404);
      expect(plain.server.routes.some((route) => route.url.startsWith('/demo/'))).toBe(false);
    } finally {
      await plain.close();
    }
  });
});
