/**
 * Workflow figures (issue 17) on PostgreSQL, through a server process run from its sources:
 *   - runs started from inbound messages: MESSAGES keyword messages from as many contacts through the
 *     API channel's signed webhook, each starting a two-step run (add a tag, assign); runs completed
 *     per second, and each step's latency (from the run's start or the previous step to this one's
 *     end: queueing included) p50 / p99 (issue target: 1,000 runs/s, p99 < 100 ms);
 *   - waiting runs: WAITING shortcut runs each waiting WAIT_SECONDS; the server's CPU while they wait
 *     (issue: none), and how late after its time each resumed, p50 / p99 / max (issue: within 10 s).
 *
 *   npm run bench -- workflows     # PostgreSQL at BENCH_DATABASE_URL or the local `test` server
 * Options (env): MESSAGES (1000), WAITING (2000), WAIT_SECONDS (30), CONCURRENCY (32).
 */
import pg from 'pg';
import { benchWorkspace, inParallel } from './lib/workspace.js';
import { cpuMs, freshPostgresDatabase, percentile, startSourceServer, stop } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MESSAGES = Number(process.env.MESSAGES ?? 1000);
const WAITING = Number(process.env.WAITING ?? 2000);
const WAIT_SECONDS = Number(process.env.WAIT_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const SECRET = 'bench-workflows-shared-secret';
const port = 3950;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-workflows@example.test', OWNER_PASSWORD: 'bench password' };
const round = (ms: number) => Math.round(ms * 10) / 10;

type RunRow = { created_at: Date; steps: Array<{ at: string; status: string }>; status: string };

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function run() {
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, 'switchboard_bench_workflows');
  const server = await startSourceServer(port, { DATABASE_URL: databaseUrl, ...owner });
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const workspace = benchWorkspace(base, SECRET);
    const token = await workspace.login(owner.OWNER_EMAIL, owner.OWNER_PASSWORD);
    const me = (await workspace.api(token, 'GET', '/api/v1/me')) as { user: { id: string } };
    const channelId = await workspace.apiChannel(token);
    await workspace.api(token, 'POST', '/api/v1/tags', { name: 'hot' });
    const keyword = (await workspace.api(token, 'POST', '/api/v1/workflows', {
      name: 'Keyword',
      enabled: true,
      trigger: { type: 'message_received', keywords: ['price'] },
      steps: [{ type: 'add_tag', tag: 'hot' }, { type: 'assign', userId: me.user.id }],
    })) as { id: string };

    // 1. Runs started from inbound messages.
    const identifiers = Array.from({ length: MESSAGES }, (_, i) => `wf-${i}`);
    const started = Date.now();
    await inParallel(identifiers, CONCURRENCY, (identifier) => workspace.inbound(channelId, identifier, 'what is the price?'));
    const stored = Date.now();
    await until(async () => (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'completed'`, [keyword.id])).rows[0].n >= MESSAGES, 300_000);
    const finished = Date.now();
    const runs = (await sql.query<RunRow>(`select created_at, steps, status from workflow_runs where workflow_id = $1`, [keyword.id])).rows;
    const stepLatencies: number[] = [];
    for (const row of runs) {
      let previous = row.created_at.getTime();
      for (const step of row.steps) {
        const at = new Date(step.at).getTime();
        stepLatencies.push(at - previous);
        previous = at;
      }
    }
    results['inbound messages stored per second (webhook, keyword workflow enabled)'] = Math.round(MESSAGES / ((stored - started) / 1000));
    results['runs completed per second (first message to last run done)'] = Math.round(MESSAGES / ((finished - started) / 1000));
    results['step latency p50 / p99 ms (queueing included)'] = `${round(percentile(stepLatencies, 50))} / ${round(percentile(stepLatencies, 99))} (n=${stepLatencies.length})`;
    console.log(JSON.stringify(results));

    // 2. Runs waiting at once.
    const shortcut = (await workspace.api(token, 'POST', '/api/v1/workflows', {
      name: 'Wait',
      enabled: true,
      trigger: { type: 'shortcut' },
      steps: [{ type: 'wait', seconds: WAIT_SECONDS }, { type: 'add_tag', tag: 'hot' }],
    })) as { id: string };
    const contactIds = (await sql.query<{ id: string }>(`select id from contacts order by id limit $1`, [WAITING])).rows.map((r) => r.id);
    const targets = Array.from({ length: WAITING }, (_, i) => contactIds[i % contactIds.length]!);
    const startBegan = Date.now();
    await inParallel(targets, CONCURRENCY, (contactId) => workspace.api(token, 'POST', `/api/v1/workflows/${shortcut.id}/runs`, { contactId }));
    const startSeconds = (Date.now() - startBegan) / 1000;
    await until(async () => (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status in ('waiting', 'completed')`, [shortcut.id])).rows[0].n >= WAITING, 120_000);
    const waitingAtOnce = (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'waiting'`, [shortcut.id])).rows[0].n as number;
    const dueAt = (await sql.query<{ first: Date }>(`select min(wait_until) as first from workflow_runs where workflow_id = $1`, [shortcut.id])).rows[0]!.first.getTime();
    const idleMs = Math.max(0, Math.min(3000, dueAt - Date.now() - 500));
    const cpuBefore = cpuMs(server.pid);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const cpuWhileWaiting = cpuMs(server.pid) - cpuBefore;
    await until(async () => (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'completed'`, [shortcut.id])).rows[0].n >= WAITING, 300_000);
    const waited = (await sql.query<RunRow>(`select created_at, steps, status from workflow_runs where workflow_id = $1`, [shortcut.id])).rows;
    // The wait step's time is when it resumed; it was due WAIT_SECONDS after the run began waiting (just after it was made).
    const lateness = waited.map((row) => new Date(row.steps[0]!.at).getTime() - (row.created_at.getTime() + WAIT_SECONDS * 1000));
    results['runs waiting at once'] = waitingAtOnce;
    results[`shortcut runs started per second (API, ${CONCURRENCY} at a time)`] = Math.round(WAITING / startSeconds);
    results[`server CPU while ${WAITING} runs wait (ms of CPU per s, over ${round(idleMs / 1000)} s)`] = idleMs > 0 ? round(cpuWhileWaiting / (idleMs / 1000)) : 'n/a';
    results['resumed after their time p50 / p99 / max ms (run start included)'] = `${round(percentile(lateness, 50))} / ${round(percentile(lateness, 99))} / ${round(Math.max(...lateness))}`;
  } finally {
    await sql.end();
    await stop(server);
  }
  return results;
}
