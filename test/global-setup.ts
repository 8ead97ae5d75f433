import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/platform/db/client.js';
import type { TestProject } from 'vitest/node';
import { adminQuery, withDatabase } from './helpers/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    webDistDir: string;
  }
}

/**
 * Per run: where the browser tests build the web app (the first one builds it, see
 * helpers/browser.ts), and on PostgreSQL one migrated template database that each test app copies.
 */
export default async function setup(project: TestProject) {
  const webDistDir = path.join(os.tmpdir(), `switchboard-test-web-${randomBytes(6).toString('hex')}`);
  project.provide('webDistDir', webDistDir);
  const removeWeb = () => {
    fs.rmSync(webDistDir, { recursive: true, force: true });
    fs.rmSync(`${webDistDir}.lock`, { recursive: true, force: true });
  };
  const url = process.env.DATABASE_URL;
  if (!url) return removeWeb;
  const name = `sb_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create database ${name}`);
  const database = await openDatabase({ databaseUrl: withDatabase(url, name) });
  await database.close();
  project.provide('templateDatabase', name);
  return async () => {
    removeWeb();
    await adminQuery(url, `drop database if exists ${name} with (force)`);
  };
}
