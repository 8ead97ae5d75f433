/**
 * Merging figures (issue 16) on PostgreSQL, through a real server process (the bundle that
 * `npm start` runs: `node scripts/build.mjs` first), in a workspace of CONTACTS contacts (1M) of
 * which 5 % duplicate another's phone number or email (groups of two and three):
 *   - GET /contacts/:id/merge-suggestions for random contacts: p50/p95/p99 (target p95 < 20 ms);
 *   - the Dashboard's first page of groups, GET /contacts/merge-suggestions?limit=20 (target p95 < 100 ms);
 *   - POST /contacts/merge and POST /merges/:id/undo of two contacts with 10k messages each (target < 300 ms each);
 *   - a CSV import of IMPORT_ROWS (100k) rows with the duplicate index kept current by its triggers,
 *     against the same import with the triggers disabled (target: less than 20 % slower).
 * Beside each figure: the CPU time per operation of the server process and of the PostgreSQL
 * backends serving its database (/proc), which compares across machines better than a rate.
 *
 *   npm run bench -- merging        # PostgreSQL at BENCH_DATABASE_URL or the local `test` server
 * Options (env): CONTACTS (1000000), REPEAT (200), ROUNDS (5: merge/undo pairs), IMPORT_ROWS (100000),
 * IMPORT_ROUNDS (2: imports with and without triggers, alternating), PARTS (default
 * suggestions,dashboard,merge,import), BENCH_PORT (3947).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { demoPerson, seededRandom } from '../src/demo/contacts.demo.js';
import { cpuMs, freshPostgresDatabase, median, percentile, spawnServer, stop, waitFor } from './lib/server.js';
import { benchWorkspace } from './lib/workspace.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONTACTS = Number(process.env.CONTACTS ?? 1_000_000);
const REPEAT = Number(process.env.REPEAT ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const IMPORT_ROWS = Number(process.env.IMPORT_ROWS ?? 100_000);
const IMPORT_ROUNDS = Number(process.env.IMPORT_ROUNDS ?? 2);
const PARTS = new Set((process.env.PARTS ?? 'suggestions,dashboard,merge,import').split(','));
const port = Number(process.env.BENCH_PORT ?? 3947);
const base = `http://127.0.0.1:${port}`;
const DATABASE = 'switchboard_bench_issue_16_merging';
const owner = { OWNER_EMAIL: 'owner@merging-bench.test', OWNER_PASSWORD: 'bench-password-123', WORKSPACE_NAME: 'Merging bench' };
const SECRET = 'bench-merging-shared-secret';
const round = (value: number) => Math.round(value * 10) / 10;

export async function run() {
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, DATABASE);
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(port + 1), DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner });
  const sql = new pg.Client({ connectionString: databaseUrl });
  const workspace = benchWorkspace(base, SECRET);
  try {
    await waitFor(`${base}/readyz`);
    await sql.connect();
    const token = await workspace.login(owner.OWNER_EMAIL, owner.OWNER_PASSWORD);
    const api = (method: string, path: string, body?: unknown) => workspace.api(token, method, path, body);
    const workspaceId = (await sql.query('select id from workspaces limit 1')).rows[0].id as string;

    /** The CPU of the server and of the PostgreSQL backends serving its database, per process. */
    async function cpuNow(): Promise<Map<number, number>> {
      const { rows } = await sql.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      return new Map([server.pid!, ...rows.map((row: { pid: number }) => row.pid)].map((pid) => [pid, cpuMs(pid)]));
    }
    async function cpuPerOperation<T>(operations: number, work: () => Promise<T>): Promise<{ value: T; serverMs: number; databaseMs: number }> {
      const before = await cpuNow();
      const value = await work();
      const after = await cpuNow();
      let serverMs = 0;
      let databaseMs = 0;
      for (const [pid, ms] of after) {
        const used = ms - (before.get(pid) ?? 0);
        if (pid === server.pid) serverMs += used;
        else databaseMs += used;
      }
      return { value, serverMs: round(serverMs / operations), databaseMs: round(databaseMs / operations) };
    }

    // ---------------------------------------------------------------- seed
    const seedStarted = performance.now();
    const unique = Math.round(CONTACTS * 0.95);
    const duplicates = CONTACTS - unique;
    // Duplicate j copies contact target(j): the first 4/5 of them pick distinct targets (groups of
    // two), the rest pick targets again (groups of three); even ones share the phone, odd ones the email.
    const distinctTargets = Math.round(duplicates * 0.8);
    const spread = Math.max(1, Math.floor(unique / distinctTargets));
    for (let from = 0; from < CONTACTS; from += 100_000) {
      const to = Math.min(CONTACTS, from + 100_000) - 1;
      await sql.query(
        `insert into contacts (id, workspace_id, first_name, last_name, phone, email, country, country_source, created_at, updated_at)
         select gen_random_uuid(), $1::uuid, 'Contact', i::text,
           case when i < $2 then '+4915' || lpad(i::text, 9, '0')
                when (i - $2) % 2 = 0 then '+4915' || lpad(((((i - $2) % $3) * $4))::text, 9, '0')
                else '+4916' || lpad(i::text, 9, '0') end,
           case when i < $2 then 'contact' || i || '@example.com'
                when (i - $2) % 2 = 1 then 'contact' || ((((i - $2) % $3) * $4)) || '@example.com'
                else 'dup' || i || '@example.net' end,
           'DE', 'phone', now() - make_interval(secs => i), now() - make_interval(secs => i)
         from generate_series($5::int, $6::int) i`,
        [workspaceId, unique, distinctTargets, spread, from, to],
      );
    }
    // Two duplicates with 10k messages each, and other conversations' messages around them.
    const channelId = await workspace.apiChannel(token);
    const withHistory = async (identifier: string, messages: number) => {
      const contact = await workspace.contactWithHistory(sql, channelId, identifier, messages);
      await sql.query(`update contacts set phone = '+4917099999999' where id = $1`, [contact.contactId]);
      return contact;
    };
    const big = [await withHistory('history-a', 10_000), await withHistory('history-b', 10_000)] as const;
    for (let n = 0; n < 20; n++) await workspace.contactWithHistory(sql, channelId, `background-${n}`, 10_000);
    await sql.query('vacuum analyze');
    const groups = Number((await sql.query('select count(*) from duplicate_values where workspace_id = $1 and contacts > 1', [workspaceId])).rows[0].count);
    results['seed'] = `${CONTACTS} contacts, ${groups} duplicate groups, 220k messages in ${round((performance.now() - seedStarted) / 1000)} s`;
    console.log(`  ${results['seed']}`);

    // ---------------------------------------------------------------- suggestions of one contact
    if (PARTS.has('suggestions')) {
      const { rows: sampled } = await sql.query(
        `select id from contacts where workspace_id = $1 and last_name::int % $2 = 0 limit $3`,
        [workspaceId, Math.max(1, Math.floor(CONTACTS / (REPEAT * 2))), REPEAT],
      );
      // Half of them duplicates: the suggestions are found, not only looked for.
      const { rows: duplicated } = await sql.query(
        `select c.id from contacts c join duplicate_values d on d.workspace_id = c.workspace_id and d.field = 'phone' and d.value = c.phone and d.contacts > 1
         where c.workspace_id = $1 limit $2`,
        [workspaceId, Math.floor(REPEAT / 2)],
      );
      const ids = [...sampled.slice(0, REPEAT - duplicated.length), ...duplicated].map((row: { id: string }) => row.id);
      for (const id of ids.slice(0, 20)) await api('GET', `/api/v1/contacts/${id}/merge-suggestions`);
      const suggestionTimes: number[] = [];
      let found = 0;
      const suggestions = await cpuPerOperation(ids.length, async () => {
        for (const id of ids) {
          const started = performance.now();
          const answer = (await api('GET', `/api/v1/contacts/${id}/merge-suggestions`)) as { items: unknown[] };
          suggestionTimes.push(performance.now() - started);
          if (answer.items.length) found++;
        }
      });
      results['suggestions of one contact, p50 / p95 / p99 (target p95 < 20 ms)'] =
        `${round(percentile(suggestionTimes, 50))} / ${round(percentile(suggestionTimes, 95))} / ${round(percentile(suggestionTimes, 99))} ms over ${ids.length} contacts (${found} with suggestions); CPU per call: server ${suggestions.serverMs} ms, PostgreSQL ${suggestions.databaseMs} ms`;
      console.log(`  ${results['suggestions of one contact, p50 / p95 / p99 (target p95 < 20 ms)']}`);
    }

    // ---------------------------------------------------------------- the Dashboard's first page
    if (PARTS.has('dashboard')) {
      for (let i = 0; i < 5; i++) await api('GET', '/api/v1/contacts/merge-suggestions?limit=20');
      const pageTimes: number[] = [];
      const pages = await cpuPerOperation(REPEAT / 2, async () => {
        for (let i = 0; i < REPEAT / 2; i++) {
          const started = performance.now();
          await api('GET', '/api/v1/contacts/merge-suggestions?limit=20');
          pageTimes.push(performance.now() - started);
        }
      });
      results['Dashboard first page of 20 groups, p50 / p95 / p99 (target p95 < 100 ms)'] =
        `${round(percentile(pageTimes, 50))} / ${round(percentile(pageTimes, 95))} / ${round(percentile(pageTimes, 99))} ms; CPU per page: server ${pages.serverMs} ms, PostgreSQL ${pages.databaseMs} ms`;
      console.log(`  ${results['Dashboard first page of 20 groups, p50 / p95 / p99 (target p95 < 100 ms)']}`);
    }

    // ---------------------------------------------------------------- merge and undo, 10k messages each
    if (PARTS.has('merge')) {
      const mergeTimes: number[] = [];
      const undoTimes: number[] = [];
      const mergeCpu: Array<{ serverMs: number; databaseMs: number }> = [];
      const undoCpu: Array<{ serverMs: number; databaseMs: number }> = [];
      for (let n = 0; n < ROUNDS; n++) {
        const [primary, secondary] = n % 2 ? [big[1], big[0]] : [big[0], big[1]];
        let mergeId = '';
        const merged = await cpuPerOperation(1, async () => {
          const started = performance.now();
          mergeId = ((await api('POST', '/api/v1/contacts/merge', { primaryId: primary.contactId, secondaryId: secondary.contactId })) as { merge: { id: string } }).merge.id;
          mergeTimes.push(performance.now() - started);
        });
        const moved = Number((await sql.query('select count(*) from messages where conversation_id = $1', [primary.conversationId])).rows[0].count);
        if (moved < 20_001) throw new Error(`the merge left ${moved} messages in the kept conversation`);
        const undone = await cpuPerOperation(1, async () => {
          const started = performance.now();
          await api('POST', `/api/v1/merges/${mergeId}/undo`);
          undoTimes.push(performance.now() - started);
        });
        mergeCpu.push(merged);
        undoCpu.push(undone);
      }
      const cpu = (list: Array<{ serverMs: number; databaseMs: number }>) =>
        `server ${round(median(list.map((c) => c.serverMs)))} ms, PostgreSQL ${round(median(list.map((c) => c.databaseMs)))} ms`;
      results['merge of two contacts with 10k messages each (target < 300 ms)'] =
        `median ${round(median(mergeTimes))} ms, max ${round(Math.max(...mergeTimes))} ms over ${ROUNDS}; CPU per merge (median): ${cpu(mergeCpu)}`;
      results['undo of that merge (target < 300 ms)'] =
        `median ${round(median(undoTimes))} ms, max ${round(Math.max(...undoTimes))} ms over ${ROUNDS}; CPU per undo (median): ${cpu(undoCpu)}`;
      console.log(`  ${results['merge of two contacts with 10k messages each (target < 300 ms)']}`);
      console.log(`  ${results['undo of that merge (target < 300 ms)']}`);
    }

    // ---------------------------------------------------------------- import with and without the triggers
    if (PARTS.has('import')) {
      const random = seededRandom(16);
      const lines = ['firstName,lastName,email,phone'];
      const cell = (value: string | null) => (value === null ? '' : /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
      for (let n = 0; n < IMPORT_ROWS; n++) {
        const person = demoPerson(random, 20_000_000 + n);
        lines.push([person.firstName, `${person.lastName} import`, person.email, person.phone].map(cell).join(','));
      }
      const csv = lines.join('\n');
      const importOnce = async () => {
        const started = performance.now();
        const { job } = (await (
          await fetch(`${base}/api/v1/contacts/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv })
        ).json()) as { job: { id: string } };
        for (;;) {
          const state = (await api('GET', `/api/v1/jobs/${job.id}`)) as { status: string; result?: { imported?: number } };
          if (state.status === 'failed') throw new Error('import failed');
          if (state.status === 'done') {
            if (state.result?.imported !== IMPORT_ROWS) throw new Error(`imported ${state.result?.imported}`);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return performance.now() - started;
      };
      // Off, neither the import nor the removal of its rows is counted: the index is left as it was.
      const setTriggers = async (on: boolean) => {
        for (const trigger of ['contacts_duplicate_values_insert', 'contacts_duplicate_values_delete']) {
          await sql.query(`alter table contacts ${on ? 'enable' : 'disable'} trigger ${trigger}`);
        }
      };
      const removeImported = async () => {
        await sql.query(`delete from contacts where workspace_id = $1 and last_name like '% import'`, [workspaceId]);
        await sql.query('delete from duplicate_values where contacts <= 0');
        await setTriggers(true);
        await sql.query('vacuum analyze contacts, duplicate_values');
      };
      const withTriggers: Array<{ ms: number; serverMs: number; databaseMs: number }> = [];
      const withoutTriggers: typeof withTriggers = [];
      for (let n = 0; n < IMPORT_ROUNDS * 2; n++) {
        const on = n % 2 === 0;
        await setTriggers(on);
        const measured = await cpuPerOperation(IMPORT_ROWS / 1000, importOnce);
        (on ? withTriggers : withoutTriggers).push({ ms: measured.value, serverMs: measured.serverMs, databaseMs: measured.databaseMs });
        console.log(`  import of ${IMPORT_ROWS} rows, triggers ${on ? 'on' : 'off'}: ${round(measured.value / 1000)} s; CPU per 1000 rows: server ${measured.serverMs} ms, PostgreSQL ${measured.databaseMs} ms`);
        await removeImported();
      }
      const seconds = (list: typeof withTriggers) => list.map((each) => round(each.ms / 1000)).join(', ');
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      const change = (on: number, off: number) => `${on >= off ? '+' : ''}${round(((on - off) / off) * 100)} %`;
      const wallOn = mean(withTriggers.map((each) => each.ms));
      const wallOff = mean(withoutTriggers.map((each) => each.ms));
      const cpuOn = mean(withTriggers.map((each) => each.serverMs + each.databaseMs));
      const cpuOff = mean(withoutTriggers.map((each) => each.serverMs + each.databaseMs));
      const databaseOn = mean(withTriggers.map((each) => each.databaseMs));
      const databaseOff = mean(withoutTriggers.map((each) => each.databaseMs));
      results[`import of ${IMPORT_ROWS / 1000}k contacts, suggestions kept current (target < +20 %)`] =
        `with triggers ${seconds(withTriggers)} s, without ${seconds(withoutTriggers)} s: ${change(wallOn, wallOff)} (means); ` +
        `CPU per 1000 rows, server + PostgreSQL: ${round(cpuOn)} against ${round(cpuOff)} ms (${change(cpuOn, cpuOff)}), of which PostgreSQL ${round(databaseOn)} against ${round(databaseOff)} ms`;
      console.log(`  ${results[`import of ${IMPORT_ROWS / 1000}k contacts, suggestions kept current (target < +20 %)`]}`);
    }
    results['load average at the end (1 / 5 / 15 min)'] = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' / ');
  } finally {
    await sql.end().catch(() => undefined);
    await stop(server);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [figure, value] of Object.entries(await run())) console.log(`| ${figure} | ${value} |`);
}
