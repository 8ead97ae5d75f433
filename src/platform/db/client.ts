import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgDialect, PgQueryResultHKT, PgSession } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Engine = 'pglite' | 'postgres';

export type Database = {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
};

const here = path.dirname(fileURLToPath(import.meta.url));
/** Beside this file when run from source; from the bundle in dist/, the source tree's folder. */
export const migrationsFolder = [path.join(here, 'migrations'), path.join(here, '../src/platform/db/migrations')].find((folder) =>
  fs.existsSync(folder),
)!;

/** PostgreSQL server when a URL is given, otherwise embedded PGlite under `dataDir` (or in memory). */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string }): Promise<Database> {
  const database = options.databaseUrl
    ? await openPostgres(options.databaseUrl)
    : await openPglite(options.dataDir);
  await migrateDatabase(database);
  return database;
}

async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  pool.on('error', () => {
    // An idle client losing its connection is reported by the next query; do not crash the process.
  });
  const db = drizzle(pool, { schema }) as unknown as Db;
  return { db, engine: 'postgres', close: () => pool.end() };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ? path.join(dataDir, 'pglite') : undefined, {
    extensions: { pg_trgm, unaccent },
  });
  return wrapPglite(client);
}

export async function wrapPglite(client: import('@electric-sql/pglite').PGlite): Promise<Database> {
  const { drizzle } = await import('drizzle-orm/pglite');
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, engine: 'pglite', close: () => client.close() };
}

/**
 * What drizzle-kit does not write: extensions, and immutable wrappers that indexes can use
 * (unaccent() itself is only STABLE). Idempotent, run before the migrations.
 */
const bootstrapSql = [
  'create extension if not exists pg_trgm',
  'create extension if not exists unaccent',
  `create or replace function immutable_unaccent(text) returns text
     language sql immutable parallel safe strict
     as $$ select public.unaccent('public.unaccent'::regdictionary, $1) $$`,
];

export async function migrateDatabase(database: Database): Promise<void> {
  const { sql } = await import('drizzle-orm');
  for (const statement of bootstrapSql) await database.db.execute(sql.raw(statement));
  const config = { migrationsFolder, migrationsSchema: 'public', migrationsTable: '__migrations' };
  if (database.engine === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(database.db as never, config);
  } else {
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    // Several instances may start at once: one migrates, the others wait for it.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727274)`);
      await run(tx as never, config);
    });
  }
}

/** Rows of a raw `db.execute`: both drivers answer `{ rows }`, but the shared type does not say so. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * A raw statement run as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call (measured: planning the blocked-inbound insert took as long
 * as running it). The text must be the same on every call with that name; values go in as
 * parameters. PGlite runs it as an ordinary statement.
 */
export function executePrepared(db: Db, name: string, query: SQL): Promise<unknown> {
  const { dialect, session } = db as unknown as { dialect: PgDialect; session: PgSession };
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}
