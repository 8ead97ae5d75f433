/**
 * Contacts module benchmarks against a database filled by bench/seed.ts, through a real server
 * process over HTTP:
 *   - search and filtered first pages (names, phones, emails, tags, custom fields, sorts): p50/p95/p99
 *   - export.csv of every contact: time and the server's peak RSS while streaming
 *   - CSV import of IMPORT_ROWS rows (default 100k): time until the job is done
 *   - bulk delete of those rows, while other API calls run: their p99 next to a quiet baseline
 *
 *   DATABASE_URL=postgres://… npx tsx bench/contacts.bench.ts
 *   DATA_DIR=/tmp/sb-bench npx tsx bench/contacts.bench.ts          (PGlite; no other server on it)
 * Options (env): PARTS (default search,export,import,delete), REPEAT (per query, default 40),
 * IMPORT_ROWS (100000), CONCURRENCY (4), BENCH_PORT (3927), BENCH_MANIFEST (default
 * <DATA_DIR>/contacts-bench.json).
 * Results are also written to bench/results/contacts-<engine>-<contacts>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { demoPerson, seededRandom } from '../src/demo/contacts.demo.js';
import { loadConfig } from '../src/platform/config.js';
import { startSourceServer } from './lib/server.js';

const REPEAT = Number(process.env.REPEAT ?? 40);
const IMPORT_ROWS = Number(process.env.IMPORT_ROWS ?? 100_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const PORT = Number(process.env.BENCH_PORT ?? 3927);
const PARTS = new Set((process.env.PARTS ?? 'search,export,import,delete').split(','));

const config = loadConfig({ ...process.env, PORT: String(PORT) }, []);
const manifest = JSON.parse(readFileSync(process.env.BENCH_MANIFEST ?? path.join(config.dataDir, 'contacts-bench.json'), 'utf8')) as {
  ownerEmail: string;
  password: string;
  contacts: number;
  engine: string;
};
const base = `http://127.0.0.1:${PORT}`;
const round = (ms: number) => Math.round(ms * 10) / 10;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}

/** The server's resident memory now (Linux), in MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

let token = '';
const headers = () => ({ authorization: `Bearer ${token}` });

async function api(method: string, url: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: body === undefined ? headers() : { ...headers(), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function timed(url: string): Promise<number> {
  const started = performance.now();
  await api('GET', url);
  return performance.now() - started;
}

async function waitForJob(id: string): Promise<any> {
  for (;;) {
    const job = await api('GET', `/api/v1/jobs/${id}`);
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Real values to search for, read from the data: a phone in national and international form, an email. */
async function samples() {
  const page = (await api('GET', '/api/v1/contacts?q=%2B49&limit=50')).items as Array<{ phone: string }>;
  const german = page.find((c) => c.phone)?.phone ?? '+4915112345678';
  const withEmail = ((await api('GET', '/api/v1/contacts?sort=name&limit=200')).items as Array<{ email: string | null }>).find((c) => c.email);
  return {
    international: parsePhoneNumberFromString(german)!.formatInternational(),
    national: parsePhoneNumberFromString(german)!.formatNational(),
    digits: german.slice(-7),
    email: withEmail?.email ? withEmail.email.slice(0, withEmail.email.indexOf('@') + 1) : 'anna@',
  };
}

async function searches() {
  const sample = await samples();
  const q = (text: string) => `q=${encodeURIComponent(text)}`;
  const queries: Array<[string, string]> = [
    ['newest first (no filter)', ''],
    ['sort by name', 'sort=name'],
    ['sort by last interaction', 'sort=lastInteraction'],
    ['name prefix "an"', q('an')],
    ['name substring "müll"', q('müll')],
    ['name, accents folded "jurgen"', q('jurgen')],
    ['name Cyrillic "иван"', q('иван')],
    ['name CJK "小明"', q('小明')],
    ['name two words "anna mül"', q('anna mül')],
    ['name without match', q('qqxyzzy')],
    ['name substring, sorted by name', `${q('mart')}&sort=name`],
    ['name sorting last, sorted by name "σωκράτης"', `${q('σωκράτης')}&sort=name`],
    [`phone international "${sample.international}"`, q(sample.international)],
    [`phone national "${sample.national}"`, q(sample.national)],
    [`phone digits "${sample.digits}"`, q(sample.digits)],
    [`email prefix "${sample.email}"`, q(sample.email)],
    ['tag VIP', 'tag=VIP'],
    ['tags Partner + Lead, by name', 'tag=Partner&tag=Lead&sort=name'],
    ['custom field plan=Enterprise', 'cf.plan=Enterprise'],
    ['custom field + name search', `cf.newsletter=true&${q('mar')}`],
    ['blocked contacts segment', 'segment=blocked'],
    ['unassigned, by last interaction', 'assigneeId=none&sort=lastInteraction'],
    ['created in 2 months', `createdFrom=${new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10)}&createdTo=${new Date(Date.now() - 340 * 86_400_000).toISOString().slice(0, 10)}`],
  ];
  const results: Record<string, ReturnType<typeof percentiles>> = {};
  const all: number[] = [];
  for (const [label, query] of queries) {
    const url = `/api/v1/contacts?limit=50${query ? `&${query}` : ''}`;
    for (let i = 0; i < 3; i++) await timed(url);
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) times.push(await timed(url));
    all.push(...times);
    results[label] = percentiles(times);
    const r = results[label]!;
    console.log(`  ${label.padEnd(48)} p50 ${String(r.p50).padStart(6)} ms  p95 ${String(r.p95).padStart(6)} ms  p99 ${String(r.p99).padStart(6)} ms`);
  }
  results['all queries'] = percentiles(all);
  console.log(`  ${'all queries'.padEnd(48)} p50 ${results['all queries'].p50} ms  p95 ${results['all queries'].p95} ms  p99 ${results['all queries'].p99} ms`);
  return results;
}

async function exportAll(pid: number) {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 20);
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/contacts/export.csv?blocked=false`, { headers: headers() });
  let bytes = 0;
  let rows = -1;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) rows++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const result = { rows, megabytes: round(bytes / 1048576), seconds: round(seconds), rowsPerSecond: Math.round(rows / seconds), rssBeforeMb: round(before), rssPeakMb: round(peak) };
  console.log(`  ${rows} rows, ${result.megabytes} MB in ${result.seconds} s (${result.rowsPerSecond}/s); server RSS ${result.rssBeforeMb} MB before, peak ${result.rssPeakMb} MB`);
  return result;
}

async function importRows(tag: string) {
  const random = seededRandom(7);
  const lines = ['firstName,lastName,email,phone,tags'];
  const cell = (value: string | null) => (value === null ? '' : /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  for (let n = 0; n < IMPORT_ROWS; n++) {
    const person = demoPerson(random, 10_000_000 + n);
    lines.push([person.firstName, person.lastName, person.email, person.phone, tag].map(cell).join(','));
  }
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/contacts/import`, { method: 'POST', headers: { ...headers(), 'content-type': 'text/csv' }, body: lines.join('\n') });
  const { job } = (await response.json()) as { job: { id: string } };
  const done = await waitForJob(job.id);
  const seconds = (performance.now() - started) / 1000;
  const result = { rows: IMPORT_ROWS, seconds: round(seconds), rowsPerSecond: Math.round(IMPORT_ROWS / seconds), imported: done.result?.imported, refused: done.result?.refusedCount };
  console.log(`  ${result.imported} imported, ${result.refused} refused in ${result.seconds} s (${result.rowsPerSecond} rows/s)`);
  return result;
}

/** Other users' calls (a search, a contact) on CONCURRENCY connections until `until` resolves. */
async function trafficUntil(until: Promise<unknown>, ids: string[]) {
  const latencies: number[] = [];
  let stop = false;
  void until.finally(() => {
    stop = true;
  });
  const names = ['an', 'müll', 'mar', 'иван', 'sofia', 'lee'];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = 0; !stop; i++) {
        const url = i % 2 ? `/api/v1/contacts/${ids[(i + worker) % ids.length]}` : `/api/v1/contacts?limit=50&q=${encodeURIComponent(names[(i + worker) % names.length]!)}`;
        latencies.push(await timed(url));
      }
    }),
  );
  return percentiles(latencies);
}

async function bulkDelete(tag: string) {
  // The oldest contacts: seeded ones, which the delete leaves alone.
  const ids = ((await api('GET', '/api/v1/contacts?limit=200&sort=created&order=asc')).items as Array<{ id: string }>).map((c) => c.id);
  const quiet = await trafficUntil(new Promise((resolve) => setTimeout(resolve, 5000)), ids);
  console.log(`  quiet baseline: other calls p50 ${quiet.p50} ms, p95 ${quiet.p95} ms, p99 ${quiet.p99} ms (n=${quiet.n})`);
  const started = performance.now();
  const { job } = await api('POST', '/api/v1/contacts/bulk', { action: 'delete', filter: { tag } });
  const finished = waitForJob(job.id);
  const [busy, done] = await Promise.all([trafficUntil(finished, ids), finished]);
  const seconds = (performance.now() - started) / 1000;
  console.log(`  deleted ${done.result?.processed} in ${round(seconds)} s; other calls meanwhile p50 ${busy.p50} ms, p95 ${busy.p95} ms, p99 ${busy.p99} ms (n=${busy.n})`);
  return { deleted: done.result?.processed, seconds: round(seconds), quiet, duringDelete: busy };
}

async function main() {
  const server = await startSourceServer(PORT);
  try {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: manifest.ownerEmail, password: manifest.password }),
    });
    token = ((await login.json()) as { token: string }).token;
    console.log(`Contacts benchmark: ${manifest.contacts} contacts on ${manifest.engine}`);
    const results: Record<string, unknown> = {};
    if (PARTS.has('search')) {
      console.log('search and filter, first page of 50:');
      results.search = await searches();
    }
    if (PARTS.has('export')) {
      console.log('export.csv of every unblocked contact:');
      results.exported = await exportAll(server.pid!);
    }
    const tag = `bench-import-${Date.now()}`;
    if (PARTS.has('import') || PARTS.has('delete')) {
      console.log(`import of ${IMPORT_ROWS} CSV rows:`);
      results.imported = await importRows(tag);
    }
    if (PARTS.has('delete')) {
      console.log(`bulk delete of the ${IMPORT_ROWS} imported contacts, ${CONCURRENCY} other clients calling meanwhile:`);
      results.deleted = await bulkDelete(tag);
    }
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/contacts-${manifest.engine}-${manifest.contacts}.json`;
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...manifest, password: undefined, ...results }, null, 2));
    console.log(`results in ${file}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

await main();
