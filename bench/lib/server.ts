import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * Start the server bundle as its own process, as `npm start` does (run `node scripts/build.mjs`
 * first). `nodeArgs` go before SERVER_NODE_ARGS; `pipeStdout` hands the server's stdout to the caller.
 */
export function spawnServer(env: Record<string, string>, options: { nodeArgs?: string[]; pipeStdout?: boolean } = {}): ChildProcess {
  if (!fs.existsSync('dist/main.mjs')) throw new Error('dist/main.mjs is missing: run `node scripts/build.mjs` first');
  // SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = [...(options.nodeArgs ?? []), ...(process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  return spawn(process.execPath, [...nodeArgs, '--enable-source-maps', 'dist/main.mjs'], {
    env: { ...process.env, LOG_LEVEL: 'warn', REDIS_URL: '', ...env },
    stdio: ['ignore', options.pipeStdout ? 'pipe' : 'inherit', 'inherit'],
  });
}

export async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function freshPostgresDatabase(adminUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`drop database if exists ${name} with (force)`);
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * A process's CPU time so far (user + system, Linux /proc), in ms: the figure that compares across
 * machines where the server shares its cores with PostgreSQL and the load generator. NaN when it is gone.
 */
export function cpuMs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Clock ticks are 100 a second on every Linux this runs on (USER_HZ).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Runs the server from its sources (tsx) on `port`, its SMTP listener on the next one, and waits until it is healthy. */
export async function startSourceServer(port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  // SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), SMTP_PORT: String(port + 1), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WEB_DIST_DIR: '/nonexistent', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(`http://127.0.0.1:${port}/healthz`);
  return child;
}

/** Logs in through the API and answers the bearer token. */
export async function login(base: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login ${email}: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** Runs a flood generator (`bench/<name>.ts`) in its own process with `options`; answers the JSON it prints last. */
export function runFlood<T>(script: string, options: Record<string, unknown>): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, FLOOD: JSON.stringify(options) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').at(-1)!) as T) : reject(new Error(`${script} exited ${code}`))));
  });
}

/** One API call as a user; throws on anything but 2xx. */
export async function apiCall(base: string, token: string, method: string, route: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}
