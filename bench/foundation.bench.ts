/**
 * Foundation figures (issue: Foundation): cold start to /readyz on PGlite and PostgreSQL, an
 * authenticated GET /api/v1/me under load (autocannon, 50 connections), idle RSS.
 *
 *   npm run bench -- foundation            # PostgreSQL at BENCH_DATABASE_URL or the local `test` server
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freshPostgresDatabase, median, rssMb, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const port = 3900;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench@example.test', OWNER_PASSWORD: 'bench password' };

async function coldStarts(env: Record<string, string>, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const child = spawnServer({ PORT: String(port), ...env });
    await waitFor(`${base}/readyz`);
    times.push(Math.round(performance.now() - started));
    await stop(child);
  }
  return times;
}

export async function run() {
  const results: Record<string, unknown> = {};

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'));
  const pglite = { DATA_DIR: dataDir, DATABASE_URL: '', ...owner };
  const [firstPglite] = await coldStarts(pglite, 1);
  const pgliteStarts = await coldStarts(pglite, 5);
  results['PGlite first start (creates the data dir), ms'] = firstPglite;
  results['PGlite cold start on an existing data dir, ms (median of 5)'] = median(pgliteStarts);
  fs.rmSync(dataDir, { recursive: true, force: true });

  const databaseUrl = await freshPostgresDatabase(adminUrl, 'switchboard_bench_foundation');
  const postgres = { DATABASE_URL: databaseUrl, ...owner };
  await coldStarts(postgres, 1);
  results['PostgreSQL cold start, ms (median of 5)'] = median(await coldStarts(postgres, 5));

  const server = spawnServer({ PORT: String(port), ...postgres });
  await waitFor(`${base}/readyz`);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  results['PostgreSQL idle RSS after start, MB'] = rssMb(server.pid!);

  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  await autocannon({ url: `${base}/api/v1/me`, connections: 50, duration: 3, headers: { authorization: `Bearer ${token}` } });
  const load = await autocannon({
    url: `${base}/api/v1/me`,
    connections: 50,
    duration: 15,
    headers: { authorization: `Bearer ${token}` },
  });
  results['GET /api/v1/me on PostgreSQL, req/s (avg, 50 connections, 15 s)'] = Math.round(load.requests.average);
  results['GET /api/v1/me latency p50 / p99, ms'] = `${load.latency.p50} / ${load.latency.p99}`;
  results['GET /api/v1/me non-2xx responses'] = load.non2xx;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  results['PostgreSQL RSS after the load, MB'] = rssMb(server.pid!);
  await stop(server);
  return results;
}
