import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signBody } from '../../src/channels/api/api.channel.js';
import type { TestApp } from '../helpers/app.js';

export const API_SECRET = 'a-long-enough-shared-secret';

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

/**
 * An API channel whose replies go to `webhookUrl` (by default nowhere reachable). The stand-in
 * integrations listen on 127.0.0.1, which deliveries refuse unless the workspace lists the host:
 * it is listed here, as an operator lists an integration on its own network.
 */
export async function createApiChannel(t: TestApp, ws: Workspace, webhookUrl = 'http://127.0.0.1:9/unused') {
  await allowPrivateHost(t, ws, new URL(webhookUrl).host);
  const response = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type: 'api', name: `API ${t.unique()}`, settings: { webhookUrl, secret: API_SECRET } },
  });
  if (response.statusCode !== 201) throw new Error(`channel not created: ${response.body}`);
  return response.data as { id: string; webhookUrl: string };
}

/** Adds a host to the workspace's allowedPrivateHosts. */
export async function allowPrivateHost(t: TestApp, ws: Workspace, host: string) {
  const { allowedPrivateHosts } = (await t.request('GET', '/api/v1/settings', { token: ws.manager.token })).data as { allowedPrivateHosts: string[] };
  if (allowedPrivateHosts.includes(host)) return;
  const saved = await t.request('PATCH', '/api/v1/settings', { token: ws.manager.token, body: { allowedPrivateHosts: [...allowedPrivateHosts, host] } });
  if (saved.statusCode !== 200) throw new Error(`host not allowed: ${saved.body}`);
}

export type InboundInput = { identifier: string; name?: string; email?: string; phone?: string; text?: string; id?: string; timestamp?: string | number };

/** What an integration would POST to the API channel's webhook, signed with the channel's secret. */
export async function sendInbound(t: TestApp, channelId: string, input: InboundInput, secret = API_SECRET) {
  const { identifier, name, email, phone } = input;
  const body = JSON.stringify({
    contact: { identifier, name, email, phone },
    message: { id: input.id ?? `msg-${t.unique()}`, text: input.text ?? 'Hello there', timestamp: input.timestamp },
  });
  return t.request('POST', `/webhooks/api/${channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(secret, body) },
  });
}

/** A contact writes in; answers its conversation (the workspace's newest activity) as the owner sees it. */
export async function inboundConversation(t: TestApp, ws: Workspace, channelId: string, input: InboundInput) {
  const received = await sendInbound(t, channelId, input);
  if (received.statusCode !== 200) throw new Error(`inbound refused: ${received.body}`);
  const list = await t.request('GET', '/api/v1/conversations?limit=1', { token: ws.owner.token });
  return list.data.items[0] as { id: string; contactId: string; status: string; assigneeId: string | null; dot: string; contact: { name: string | null } };
}

export type Delivery = { headers: http.IncomingHttpHeaders; body: string; json: any };

/** A stand-in for the customer's system behind an API channel: records what it receives, answers as told. */
export async function startIntegration() {
  const received: Delivery[] = [];
  let answer = { status: 200, body: '{"ok":true}' };
  const waiters = new Set<() => void>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body, json: JSON.parse(body) });
      for (const wake of waiters) wake();
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/switchboard`,
    received,
    answerWith(status: number, body = '') {
      answer = { status, body };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` answers something truthy (the first send attempt runs after the API answered). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
