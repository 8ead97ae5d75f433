import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { type Database, openDatabase, wrapPglite } from '../../src/platform/db/client.js';


let pgliteTemplate: Promise<PGlite> | undefined;

/** A migrated PGlite made once per worker; each test app gets a clone of it (much faster than migrating). */
async function migratedPglite(): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const client = await PGlite.create({ extensions: { pg_trgm, unaccent } });
  const database = await wrapPglite(client);
  const { migrateDatabase } = await import('../../src/platform/db/client.js');
  await migrateDatabase(database);
  return client;
}

/**
 * A fresh, migrated, empty database for one test app: a PGlite clone by default, or a new
 * PostgreSQL database made from the run's migrated template when DATABASE_URL is set.
 */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    pgliteTemplate ??= migratedPglite();
    const clone = (await (await pgliteTemplate).clone()) as PGlite;
    return wrapPglite(clone);
  }
  const copy = await copyOfTemplate(url);
  const database = await openDatabase({ databaseUrl: copy.url });
  return {
    ...database,
    async close() {
      await database.close();
      await copy.drop();
    },
  };
}

/** A new PostgreSQL database on `url`'s server, made from the run's migrated template: its URL, and how to drop it. */
export async function copyOfTemplate(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const template = inject('templateDatabase');
  if (!template) throw new Error('the PostgreSQL template database was not prepared (globalSetup)');
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create database ${name} template ${template}`);
  return { url: withDatabase(url, name), drop: () => adminQuery(url, `drop database if exists ${name} with (force)`) };
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function adminQuery(url: string, query: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
