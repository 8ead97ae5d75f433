import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rowsOf } from '../../src/platform/db/client.js';
import { newId } from '../../src/platform/ids.js';
import type { TestApp } from '../helpers/app.js';

/**
 * Setup that belongs to other issues (connecting channels, receiving messages, blocking) written
 * straight to the database, so the Contacts tests do not depend on those modules.
 */
export function contactFixtures(t: TestApp) {
  const db = t.database.db;
  return {
    async channel(workspaceId: string, type: string, name = type): Promise<string> {
      const id = newId();
      await db.execute(sql`insert into channels (id, workspace_id, type, name) values (${id}, ${workspaceId}, ${type}, ${name})`);
      return id;
    },

    async identity(workspaceId: string, contactId: string, channelId: string, identifier: string, connectedAt = new Date()) {
      await db.execute(sql`insert into contact_channels (id, workspace_id, contact_id, channel_id, identifier, connected_at)
        values (${newId()}, ${workspaceId}, ${contactId}, ${channelId}, ${identifier}, ${connectedAt.toISOString()}::timestamptz)`);
    },

    async conversation(workspaceId: string, contactId: string, status: 'open' | 'snoozed' | 'closed'): Promise<string> {
      const id = newId();
      await db.execute(sql`insert into conversations (id, workspace_id, contact_id, status, last_message_at)
        values (${id}, ${workspaceId}, ${contactId}, ${status}, now())`);
      return id;
    },

    async block(contactId: string) {
      await db.execute(sql`update contacts set blocked_at = now() where id = ${contactId}`);
    },

    async lastInteraction(contactId: string, at: Date) {
      await db.execute(sql`update contacts set last_interaction_at = ${at.toISOString()}::timestamptz where id = ${contactId}`);
    },

    async count(table: 'contacts' | 'conversations' | 'contact_channels' | 'contact_tags', workspaceId: string): Promise<number> {
      const result = await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where workspace_id = ${workspaceId}`);
      return rowsOf<{ n: number }>(result)[0]!.n;
    },

    /** Many plain contacts at once, named `<prefix> <n>`. */
    async many(workspaceId: string, count: number, prefix: string) {
      await db.execute(sql`insert into contacts (id, workspace_id, first_name, last_name)
        select gen_random_uuid(), ${workspaceId}, ${prefix}, i::text from generate_series(1, ${count}) as i`);
    },
  };
}

/** Creates a contact through the API and answers it. */
export async function createContact(t: TestApp, token: string, body: Record<string, unknown>) {
  const response = await t.request('POST', '/api/v1/contacts', { token, body });
  expect(response.statusCode, response.body).toBe(201);
  return response.data;
}

/** Runs the queue until idle (the test apps stop its timer) and answers the job as the API shows it. */
export async function finishedJob(t: TestApp, token: string, jobId: string) {
  await t.services.jobs.drain();
  const response = await t.request('GET', `/api/v1/jobs/${jobId}`, { token });
  expect(response.statusCode).toBe(200);
  return response.data;
}

/** Waits until the job the running queue works on has finished (done or failed), and answers it as the API shows it. */
export async function settledJob(t: TestApp, token: string, jobId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await t.request('GET', `/api/v1/jobs/${jobId}`, { token })).data;
    if (job.status === 'done' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every item of a list, following nextCursor. */
export async function allPages(t: TestApp, token: string, url: string): Promise<any[]> {
  const items: any[] = [];
  let next: string | null = url;
  while (next) {
    const response = await t.request('GET', next, { token });
    expect(response.statusCode, response.body).toBe(200);
    items.push(...response.data.items);
    next = response.data.nextCursor ? `${url}${url.includes('?') ? '&' : '?'}cursor=${response.data.nextCursor}` : null;
  }
  return items;
}
