import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signBody } from '../src/channels/api/api.channel.js';
import { copyOfTemplate } from './helpers/database.js';
import { connect } from './helpers/websocket.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-process-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, PORT: String(port), SMTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  return child;
}

/** Generous: a loaded CI machine starts an embedded database slowly; speed is measured in bench/, not here. */
async function waitUntilHealthy(timeoutMs = 60_000, url = base) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become healthy');
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

const login = (email: string, password: string) =>
  fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });

describe('the server process (npm start, embedded database)', () => {
  it('creates the owner from OWNER_EMAIL on first start, exits cleanly on SIGTERM, and keeps its data', async () => {
    const first = start({ OWNER_EMAIL: 'boss@example.test', OWNER_PASSWORD: 'first start secret', WORKSPACE_NAME: 'Boot Co' });
    await waitUntilHealthy();
    const response = await login('boss@example.test', 'first start secret');
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };

    const exited = exitOf(first);
    first.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Second start: same data dir; the owner variables no longer matter, the session still works.
    const second = start({ OWNER_EMAIL: 'someone-else@example.test', OWNER_PASSWORD: 'another secret!' });
    await waitUntilHealthy();
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { workspace: { name: string } }).workspace.name).toBe('Boot Co');
    expect((await login('someone-else@example.test', 'another secret!')).status).toBe(401);

    const exitedAgain = exitOf(second);
    second.kill('SIGINT');
    expect(await exitedAgain).toBe(0);
  }, 150_000);
});

describe('WEBHOOK_PORT without PostgreSQL', () => {
  it('refuses to start, and says why', async () => {
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-refused-'));
    const child = start({ WEBHOOK_PORT: String(port + 1), DATA_DIR: emptyDir });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(output).toContain('WEBHOOK_PORT needs DATABASE_URL');
    // The check comes before anything starts: the embedded database made no files.
    expect(fs.readdirSync(emptyDir)).toEqual([]);
    fs.rmSync(emptyDir, { recursive: true, force: true });
  }, 60_000);
});

const databaseUrl = process.env.DATABASE_URL;

const buses = [
  { bus: 'in-process', redisUrl: '' },
  { bus: 'Redis', redisUrl: process.env.REDIS_URL ?? '' },
].filter(({ bus, redisUrl }) => bus === 'in-process' || redisUrl);

describe.skipIf(!databaseUrl).each(buses)('the webhook thread (WEBHOOK_PORT, PostgreSQL, $bus events)', ({ redisUrl }) => {
  it('serves webhooks on its own port; events and cache changes cross between it and the main thread; it stops with the process', async () => {
    const database = await copyOfTemplate(databaseUrl!);
    const webhookBase = `http://127.0.0.1:${port + 1}`;
    const child = start({
      DATABASE_URL: database.url,
      WEBHOOK_PORT: String(port + 1),
      OWNER_EMAIL: 'threads@example.test',
      OWNER_PASSWORD: 'thread start secret',
      REDIS_URL: redisUrl,
    });
    try {
      await waitUntilHealthy();
      await waitUntilHealthy(60_000, webhookBase);
      const { token } = (await (await login('threads@example.test', 'thread start secret')).json()) as { token: string };
      const api = async (method: string, url: string, body?: unknown) => {
        const response = await fetch(`${base}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: response.status, data: (await response.json()) as any };
      };
      const channel = await api('POST', '/api/v1/channels', { type: 'api', name: 'Shop', settings: { webhookUrl: 'https://shop.example.test/hook', secret: 'first secret of the shop' } });
      expect(channel.status).toBe(201);
      const webhook = (secret: string, id: string, text: string) => {
        const body = JSON.stringify({ contact: { identifier: 'customer-1', name: 'Customer One' }, message: { id, text } });
        return fetch(`${webhookBase}/webhooks/api/${channel.data.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(secret, body) },
          body,
        });
      };

      // Stored by the thread, announced through the main thread's bus to a browser connected there.
      const live = await connect(base, token);
      await live.next('hello');
      const first = await webhook('first secret of the shop', 'p-1', 'Hello from the webhook port');
      expect(first.status).toBe(200);
      const { received } = (await first.json()) as { received: Array<{ messageId: string; duplicate: boolean }> };
      const created = await live.next('message.created', (data) => data.message.text === 'Hello from the webhook port');
      expect(created.message.id).toBe(received[0]!.messageId);
      const page = await api('GET', `/api/v1/conversations/${created.message.conversationId}/messages`);
      expect(page.data.items.map((m: { text: string }) => m.text)).toEqual(['Hello from the webhook port']);
      live.close();

      // A secret changed through the main thread: the thread forgets the channel it had cached.
      expect((await api('PATCH', `/api/v1/channels/${channel.data.id}`, { settings: { secret: 'second secret of the shop' } })).status).toBe(200);
      await expect.poll(async () => (await webhook('first secret of the shop', 'p-2', 'old secret')).status).toBe(401);
      expect((await webhook('second secret of the shop', 'p-3', 'new secret')).status).toBe(200);

      // Only webhooks and health checks there.
      const me = await fetch(`${webhookBase}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(404);
      expect(((await me.json()) as { error: { code: string } }).error.code).toBe('not_found');
    } finally {
      const exited = exitOf(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await database.drop();
    }
    await expect(fetch(`${webhookBase}/healthz`)).rejects.toThrow();
  }, 150_000);
});

describe.skipIf(!databaseUrl)('the webhook thread cannot listen', () => {
  it('a WEBHOOK_PORT already taken stops the process with the reason', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(port + 2, '0.0.0.0', resolve));
    const database = await copyOfTemplate(databaseUrl!);
    try {
      const child = start({ DATABASE_URL: database.url, WEBHOOK_PORT: String(port + 2) });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exitOf(child)).toBe(1);
      expect(output).toContain('EADDRINUSE');
    } finally {
      taken.close();
      await database.drop();
    }
  }, 60_000);
});
