/**
 * Fills a database with contacts to measure the Contacts module: one new workspace with users,
 * custom fields, tags and N contacts (names in Latin, Cyrillic, Greek, Arabic, CJK and Devanagari
 * scripts; valid mobile numbers of ~45 countries; emails; tags; custom field values; some
 * assigned, some with a last interaction, a few blocked), written by SQL in batches.
 *
 *   DATABASE_URL=postgres://… npm run bench:seed -- --contacts 1000000
 *   DATA_DIR=/tmp/sb-bench npm run bench:seed -- --contacts 100000        (PGlite)
 *
 * Prints the owner's login and writes it to $BENCH_MANIFEST (default <DATA_DIR>/contacts-bench.json)
 * for bench/contacts.bench.ts. Later issues add conversations and messages (bench/seed-inbox.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { v7 } from 'uuid';
import { demoCustomFields, demoCustomValues, demoPerson, demoTags, demoTagsFor, seededRandom } from '../src/demo/contacts.demo.js';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logging.js';
import { startServer } from '../src/server.js';

const { values: options } = parseArgs({ options: { contacts: { type: 'string' } } });
const CONTACTS = Number(options.contacts ?? process.env.CONTACTS ?? 100_000);
const BATCH = 5_000;
const PASSWORD = 'bench-password-123';
const YEARS = 3;

const config = loadConfig({ ...process.env, PORT: '0' }, []);
const manifestPath = process.env.BENCH_MANIFEST ?? path.join(config.dataDir, 'contacts-bench.json');

async function main() {
  const started = performance.now();
  const server = await startServer(config, { logger: createLogger('warn') });
  const { db } = server.database;
  const { workspace, contacts } = server.services;
  await server.services.jobs.stop();

  const stamp = Date.now();
  const { workspace: ws, owner } = await workspace.createWorkspaceWithOwner({
    workspaceName: `Contacts bench ${new Date().toISOString()}`,
    email: `owner-${stamp}@bench.test`,
    password: PASSWORD,
    name: 'Bench Owner',
  });
  const actor = { userId: owner.id, workspaceId: ws.id, role: 'owner' as const };
  const manager = await workspace.createUser(actor, { email: `manager-${stamp}@bench.test`, name: 'Bench Manager', role: 'manager', password: PASSWORD });
  const assignees = [owner.id, manager.id];
  for (let i = 0; i < 4; i++) {
    const agent = await workspace.createUser(actor, { email: `agent${i}-${stamp}@bench.test`, name: `Agent ${i}`, role: 'agent', password: PASSWORD });
    assignees.push(agent.id);
  }
  for (const field of demoCustomFields) await contacts.customFields.create(actor, field);
  const tagIds = new Map<string, string>();
  for (const name of demoTags) tagIds.set(name, (await contacts.tags.create(actor, { name })).id);

  console.log(`seeding ${CONTACTS} contacts (${server.database.engine})`);
  const random = seededRandom(stamp);
  const now = Date.now();
  const span = YEARS * 365 * 86_400_000;
  for (let from = 0; from < CONTACTS; from += BATCH) {
    const rows = [];
    const tagRows = [];
    for (let n = from; n < Math.min(CONTACTS, from + BATCH); n++) {
      const person = demoPerson(random, n);
      // Created over the years in id order, as uuid v7 ids are.
      const createdAt = now - span + Math.floor((n / CONTACTS) * span);
      const id = v7({ msecs: createdAt });
      const interacted = random() < 0.6 ? createdAt + Math.floor(random() * (now - createdAt)) : null;
      rows.push({
        id,
        first_name: person.firstName,
        last_name: random() < 0.9 ? person.lastName : null,
        email: person.email,
        phone: person.phone,
        country: person.country,
        country_source: person.phone ? 'phone' : 'manual',
        language: person.language,
        assignee_id: random() < 0.3 ? assignees[Math.floor(random() * assignees.length)] : null,
        custom_fields: demoCustomValues(random),
        blocked_at: random() < 0.005 ? new Date(now).toISOString() : null,
        last_interaction_at: interacted ? new Date(interacted).toISOString() : null,
        created_at: new Date(createdAt).toISOString(),
      });
      for (const tag of demoTagsFor(random)) tagRows.push({ contact_id: id, tag_id: tagIds.get(tag) });
    }
    // One JSON parameter per batch: fast on both engines, and no parameter-count limit.
    await db.execute(sql`
      insert into contacts (id, workspace_id, first_name, last_name, email, phone, country, country_source, language,
        assignee_id, custom_fields, blocked_at, last_interaction_at, created_at, updated_at)
      select r.id, ${ws.id}, r.first_name, r.last_name, r.email, r.phone, r.country, r.country_source, r.language,
        r.assignee_id, r.custom_fields, r.blocked_at, r.last_interaction_at, r.created_at, r.created_at
      from json_to_recordset(${JSON.stringify(rows)}::json) as r(id uuid, first_name text, last_name text, email text,
        phone text, country text, country_source text, language text, assignee_id uuid, custom_fields jsonb,
        blocked_at timestamptz, last_interaction_at timestamptz, created_at timestamptz)`);
    if (tagRows.length) {
      await db.execute(sql`
        insert into contact_tags (workspace_id, contact_id, tag_id)
        select ${ws.id}, r.contact_id, r.tag_id from json_to_recordset(${JSON.stringify(tagRows)}::json) as r(contact_id uuid, tag_id uuid)`);
    }
    const done = Math.min(CONTACTS, from + BATCH);
    if (done % 100_000 === 0 || done === CONTACTS) {
      console.log(`  ${done} contacts, ${Math.round(done / ((performance.now() - started) / 1000))}/s`);
    }
  }
  await db.execute(sql`analyze contacts`);
  await db.execute(sql`analyze contact_tags`);

  const manifest = { ownerEmail: owner.email, managerEmail: manager.email, password: PASSWORD, workspaceId: ws.id, contacts: CONTACTS, engine: server.database.engine };
  mkdirSync(path.dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  await server.close();
  console.log(`done in ${Math.round((performance.now() - started) / 1000)} s; manifest ${manifestPath}`);
  console.log(`log in as ${owner.email} / ${PASSWORD}`);
}

await main();
