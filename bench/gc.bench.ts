/**
 * The server's main thread while it serves message pages, before and after a burst of webhooks
 * (src/platform/v8-flags.ts): 20 conversations' newest 50 messages read 200 times a second for
 * PROBE_SECONDS, then 50 new contacts write at once (16 at a time), then the same reads again.
 * Figures: the reads' p50 / p99, and the young collections (`--trace-gc-nvp`) of the main thread
 * in each window: how many, their mean pause, and what each promoted to the old generation.
 *
 *   npm run bench -- gc                                                  # as npm start runs
 *   SERVER_NODE_ARGS=--allocation-site-pretenuring npm run bench -- gc   # with V8's default
 */
import pg from 'pg';
import { freshPostgresDatabase, percentile, spawnServer, stop, waitFor } from './lib/server.js';
import { benchWorkspace, inParallel } from './lib/workspace.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROBE_SECONDS = Number(process.env.PROBE_SECONDS ?? 15);
const port = 3940;
const base = `http://127.0.0.1:${port}`;
const SECRET = 'bench-gc-shared-secret';
const owner = { OWNER_EMAIL: 'bench-gc@example.test', OWNER_PASSWORD: 'bench password' };

type Collection = { at: number; pause: number; promoted: number };

export async function run() {
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, 'switchboard_bench_gc');
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner }, {
    nodeArgs: ['--trace-gc-nvp'],
    pipeStdout: true,
  });
  // One line per collection: "[pid:isolate] ms: pause=… gc=s … promoted=…"; the first isolate to report is the main thread's.
  const young: Collection[] = [];
  let full = 0;
  let mainIsolate: string | undefined;
  let pending = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
      if (!isolate) continue;
      mainIsolate ??= isolate;
      if (isolate !== mainIsolate) continue;
      const field = (name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1]);
      if (/\bgc=s\b/.test(line)) young.push({ at: performance.now(), pause: field('pause'), promoted: field('promoted') });
      else if (/\bgc=(mc|ms)\b/.test(line)) full++;
    }
  });
  const sql = new pg.Client({ connectionString: databaseUrl });
  const workspace = benchWorkspace(base, SECRET);
  try {
    await waitFor(`${base}/readyz`);
    await sql.connect();
    const token = await workspace.login(owner.OWNER_EMAIL, owner.OWNER_PASSWORD);
    const channelId = await workspace.apiChannel(token);
    const paths: string[] = [];
    for (let n = 0; n < 20; n++) {
      const { conversationId } = await workspace.contactWithHistory(sql, channelId, `customer-${n}`, 300);
      paths.push(`/api/v1/conversations/${conversationId}/messages?limit=50`);
    }
    await sql.query('analyze');

    const window = async (label: string) => {
      const from = performance.now();
      const fullBefore = full;
      const latencies = await workspace.probe(token, paths, PROBE_SECONDS, 200);
      const collections = young.filter((c) => c.at >= from);
      const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
      results[`${label}: reads p50 / p99, ms`] = `${percentile(latencies, 50).toFixed(2)} / ${percentile(latencies, 99).toFixed(2)} (n=${latencies.length})`;
      results[`${label}: main thread's young collections, mean pause ms, MB promoted each; full collections`] =
        `${collections.length}, ${mean(collections.map((c) => c.pause)).toFixed(2)} ms, ${(mean(collections.map((c) => c.promoted)) / 1e6).toFixed(2)} MB; ${full - fullBefore}`;
    };
    await workspace.probe(token, paths, 2, 200); // warm-up
    await window('Before a burst (200 reads/s over 20 conversations)');
    const burst = Array.from({ length: 50 }, (_, n) => `burst-${n}`);
    await inParallel(burst, 16, (identifier) => workspace.inbound(channelId, identifier, 'hello'));
    await window('After 50 new contacts wrote at once');
  } finally {
    await sql.end().catch(() => undefined);
    await stop(server);
  }
  return results;
}
