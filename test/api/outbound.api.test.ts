import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { API_SECRET, eventually, inboundConversation, startIntegration } from './inbox-fixtures.js';

/**
 * The API channel delivers replies to a URL the workspace gives: not to loopback or private
 * addresses unless the workspace lists the host (allowedPrivateHosts), and without following
 * redirects. A refused delivery marks the reply failed with a reason a person can read.
 */
let t: TestApp;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  t = await createTestApp();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

/** An API channel made straight through the API, with no host listed for it. */
async function channelTo(ws: Workspace, webhookUrl: string) {
  const response = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type: 'api', name: `API ${t.unique()}`, settings: { webhookUrl, secret: API_SECRET } },
  });
  expect(response.statusCode).toBe(201);
  return response.data as { id: string };
}

async function replyOutcome(ws: Workspace, channelId: string) {
  const conversation = await inboundConversation(t, ws, channelId, { identifier: `c-${t.unique()}`, name: 'Ana Lima' });
  const reply = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'On its way' } });
  expect(reply.statusCode).toBe(201);
  return eventually<Record<string, any>>(async () => {
    const items = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Array<Record<string, any>>;
    const message = items.find((m) => m.id === reply.data.id);
    return message && message.status !== 'pending' ? { ...message, messageId: reply.data.id as string } : undefined;
  });
}

const allow = (ws: Workspace, hosts: string[]) => t.request('PATCH', '/api/v1/settings', { token: ws.manager.token, body: { allowedPrivateHosts: hosts } });
const deliveriesOf = (messageId: string) => integration.received.filter((d) => d.json.message.id === messageId);

describe('delivering a reply on the API channel', () => {
  it('refuses a loopback address the workspace does not list: the reply fails with the reason, nothing is sent', async () => {
    const ws = await t.createWorkspace();
    const channel = await channelTo(ws, integration.url);
    const outcome = await replyOutcome(ws, channel.id);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^The integration's address is refused: 127\.0\.0\.1 is not a public address/);
    expect(deliveriesOf(outcome.messageId)).toEqual([]);
  });

  it('refuses a name that resolves to a loopback address', async () => {
    const ws = await t.createWorkspace();
    const channel = await channelTo(ws, integration.url.replace('127.0.0.1', 'localhost'));
    const outcome = await replyOutcome(ws, channel.id);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/localhost resolves to a non-public address/);
  });

  it('delivers to a private host once the workspace lists it', async () => {
    const ws = await t.createWorkspace();
    await allow(ws, [new URL(integration.url).host]);
    const channel = await channelTo(ws, integration.url);
    const outcome = await replyOutcome(ws, channel.id);
    expect(outcome.status).toBe('sent');
    expect(deliveriesOf(outcome.messageId)).toHaveLength(1);
  });

  it('does not follow a redirect, even to a listed host: the reply fails and says so', async () => {
    const redirector = http.createServer((_request, response) => response.writeHead(302, { location: integration.url }).end());
    redirector.listen(0, '127.0.0.1');
    await once(redirector, 'listening');
    try {
      const ws = await t.createWorkspace();
      const redirectorHost = `127.0.0.1:${(redirector.address() as AddressInfo).port}`;
      await allow(ws, [redirectorHost, new URL(integration.url).host]);
      const channel = await channelTo(ws, `http://${redirectorHost}/hook`);
      const outcome = await replyOutcome(ws, channel.id);
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/answered 302: redirects are not followed/);
      expect(deliveriesOf(outcome.messageId)).toEqual([]);
    } finally {
      redirector.close();
    }
  });
});
