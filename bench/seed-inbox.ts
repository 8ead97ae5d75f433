/**
 * Fills a database with an inbox to measure: one workspace with users and teams, an API channel,
 * contacts (made here only when the workspace has none: bench/seed.ts owns contacts), one
 * conversation per contact and MESSAGES messages among them, written by SQL in batches.
 *
 *   DATABASE_URL=postgres://… MESSAGES=1000000 npx tsx bench/seed-inbox.ts
 *   DATA_DIR=/tmp/sb-bench MESSAGES=200000 npx tsx bench/seed-inbox.ts      (PGlite)
 *
 * Writes the workspace's logins and channel secret to $BENCH_MANIFEST (default
 * <DATA_DIR>/inbox-bench.json) for bench/inbox.bench.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/platform/db/client.js';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logging.js';
import { startServer } from '../src/server.js';

const MESSAGES = Number(process.env.MESSAGES ?? 200_000);
/** About 20 messages per conversation, as in a support inbox with returning customers. */
const PER_CONVERSATION = Number(process.env.PER_CONVERSATION ?? 20);
const CONVERSATIONS = Math.max(1, Math.round(MESSAGES / PER_CONVERSATION));
const USERS = 20;
const TEAMS = 5;
const BATCH = 20_000;
const PASSWORD = 'bench-password-123';

const config = loadConfig({ ...process.env, PORT: '0' }, []);
export const manifestPath = process.env.BENCH_MANIFEST ?? path.join(config.dataDir, 'inbox-bench.json');

// Support vocabulary in the demo's languages; `w<n>` words below make the long tail of rarer words.
const words = `order parcel delivery refund invoice payment account password help thanks hello please problem
  broken late shipping address change cancel subscription price discount coupon size colour return exchange
  bestellung paket lieferung rechnung zahlung konto passwort hilfe danke hallo bitte problem kaputt spät
  commande colis livraison remboursement facture paiement compte aide merci bonjour problème retard adresse
  pedido paquete entrega reembolso factura pago cuenta ayuda gracias hola problema tarde dirección cambio
  today tomorrow yesterday week month store app website email phone number card bank transfer status
  tracking label warehouse courier customer service agent manager urgent quickly again still never`
  .split(/\s+/)
  .filter(Boolean);

const firstNames = ['Emma', 'Lukas', 'Chloé', 'Sofía', 'Haruto', 'Oliver', 'Anna', 'Jörg', 'Marie', 'Mateo', 'Yuki', 'Noah', 'Léa', 'Ravi', 'Aiko', 'Ben'];
const lastNames = ['Johnson', 'Becker', 'Lefèvre', 'García', 'Sato', 'Smith', 'Schmidt', 'Weiß', 'Dubois', 'López', 'Tanaka', 'Müller', 'Martin', 'Patel'];
const languages = ['en', 'de', 'fr', 'es', 'ja', 'en', 'de', 'en'];

const textArray = (values: string[]) => sql.raw(`(array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]::text[])`);

async function main() {
  const started = performance.now();
  const server = await startServer(config, { logger: createLogger('warn') });
  const { db } = server.database;
  const { workspace, channels } = server.services;
  await server.services.jobs.stop();

  const { workspace: ws, owner } = await workspace.createWorkspaceWithOwner({
    workspaceName: `Inbox bench ${new Date().toISOString()}`,
    email: `owner-${Date.now()}@bench.test`,
    password: PASSWORD,
    name: 'Bench Owner',
  });
  const actor = { userId: owner.id, workspaceId: ws.id, role: 'owner' as const };
  const agents = [];
  for (let i = 0; i < USERS; i++) {
    agents.push(await workspace.createUser(actor, { email: `agent${i}-${Date.now()}@bench.test`, name: `Agent ${i}`, role: 'agent', password: PASSWORD }));
  }
  const teams = [];
  for (let i = 0; i < TEAMS; i++) {
    teams.push(await workspace.createTeam(actor, { name: `Team ${i}`, memberIds: agents.filter((_, n) => n % TEAMS === i).map((a) => a.id) }));
  }
  const secret = 'bench-secret-0123456789';
  const channel = await channels.create(actor, { type: 'api', name: 'Bench API', settings: { webhookUrl: 'http://127.0.0.1:9/bench', secret } });
  const userIds = sql.raw(`array[${agents.map((a) => `'${a.id}'`).join(',')}]::uuid[]`);
  const teamIds = sql.raw(`array[${teams.map((t) => `'${t.id}'`).join(',')}]::uuid[]`);

  console.log(`seeding ${CONVERSATIONS} contacts and conversations, ${MESSAGES} messages (${server.database.engine})`);
  for (let from = 1; from <= CONVERSATIONS; from += BATCH) {
    const to = Math.min(CONVERSATIONS, from + BATCH - 1);
    // Activity spread over 90 days; statuses, assignees and teams in realistic shares.
    await db.execute(sql`
      with new_contacts as (
        insert into contacts (id, workspace_id, first_name, last_name, email, phone, language, created_at, updated_at, last_interaction_at)
        select gen_random_uuid(), ${ws.id},
          (${textArray(firstNames)})[1 + (i * 7) % ${firstNames.length}],
          (${textArray(lastNames)})[1 + (i * 13) % ${lastNames.length}] || ' ' || i,
          'customer' || i || '@example.com',
          '+4915' || lpad(i::text, 9, '0'),
          (${textArray(languages)})[1 + i % ${languages.length}],
          now() - interval '1 year', now(), now()
        from generate_series(${from}::int, ${to}::int) i
        returning id, email, created_at
      ),
      new_identities as (
        insert into contact_channels (id, workspace_id, contact_id, channel_id, identifier, connected_at, last_inbound_at)
        select gen_random_uuid(), ${ws.id}, c.id, ${channel.id}, 'bench-' || c.email, c.created_at, now() - interval '1 day'
        from new_contacts c
      )
      insert into conversations (id, workspace_id, contact_id, status, snoozed_until, assignee_id, team_id,
        last_message_at, last_inbound_at, last_outbound_at, awaiting_reply_since, last_channel_id, opened_at, closed_at, created_at, updated_at)
      select gen_random_uuid(), ${ws.id}, c.id, s.status,
        case when s.status = 'snoozed' then now() + interval '1 day' end,
        case when r.a < 0.6 then (${userIds})[1 + floor(r.a * 1000)::int % ${USERS}] end,
        case when r.t < 0.3 then (${teamIds})[1 + floor(r.t * 1000)::int % ${TEAMS}] end,
        r.at, r.at, r.at - interval '1 hour',
        case when s.status = 'open' and r.a > 0.7 then r.at end,
        ${channel.id}::uuid,
        -- Made by its first message (the messages below are 7 minutes apart), closed a while after the last.
        r.at - ${PER_CONVERSATION - 1} * interval '7 minutes',
        case when s.status = 'closed' then r.at + r.t * interval '2 hours' end,
        r.at - ${PER_CONVERSATION - 1} * interval '7 minutes', r.at
      from new_contacts c
      cross join lateral (select random() as a, random() as t, now() - random() * interval '90 days' as at, random() as s where c.id is not null) r
      cross join lateral (select case when r.s < 0.6 then 'open' when r.s < 0.7 then 'snoozed' else 'closed' end as status) s`);
    process.stdout.write(`  conversations ${to}/${CONVERSATIONS}\r`);
  }

  const vocabulary = textArray(words);
  const conversationIds = rowsOf<{ id: string }>(
    await db.execute(sql`select id from conversations where workspace_id = ${ws.id} order by id`),
  ).map((r) => r.id);
  const perBatch = Math.max(1, Math.floor(BATCH / PER_CONVERSATION));
  let written = 0;
  for (let i = 0; i < conversationIds.length; i += perBatch) {
    const batch = conversationIds.slice(i, i + perBatch);
    const ids = sql.raw(`array[${batch.map((id) => `'${id}'`).join(',')}]::uuid[]`);
    // Each message: 5–20 words, common words often (power of random()), plus one word of a long tail.
    const result = await db.execute(sql`
      with generated as (
        select c.id as conversation_id, cc.channel_id, ct.language, n,
          c.last_message_at - (${PER_CONVERSATION} - n) * interval '7 minutes' as created_at,
          case when n % 2 = 0 then 'out' else 'in' end as direction,
          case when n % 17 = 0 then 'comment' else 'message' end as type,
          (select string_agg(${vocabulary}[1 + floor(power(random(), 2) * ${words.length})::int], ' ')
             from generate_series(1, 5 + (random() * 15)::int) w where n > 0)
            || ' w' || floor(power(random(), 3) * 50000)::int as text
        from conversations c
        join contacts ct on ct.id = c.contact_id
        join contact_channels cc on cc.contact_id = c.contact_id
        cross join generate_series(1, ${PER_CONVERSATION}) n
        where c.id = any(${ids})
      )
      insert into messages (id, workspace_id, conversation_id, channel_id, direction, type, text, status, author_id,
        provider_message_id, mentions, hidden, search_vector, created_at, updated_at)
      select gen_random_uuid(), ${ws.id}, g.conversation_id, case when g.type = 'message' then g.channel_id end, g.direction, g.type, g.text,
        case when g.direction = 'in' then 'received' else 'read' end,
        case when g.direction = 'out' then ${agents[0]!.id}::uuid end,
        case when g.direction = 'in' then 'p-' || g.conversation_id || '-' || g.n end,
        '[]'::jsonb, false,
        to_tsvector('simple', g.text) || to_tsvector(case g.language when 'en' then 'english' when 'de' then 'german'
          when 'fr' then 'french' when 'es' then 'spanish' else 'simple' end::regconfig, g.text),
        g.created_at, g.created_at
      from generated g`);
    written += (result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0;
    process.stdout.write(`  messages ${Math.min(i + perBatch, conversationIds.length) * PER_CONVERSATION}/${MESSAGES}\r`);
  }
  await db.execute(sql`analyze`);

  const manifest = {
    workspaceId: ws.id,
    password: PASSWORD,
    ownerEmail: owner.email,
    agentEmails: agents.map((a) => a.email),
    teamIds: teams.map((t) => t.id),
    channelId: channel.id,
    secret,
    conversations: CONVERSATIONS,
    messages: written || MESSAGES,
    engine: server.database.engine,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  await server.close();
  console.log(`\nseeded in ${Math.round((performance.now() - started) / 1000)} s; manifest ${manifestPath}`);
}

await main();
