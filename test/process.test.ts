import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-process-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  return child;
}

/** Generous: a loaded CI machine starts an embedded database slowly; speed is measured in bench/, not here. */
async function waitUntilHealthy(timeoutMs = 60_000) {
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

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
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
