import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/platform/db/client.js';
import type { TestProject } from 'vitest/node';
import { adminQuery, withDatabase } from './helpers/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/** On PostgreSQL, migrate one template database per run; each test app copies it. */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const name = `sb_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create database ${name}`);
  const database = await openDatabase({ databaseUrl: withDatabase(url, name) });
  await database.close();
  project.provide('templateDatabase', name);
  return async () => {
    await adminQuery(url, `drop database if exists ${name} with (force)`);
  };
}
