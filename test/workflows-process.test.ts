import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A waiting workflow run survives its server: killed with SIGKILL mid-wait (no shutdown at all),
 * the next process resumes it at its time, and no step before the wait runs again.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-workflows-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', OWNER_EMAIL: 'boss@example.test', OWNER_PASSWORD: 'workflow restart secret', WEB_DIST_DIR: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  children.push(child);
  return child;
}

async function waitUntilHealthy(timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become healthy');
}

async function api(method: string, url: string, token: string | null, body?: unknown) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, data: (await response.json().catch(() => undefined)) as any };
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exitOf = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('a workflow run across a killed server', () => {
  it('resumes a wait at its time after SIGKILL, and runs no step twice', async () => {
    const first = start();
    await waitUntilHealthy();
    const token = (await api('POST', '/api/v1/auth/login', null, { email: 'boss@example.test', password: 'workflow restart secret' })).data.token as string;
    for (const name of ['before', 'after']) expect((await api('POST', '/api/v1/tags', token, { name })).status).toBe(201);
    const contact = (await api('POST', '/api/v1/contacts', token, { firstName: 'Durable' })).data;
    const WAIT_SECONDS = 6;
    const workflow = (
      await api('POST', '/api/v1/workflows', token, {
        name: 'Restart',
        enabled: true,
        trigger: { type: 'shortcut' },
        steps: [{ type: 'add_tag', tag: 'before' }, { type: 'wait', seconds: WAIT_SECONDS }, { type: 'add_tag', tag: 'after' }],
      })
    ).data;
    expect((await api('POST', `/api/v1/workflows/${workflow.id}/runs`, token, { contactId: contact.id })).status).toBe(202);
    const waiting = await until(async () => {
      const run = (await api('GET', `/api/v1/workflows/${workflow.id}/runs`, token)).data.items[0];
      return run?.status === 'waiting' ? run : undefined;
    }, 10_000);
    const dueAt = new Date(waiting.waitUntil).getTime();

    const killed = exitOf(first);
    first.kill('SIGKILL');
    await killed;

    const second = start();
    await waitUntilHealthy();
    const upAt = Date.now();
    const done = await until(async () => {
      const run = (await api('GET', `/api/v1/workflows/${workflow.id}/runs`, token)).data.items[0];
      return run?.status === 'completed' ? run : undefined;
    }, 60_000);
    const resumedAt = new Date(done.steps[1].at).getTime();
    // Not before its time, and within the queue's polling of it once the process is up.
    expect(resumedAt).toBeGreaterThanOrEqual(dueAt);
    expect(resumedAt - Math.max(dueAt, upAt)).toBeLessThan(5000);
    expect(done.steps.map((s: { type: string; status: string }) => [s.type, s.status])).toEqual([
      ['add_tag', 'completed'],
      ['wait', 'completed'],
      ['add_tag', 'completed'],
    ]);
    expect((await api('GET', `/api/v1/contacts/${contact.id}`, token)).data.tags.sort()).toEqual(['after', 'before']);
    const runs = (await api('GET', `/api/v1/workflows/${workflow.id}/runs`, token)).data.items;
    expect(runs).toHaveLength(1);

    const stopped = exitOf(second);
    second.kill('SIGTERM');
    await stopped;
  }, 240_000);
});
