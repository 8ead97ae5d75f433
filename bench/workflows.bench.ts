/**
 * Workflow figures (issue 17) on PostgreSQL, through a server process run from its sources. Every
 * run is a keyword workflow of two steps (add a tag, assign) started by an inbound message through
 * the API channel's signed webhook, from CUSTOMERS contacts that wrote once before.
 *   1. runs from messages: for each rate of RATES, messages at that rate for SECONDS, paced evenly
 *      by a generator in its own process (bench/workflows-flood.ts; an open loop): runs completed
 *      per second, each step's latency from the run's start or the previous step to this one's end
 *      (p50 / p99), the webhooks' p99, and the server's and PostgreSQL's CPU per message and its run
 *      (issue target: 1,000 runs/s, step p99 < 100 ms);
 *   2. waiting: IDLE_WAITING runs waiting an hour (rows as the API makes them, written in SQL: making
 *      100,000 through the API would take minutes) and WAITING shortcut runs made through the API,
 *      each waiting WAIT_SECONDS: the server's CPU with none waiting and with all of them waiting
 *      (issue: none while waiting), and how late after its time each of the API's runs resumed
 *      (issue: within 10 s).
 *
 *   npm run bench -- workflows     # PostgreSQL at BENCH_DATABASE_URL or the local `test` server
 * Options (env): CUSTOMERS (5000), RATES (100,300,600,1000), SECONDS (10), IDLE_WAITING (100000),
 * WAITING (2000), WAIT_SECONDS (20), CONCURRENCY (32, of the API calls).
 */
import { execSync } from 'node:child_process';
import pg from 'pg';
import { benchWorkspace, inParallel } from './lib/workspace.js';
import { cpuMs, freshPostgresDatabase, percentile, runFlood, startSourceServer, stop } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 5000);
const RATES = (process.env.RATES ?? '100,300,600,1000').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 10);
const IDLE_WAITING = Number(process.env.IDLE_WAITING ?? 100_000);
const WAITING = Number(process.env.WAITING ?? 2000);
const WAIT_SECONDS = Number(process.env.WAIT_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const SECRET = 'bench-workflows-shared-secret';
const port = 3950;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-workflows@example.test', OWNER_PASSWORD: 'bench password' };
const round = (ms: number) => Math.round(ms * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type RunRow = { created_at: Date; steps: Array<{ at: string; status: string }>; status: string };
type FloodResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number };

/** CPU time of every PostgreSQL server process so far, in ms (they share the cores with the server). */
function postgresCpuMs(): number {
  const pids = execSync('pgrep -x postgres').toString().trim().split(/\s+/).map(Number);
  return pids.map((pid) => cpuMs(pid)).filter((ms) => !Number.isNaN(ms)).reduce((sum, ms) => sum + ms, 0);
}

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

function stepLatencies(runs: RunRow[]): number[] {
  const latencies: number[] = [];
  for (const row of runs) {
    let previous = row.created_at.getTime();
    for (const step of row.steps) {
      const at = new Date(step.at).getTime();
      latencies.push(at - previous);
      previous = at;
    }
  }
  return latencies;
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
    const count = async (where: string, params: unknown[]) => (await sql.query(`select count(*)::int as n from workflow_runs where ${where}`, params)).rows[0].n as number;
    const flood = (rate: number, duration: number, text: string, run: string) =>
      runFlood<FloodResult>('bench/workflows-flood.ts', { url: `${base}/webhooks/api/${channelId}`, secret: SECRET, customers: CUSTOMERS, connections: 64, duration, rate, text, run });

    // The customers write once (no keyword): their contacts and conversations exist.
    await flood(Math.min(500, CUSTOMERS), Math.max(1, CUSTOMERS / 500), 'hello', 'warm');
    await until(async () => (await sql.query(`select count(*)::int as n from conversations`)).rows[0].n >= CUSTOMERS, 120_000);

    // 1. Runs from messages, at each rate.
    for (const rate of RATES) {
      await sleep(2000);
      const since = new Date();
      const [cpu0, pg0, started] = [cpuMs(server.pid), postgresCpuMs(), Date.now()];
      const load = await flood(rate, SECONDS, 'what is the price?', `rate-${rate}`);
      const sent = load.requests - load.non2xx - load.errors;
      await until(async () => (await count(`workflow_id = $1 and created_at >= $2 and status in ('completed', 'failed', 'stopped')`, [keyword.id, since])) >= sent, 600_000);
      const [cpu1, pg1, finished] = [cpuMs(server.pid), postgresCpuMs(), Date.now()];
      const runs = (await sql.query<RunRow>(`select created_at, steps, status from workflow_runs where workflow_id = $1 and created_at >= $2`, [keyword.id, since])).rows;
      const latencies = stepLatencies(runs);
      const notCompleted = runs.filter((run) => run.status !== 'completed').length;
      results[`${rate}/s offered: messages sent per second (webhook p99 ms)`] = `${round(load.perSecond)} (${round(load.latencyP99)})`;
      results[`${rate}/s offered: runs completed per second, first message to last run done`] = `${Math.round(runs.length / ((finished - started) / 1000))} (${runs.length} runs${notCompleted ? `, ${notCompleted} not completed` : ''})`;
      results[`${rate}/s offered: step latency p50 / p99 / max ms`] = `${round(percentile(latencies, 50))} / ${round(percentile(latencies, 99))} / ${round(Math.max(...latencies))} (n=${latencies.length})`;
      results[`${rate}/s offered: server / PostgreSQL CPU per message and its run, ms`] = `${round((cpu1 - cpu0) / runs.length)} / ${round((pg1 - pg0) / runs.length)}`;
      console.log(JSON.stringify(results));
    }

    // 2. Waiting runs.
    const idleFor = 5000;
    await sleep(2000);
    let cpuBefore = cpuMs(server.pid);
    await sleep(idleFor);
    results['waiting: server CPU with no run waiting, ms of CPU per s'] = round((cpuMs(server.pid) - cpuBefore) / (idleFor / 1000));
    const shortcut = (await workspace.api(token, 'POST', '/api/v1/workflows', {
      name: 'Wait',
      enabled: true,
      trigger: { type: 'shortcut' },
      steps: [{ type: 'wait', seconds: WAIT_SECONDS }, { type: 'add_tag', tag: 'hot' }],
    })) as { id: string };
    const contactIds = (await sql.query<{ id: string }>(`select id from contacts order by id limit $1`, [Math.min(WAITING, 1000)])).rows.map((r) => r.id);
    const workspaceId = (await sql.query<{ id: string }>(`select id from workspaces limit 1`)).rows[0]!.id;
    // Runs of the same workflow that began their wait of an hour ten minutes ago: the rows the API makes (pc and seq past the
    // wait step). Made in the last minute, they would count as a loop for the API's runs of the same contacts.
    await sql.query(
      `insert into workflow_runs (id, workspace_id, workflow_id, version, contact_id, status, trigger_key, pc, seq, waiting_for, wait_until, context, steps, created_at, updated_at)
       select gen_random_uuid(), $1::uuid, $2::uuid, 1, ($3::uuid[])[1 + i % array_length($3::uuid[], 1)], 'waiting', 'seed:' || i, 1, 1, 'time',
              now() + interval '1 hour' + make_interval(secs => i % 600), '{"vars": {}, "trigger": {"type": "shortcut"}, "shortcut": true}'::jsonb,
              jsonb_build_array(jsonb_build_object('type', 'wait', 'path', 'steps[0]', 'status', 'waiting', 'at', now() - interval '10 minutes')),
              now() - interval '10 minutes', now() - interval '10 minutes'
       from generate_series(1, $4::int) i`,
      [workspaceId, shortcut.id, contactIds, IDLE_WAITING],
    );
    await sql.query('analyze workflow_runs');
    const startBegan = Date.now();
    const targets = Array.from({ length: WAITING }, (_, i) => contactIds[i % contactIds.length]!);
    await inParallel(targets, CONCURRENCY, (contactId) => workspace.api(token, 'POST', `/api/v1/workflows/${shortcut.id}/runs`, { contactId }));
    const startSeconds = (Date.now() - startBegan) / 1000;
    await until(async () => (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'waiting'`, [shortcut.id])).rows[0].n >= WAITING + IDLE_WAITING, 120_000);
    const waitingAtOnce = (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'waiting'`, [shortcut.id])).rows[0].n as number;
    const dueAt = (await sql.query<{ first: Date }>(`select min(wait_until) as first from workflow_runs where workflow_id = $1`, [shortcut.id])).rows[0]!.first.getTime();
    const idleMs = Math.max(0, Math.min(5000, dueAt - Date.now() - 500));
    cpuBefore = cpuMs(server.pid);
    await sleep(idleMs);
    const cpuWhileWaiting = cpuMs(server.pid) - cpuBefore;
    const cohort = `select created_at, steps, status from workflow_runs where workflow_id = $1 and trigger_key like 'shortcut:%'`;
    await until(async () => (await sql.query(`select count(*)::int as n from workflow_runs where workflow_id = $1 and status = 'completed'`, [shortcut.id])).rows[0].n >= WAITING, 300_000);
    const waited = (await sql.query<RunRow>(cohort, [shortcut.id])).rows;
    // The wait step's time is when it resumed; it was due WAIT_SECONDS after the run began waiting (just after it was made).
    const lateness = waited.map((row) => new Date(row.steps[0]!.at).getTime() - (row.created_at.getTime() + WAIT_SECONDS * 1000));
    results['waiting: runs waiting at once'] = waitingAtOnce;
    results[`waiting: shortcut runs started per second (API, ${CONCURRENCY} at a time)`] = Math.round(WAITING / startSeconds);
    results[`waiting: server CPU while ${waitingAtOnce} runs wait, ms of CPU per s (over ${round(idleMs / 1000)} s)`] = idleMs > 0 ? round(cpuWhileWaiting / (idleMs / 1000)) : 'n/a';
    results[`waiting: the ${WAITING} API runs resumed after their time, p50 / p99 / max ms`] = `${round(percentile(lateness, 50))} / ${round(percentile(lateness, 99))} / ${round(Math.max(...lateness))}`;
  } finally {
    await sql.end();
    await stop(server);
  }
  return results;
}
