/**
 * Inbound email through the SMTP listener (issue 14): one server process on PostgreSQL, mails sent
 * with nodemailer over CONNECTIONS pooled SMTP connections for SECONDS, from CUSTOMERS senders
 * (known after a warm-up), every DUPLICATE_EVERY-th a resend of an earlier Message-ID. Target:
 * ≥ 100 mails/s on two cores, each stored once. Beside the rate, the server's CPU time per mail.
 * Then one 10 MB mail (a 9.5 MB attachment): accepted, and how far the server's RSS grew.
 *
 *   npm run bench -- email
 * Options (env): SECONDS (15), CONNECTIONS (8), CUSTOMERS (200), DUPLICATE_EVERY (20).
 */
import nodemailer from 'nodemailer';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../src/platform/db/client.js';
import { apiCall, cpuMs, freshPostgresDatabase, rssMb, spawnServer, stop, waitFor } from './lib/server.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.SECONDS ?? 15);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 8);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 200);
const DUPLICATE_EVERY = Number(process.env.DUPLICATE_EVERY ?? 20);
const DATABASE = 'switchboard_bench_issue_14_email';
const port = 3970;
const smtpPort = 3971;
const base = `http://127.0.0.1:${port}`;
const owner = { OWNER_EMAIL: 'bench-email@example.test', OWNER_PASSWORD: 'bench password' };
const ADDRESS = 'support@bench.example';

const round = (value: number) => Math.round(value * 100) / 100;


const api = (token: string, method: string, route: string, body?: unknown) => apiCall(base, token, method, route, body);

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });

const mail = (run: string, index: number) => ({
  from: `Customer ${index % CUSTOMERS} <customer${index % CUSTOMERS}@customers.example>`,
  to: ADDRESS,
  subject: `Question ${index}`,
  text: `Hello, this is question ${index}.\n\nOn Monday support wrote:\n> an earlier answer\n`,
  html: `<p>Hello, this is question <b>${index}</b>.</p><blockquote>an earlier answer</blockquote>`,
  messageId: `<bench-${run}-${index}@customers.example>`,
});

/** Sends as fast as the pool takes them for `seconds`; every `duplicateEvery`-th mail repeats an earlier one's Message-ID. */
async function flood(run: string, seconds: number, duplicateEvery: number) {
  const pool = transport();
  const until = performance.now() + seconds * 1000;
  let next = 0;
  let sent = 0;
  let repeats = 0;
  let failed = 0;
  const unique = new Set<number>();
  async function worker() {
    while (performance.now() < until) {
      const index = next++;
      const repeat = duplicateEvery > 0 && index > 0 && index % duplicateEvery === 0;
      const id = repeat ? index - 1 : index;
      try {
        await pool.sendMail(mail(run, id));
        sent++;
        if (repeat) repeats++;
        else unique.add(id);
      } catch {
        failed++;
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS * 2 }, worker));
  const wall = (performance.now() - started) / 1000;
  pool.close();
  return { sent, repeats, unique: unique.size, failed, wall };
}

export async function run() {
  const results: Record<string, unknown> = {};
  const databaseUrl = await freshPostgresDatabase(adminUrl, DATABASE);
  const server = spawnServer({ PORT: String(port), SMTP_PORT: String(smtpPort), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, WEB_DIST_DIR: '/nonexistent', ...owner });
  try {
    await waitFor(`${base}/readyz`);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.OWNER_EMAIL, password: owner.OWNER_PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const channel = await api(token, 'POST', '/api/v1/channels', { type: 'email', name: 'Bench mail', settings: { address: ADDRESS, smtpHost: '127.0.0.1', smtpPort: 9 } });

    // Every sender writes once first: the measured mails are known contacts', as most are.
    const pool = transport();
    await Promise.all(Array.from({ length: CUSTOMERS }, (_, index) => pool.sendMail(mail('warmup', index))));
    pool.close();

    const runId = Date.now().toString(36);
    const cpuBefore = cpuMs(server.pid!);
    const result = await flood(runId, SECONDS, DUPLICATE_EVERY);
    const serverCpu = cpuMs(server.pid!) - cpuBefore;

    const database = await openDatabase({ databaseUrl });
    const [counted] = rowsOf<{ stored: number; distinct_ids: number }>(
      await database.db.execute(sql`select count(*)::int as stored, count(distinct provider_message_id)::int as distinct_ids from messages
        where channel_id = ${channel.id} and direction = 'in' and provider_message_id like ${`<bench-${runId}-%`}`),
    );
    await database.close();

    results[`PostgreSQL: mails over SMTP, ${CONNECTIONS} pooled connections for ${SECONDS} s (${CUSTOMERS} known senders, text + HTML): accepted per second`] = Math.round(result.sent / result.wall);
    results['  unique mails sent / stored / distinct Message-IDs stored; resends sent (stored as one)'] = `${result.unique} / ${counted!.stored} / ${counted!.distinct_ids}; ${result.repeats}`;
    results['  each stored exactly once'] = counted!.stored === result.unique && counted!.distinct_ids === counted!.stored ? 'yes' : 'NO';
    results['  refused or failed'] = result.failed;
    results['  server process CPU per mail, ms'] = round(serverCpu / result.sent);
    results['  server CPU use during the run, cores'] = round(serverCpu / 1000 / result.wall);

    // One mail just under 10 MB: accepted, and the RSS it costs.
    const rssBefore = rssMb(server.pid!);
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid!))), 20);
    const big = transport();
    const started = performance.now();
    await big.sendMail({ from: 'big@customers.example', to: ADDRESS, subject: 'Big', text: 'See attached', attachments: [{ filename: 'big.bin', content: Buffer.alloc(7 * 1024 * 1024, 65) }] });
    const bigMs = performance.now() - started;
    big.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(sampler);
    results['a 9.5 MB mail (7 MB attachment, base64): accepted in, ms'] = Math.round(bigMs);
    results['  server RSS before / peak, MB (growth)'] = `${rssBefore} / ${peak} (${peak - rssBefore})`;
  } finally {
    await stop(server);
  }
  return results;
}
