/**
 * The website chat under load (issue 15): the widget's size, and with VISITORS visitor sockets
 * open on one server process (embedded database), the latency of a visitor's message to an
 * agent's socket and of an agent's reply to the visitor's socket, and the server's RSS per idle
 * visitor connection. Visitors come from distinct addresses (X-Forwarded-For from a trusted
 * proxy), as they would, so the per-address limits do not apply to the load generator.
 *
 *   node scripts/build.mjs && npm run bench -- webchat
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { freePort } from '../test/helpers/ports.js';
import { percentile, rssMb, spawnServer, stop, waitFor } from './lib/server.js';

const VISITORS = Number(process.env.VISITORS ?? 1000);
const SAMPLES = Number(process.env.SAMPLES ?? 200);
const owner = { OWNER_EMAIL: 'bench-webchat@example.test', OWNER_PASSWORD: 'bench password' };
const ORIGIN = 'https://shop.example';

const addressOf = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

type Frame = { type: string; data: any };
function listen(socket: WebSocket, onFrame: (frame: Frame) => void) {
  socket.on('message', (raw) => {
    for (const frame of [JSON.parse(raw.toString()) as Frame | Frame[]].flat()) onFrame(frame);
  });
}

export async function run() {
  const widget = readFileSync('widget/dist/widget.js');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-webchat-'));
  const server = spawnServer({ ...owner, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, DATA_DIR: dataDir, DATABASE_URL: '', TRUSTED_PROXIES: '127.0.0.1', SMTP_PORT: String(await freePort()) });
  const sockets: WebSocket[] = [];
  try {
    await waitFor(`${base}/healthz`);
    const call = async (method: string, url: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${url}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? undefined : ((await response.json()) as any);
    };
    const { token } = await call('POST', '/api/v1/auth/login', '', { email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD });
    const channel = await call('POST', '/api/v1/channels', token, { type: 'webchat', name: 'Website', settings: { allowedOrigins: [ORIGIN] } });
    const widgetApi = `/widget/v1/channels/${channel.id}`;

    // Visitors: a session each, from an address each.
    const visitors: Array<{ token: string; address: string; frames: Frame[]; waiting?: { text: string; resolve: () => void } }> = [];
    for (let i = 0; i < VISITORS; i++) {
      const address = addressOf(i + 1);
      const session = await call('POST', `${widgetApi}/session`, '', {}, { origin: ORIGIN, 'x-forwarded-for': address });
      visitors.push({ token: session.token, address, frames: [] });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBefore = rssMb(server.pid!);
    for (const visitor of visitors) {
      const socket = new WebSocket(`${base.replace('http', 'ws')}${widgetApi}/ws?token=${encodeURIComponent(visitor.token)}`, { headers: { origin: ORIGIN, 'x-forwarded-for': visitor.address } });
      await new Promise<void>((resolve, reject) => {
        listen(socket, (frame) => {
          if (frame.type === 'hello') resolve();
          if (frame.type === 'message' && visitor.waiting && frame.data.text === visitor.waiting.text) visitor.waiting.resolve();
        });
        socket.once('error', reject);
      });
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssAfter = rssMb(server.pid!);

    // The agent's live connection.
    const agent = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`);
    const agentWaiting = new Map<string, (conversationId: string) => void>();
    listen(agent, (frame) => {
      if (frame.type === 'message.created' && frame.data.message.direction === 'in') agentWaiting.get(frame.data.message.text)?.(frame.data.message.conversationId);
    });
    await new Promise((resolve) => agent.once('open', resolve));

    const toAgent: number[] = [];
    const conversations: Array<{ visitor: (typeof visitors)[number]; conversationId: string }> = [];
    const step = Math.max(1, Math.floor(VISITORS / SAMPLES));
    for (let i = 0; i < VISITORS && conversations.length < SAMPLES; i += step) {
      const visitor = visitors[i]!;
      const text = `visitor ${i} says hello`;
      const arrived = new Promise<string>((resolve) => agentWaiting.set(text, resolve));
      const started = performance.now();
      await call('POST', `${widgetApi}/messages`, visitor.token, { clientMessageId: `b${i}`, text }, { origin: ORIGIN, 'x-forwarded-for': visitor.address });
      const conversationId = await arrived;
      toAgent.push(performance.now() - started);
      conversations.push({ visitor, conversationId });
    }

    // Their second messages: known contacts, the common case.
    const knownToAgent: number[] = [];
    for (const [index, { visitor }] of conversations.entries()) {
      const text = `visitor ${index} writes again`;
      const arrived = new Promise<string>((resolve) => agentWaiting.set(text, resolve));
      const started = performance.now();
      await call('POST', `${widgetApi}/messages`, visitor.token, { clientMessageId: `again${index}`, text }, { origin: ORIGIN, 'x-forwarded-for': visitor.address });
      await arrived;
      knownToAgent.push(performance.now() - started);
    }

    const toVisitor: number[] = [];
    for (const [index, { visitor, conversationId }] of conversations.entries()) {
      const text = `agent answers ${index}`;
      const arrived = new Promise<void>((resolve) => (visitor.waiting = { text, resolve }));
      const started = performance.now();
      await call('POST', `/api/v1/conversations/${conversationId}/messages`, token, { type: 'reply', text });
      await arrived;
      toVisitor.push(performance.now() - started);
    }
    agent.close();
    const ms = (values: number[], p: number) => `${percentile(values, p).toFixed(1)} ms`;
    return {
      'widget script (minified / gzipped)': `${(widget.length / 1024).toFixed(1)} KB / ${(gzipSync(widget).length / 1024).toFixed(1)} KB`,
      'visitor sockets open': VISITORS,
      'server RSS per idle visitor socket': `${(((rssAfter - rssBefore) * 1024) / VISITORS).toFixed(1)} KB (${rssBefore} → ${rssAfter} MB)`,
      'first visitor message (new contact) → agent socket, p50 / p99': `${ms(toAgent, 50)} / ${ms(toAgent, 99)} (${toAgent.length} messages, one at a time; POST to event)`,
      'next visitor message (known contact) → agent socket, p50 / p99': `${ms(knownToAgent, 50)} / ${ms(knownToAgent, 99)} (${knownToAgent.length} messages)`,
      'load average at the end (2 cores, shared)': os.loadavg().map((value) => value.toFixed(2)).join(' '),
      'agent reply → visitor socket, p50 / p99': `${ms(toVisitor, 50)} / ${ms(toVisitor, 99)} (${toVisitor.length} replies, one at a time; POST to frame)`,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
