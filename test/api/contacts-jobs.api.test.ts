import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_JOB, IMPORT_JOB } from '../../src/contacts/contact-transfers.js';
import { fixedClock } from '../../src/platform/clock.js';
import type { JobContext, JobHandler } from '../../src/platform/jobs.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connect } from '../helpers/websocket.js';
import { allPages, contactFixtures, createContact, finishedJob } from './contacts.fixtures.js';

let t: TestApp;
let fixtures: ReturnType<typeof contactFixtures>;
const clock = fixedClock(new Date());
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-contacts-jobs-'));

beforeAll(async () => {
  t = await createTestApp({ clock, env: { DATA_DIR: dataDir } });
  // Jobs run when a test drains the queue, so each test sees a settled state.
  await t.services.jobs.stop();
  fixtures = contactFixtures(t);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

const firstNames = async (ws: Workspace, query = '') =>
  (await allPages(t, ws.owner.token, `/api/v1/contacts?sort=name&limit=200${query}`)).map((c) => `${c.firstName} ${c.lastName ?? ''}`.trim());

async function bulk(ws: Workspace, body: Record<string, unknown>, token = ws.owner.token) {
  const response = await t.request('POST', '/api/v1/contacts/bulk', { token, body });
  expect(response.statusCode, response.body).toBe(202);
  expect(response.data.job).toMatchObject({ status: 'queued' });
  return finishedJob(t, token, response.data.job.id);
}

function csvBody(text: string, mapping?: Record<string, string>) {
  const query = mapping ? `?mapping=${encodeURIComponent(JSON.stringify(mapping))}` : '';
  return { url: `/api/v1/contacts/import${query}`, body: text, headers: { 'content-type': 'text/csv' } };
}

function multipartBody(csv: string, fields: Record<string, string> = {}) {
  const boundary = `----switchboard${Date.now()}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="contacts.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('bulk actions', () => {
  it('tag the chosen contacts, creating new tags, in a job that reports its progress', async () => {
    const ws = await t.createWorkspace();
    const anna = await createContact(t, ws.owner.token, { firstName: 'Anna' });
    const bruno = await createContact(t, ws.owner.token, { firstName: 'Bruno', tags: ['VIP'] });
    await createContact(t, ws.owner.token, { firstName: 'Chloé' });
    const job = await bulk(ws, { action: 'tag', contactIds: [anna.id, bruno.id], tags: ['VIP', 'Spring sale'] }, ws.manager.token);
    expect(job).toMatchObject({ status: 'done', progress: 2, total: 2, result: { action: 'tag', processed: 2 } });
    expect(await firstNames(ws, '&tag=Spring%20sale&tag=vip')).toEqual(['Anna', 'Bruno']);
  });

  it('untag everything a filter selects, keeping the tag in the workspace', async () => {
    const ws = await t.createWorkspace();
    await createContact(t, ws.owner.token, { firstName: 'Anna', tags: ['Lead', 'VIP'] });
    await createContact(t, ws.owner.token, { firstName: 'Bruno', tags: ['Lead'] });
    await createContact(t, ws.owner.token, { firstName: 'Chloé', tags: ['Lead'] });
    const job = await bulk(ws, { action: 'untag', filter: { tag: 'Lead', q: 'an' }, tags: ['lead'] });
    expect(job).toMatchObject({ status: 'done', progress: 1, total: 1 });
    expect(await firstNames(ws, '&tag=Lead')).toEqual(['Bruno', 'Chloé']);
    const tags = await t.request('GET', '/api/v1/tags', { token: ws.owner.token });
    expect(tags.data.items.map((tag: { name: string }) => tag.name)).toEqual(['Lead', 'VIP']);
  });

  it('delete what a filter selects, with their conversations, and nothing of another workspace', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const lead = await createContact(t, ws.owner.token, { firstName: 'Anna', tags: ['Lead'] });
    await fixtures.conversation(ws.id, lead.id, 'open');
    await createContact(t, ws.owner.token, { firstName: 'Bruno' });
    const blockedLead = await createContact(t, ws.owner.token, { firstName: 'Spammer', tags: ['Lead'] });
    await fixtures.block(blockedLead.id);
    const theirs = await createContact(t, other.owner.token, { firstName: 'Theirs', tags: ['Lead'] });

    const job = await bulk(ws, { action: 'delete', filter: { tag: 'Lead' } });
    expect(job).toMatchObject({ status: 'done', total: 1, result: { action: 'delete', processed: 1 } });
    expect(await firstNames(ws)).toEqual(['Bruno']);
    expect(await firstNames(ws, '&segment=blocked')).toEqual(['Spammer']);
    expect(await fixtures.count('conversations', ws.id)).toBe(0);

    const foreign = await bulk(ws, { action: 'delete', contactIds: [theirs.id] });
    expect(foreign).toMatchObject({ status: 'done', total: 0 });
    expect((await t.request('GET', `/api/v1/contacts/${theirs.id}`, { token: other.owner.token })).statusCode).toBe(200);
  });

  it('"delete all" deletes every contact of the workspace, blocked ones too, in batches', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    await fixtures.many(ws.id, 2300, 'Bulk');
    await fixtures.many(other.id, 3, 'Kept');
    const spammer = await createContact(t, ws.owner.token, { firstName: 'Spammer' });
    await fixtures.block(spammer.id);
    const job = await bulk(ws, { action: 'delete', all: true });
    expect(job).toMatchObject({ status: 'done', progress: 2301, total: 2301, result: { processed: 2301 } });
    expect(await fixtures.count('contacts', ws.id)).toBe(0);
    expect(await fixtures.count('contacts', other.id)).toBe(3);
  });

  it('announce deleted contacts with their ids, for the domains that keep files of them', async () => {
    const ws = await t.createWorkspace();
    const contacts = [await createContact(t, ws.owner.token, { firstName: 'A' }), await createContact(t, ws.owner.token, { firstName: 'B' })];
    const address = await t.server.listen();
    const live = await connect(address, ws.owner.token);
    try {
      await bulk(ws, { action: 'delete', contactIds: contacts.map((c) => c.id) });
      const event = await live.next('contacts.deleted');
      expect([...event.contactIds].sort()).toEqual(contacts.map((c) => c.id).sort());
    } finally {
      live.close();
    }
  });

  it.each([
    [{ action: 'delete' }, 400, 'invalid_field'],
    [{ action: 'delete', all: true, filter: {} }, 400, 'invalid_field'],
    [{ action: 'tag', all: true }, 400, 'invalid_field'],
    [{ action: 'delete', filter: { 'cf.nope': 1 } }, 400, 'invalid_field'],
    [{ action: 'archive', all: true }, 400, 'invalid_field'],
  ])('refuse %j', async (body, status, code) => {
    const ws = await t.createWorkspace();
    await createContact(t, ws.owner.token, { firstName: 'Anna' });
    const response = await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body });
    expect(response.statusCode).toBe(status);
    expect(response.data.error.code).toBe(code);
    expect(await fixtures.count('contacts', ws.id)).toBe(1);
  });

  it('are for owners and managers only', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('POST', '/api/v1/contacts/bulk', { token: ws.agent.token, body: { action: 'delete', all: true } });
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('forbidden');
  });
});

describe('CSV export', () => {
  it('streams the contacts of a filter, with tags and custom fields', async () => {
    const ws = await t.createWorkspace();
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    await createContact(t, ws.owner.token, { firstName: 'Zoë', lastName: 'Ωμέγα', phone: '+33612345678', tags: ['VIP', 'Lead'], customFields: { plan: 'Pro' } });
    await createContact(t, ws.owner.token, { firstName: '=HYPERLINK("x")', tags: ['VIP'] });
    await createContact(t, ws.owner.token, { firstName: 'Other' });

    const response = await t.request('GET', '/api/v1/contacts/export.csv?tag=VIP', { token: ws.manager.token });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.body.startsWith('\ufeff')).toBe(true);
    const rows = parse(response.body, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.firstName).sort()).toEqual(["'=HYPERLINK(\"x\")", 'Zoë']);
    expect(rows.find((r) => r.firstName === 'Zoë')).toMatchObject({
      lastName: 'Ωμέγα',
      phone: '+33612345678',
      country: 'FR',
      tags: 'Lead; VIP',
      blocked: 'false',
      'cf.plan': 'Pro',
    });
    expect((await t.request('GET', '/api/v1/contacts/export.csv', { token: ws.agent.token })).statusCode).toBe(403);
  });

  it('as a bulk job writes a file that only its workspace can download', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    await fixtures.many(ws.id, 1200, 'Export');
    const job = await bulk(ws, { action: 'export', filter: { q: 'export' } });
    expect(job).toMatchObject({ status: 'done', total: 1200, result: { rows: 1200 } });
    const download = await t.request('GET', job.result.downloadUrl, { token: ws.owner.token });
    expect(download.statusCode).toBe(200);
    const rows = parse(download.body, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1200);
    expect(new Set(rows.map((r) => r.id)).size).toBe(1200);
    expect((await t.request('GET', job.result.downloadUrl, { token: other.owner.token })).statusCode).toBe(404);
  });
});

describe('CSV import', () => {
  const csv = [
    'Vorname,Nachname,E-Mail,Telefon,Plan,Labels,Notes',
    'Anna,Schmidt,Anna@Example.com,+49 151 12345678,pro,Lead;Newsletter,first',
    'Bruno,Bad Phone,,12,,,',
    'Chloé,,not-an-email,,,,',
    ',,,,,,only a note',
    'Dmitri,Иванов,,+7 912 345-67-89,Gold,,',
    '"Émile","Multi ""quoted""",emile@example.fr,,free,Lead,"a, b"',
  ].join('\n');
  const mapping = { Vorname: 'firstName', Nachname: 'lastName', 'E-Mail': 'email', Telefon: 'phone', Plan: 'cf.plan', Labels: 'tags' };

  async function planField(ws: Workspace) {
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free', 'Pro'] } });
  }

  it('imports the good rows and reports each refused row with its number and reason', async () => {
    const ws = await t.createWorkspace();
    await planField(ws);
    const request = csvBody(csv, mapping);
    const response = await t.request('POST', request.url, { token: ws.manager.token, body: request.body, headers: request.headers });
    expect(response.statusCode, response.body).toBe(202);
    const job = await finishedJob(t, ws.manager.token, response.data.job.id);
    expect(job).toMatchObject({ status: 'done', total: 6, progress: 6 });
    expect(job.result).toEqual({
      imported: 2,
      refusedCount: 4,
      refused: [
        { row: 3, reason: 'phone: not a valid phone number: write it with its country code, e.g. +4915112345678' },
        { row: 4, reason: 'email: not a valid email address' },
        { row: 5, reason: 'no name, email or phone' },
        { row: 6, reason: 'customFields.plan: must be one of: Free, Pro' },
      ],
    });
    const contacts = await allPages(t, ws.owner.token, '/api/v1/contacts?sort=name');
    expect(contacts.map((c) => [c.firstName, c.lastName, c.email, c.phone, c.country, c.tags, c.customFields])).toEqual([
      ['Anna', 'Schmidt', 'anna@example.com', '+4915112345678', 'DE', ['Lead', 'Newsletter'], { plan: 'Pro' }],
      ['Émile', 'Multi "quoted"', 'emile@example.fr', null, null, ['Lead'], { plan: 'Free' }],
    ]);
  });

  it('takes a multipart upload; without a mapping, columns named like fields import (an export imports back)', async () => {
    const ws = await t.createWorkspace();
    await planField(ws);
    await createContact(t, ws.owner.token, { firstName: 'Zoë', phone: '+33612345678', tags: ['VIP'], customFields: { plan: 'Pro' } });
    const exported = await t.request('GET', '/api/v1/contacts/export.csv', { token: ws.owner.token });
    const target = await t.createWorkspace();
    await planField(target);
    const upload = multipartBody(exported.body);
    const response = await t.request('POST', '/api/v1/contacts/import', { token: target.owner.token, body: upload.body, headers: upload.headers });
    expect(response.statusCode, response.body).toBe(202);
    const job = await finishedJob(t, target.owner.token, response.data.job.id);
    expect(job.result).toMatchObject({ imported: 1, refusedCount: 0 });
    const [copy] = await allPages(t, target.owner.token, '/api/v1/contacts');
    expect(copy).toMatchObject({ firstName: 'Zoë', phone: '+33612345678', country: 'FR', tags: ['VIP'], customFields: { plan: 'Pro' } });
  });

  it('accepts files larger than the JSON body limit, as multipart or as text/csv', async () => {
    const ws = await t.createWorkspace();
    const notes = 'x'.repeat(1200);
    const csvText = ['firstName,notes', ...Array.from({ length: 1000 }, (_, i) => `Big ${i},${notes}`)].join('\n');
    expect(csvText.length).toBeGreaterThan(1024 * 1024);
    const upload = multipartBody(csvText, { mapping: JSON.stringify({ firstName: 'firstName' }) });
    for (const request of [upload, { body: csvText, headers: { 'content-type': 'text/csv' } }]) {
      const response = await t.request('POST', '/api/v1/contacts/import', { token: ws.owner.token, body: request.body, headers: request.headers });
      expect(response.statusCode, response.body).toBe(202);
      expect((await finishedJob(t, ws.owner.token, response.data.job.id)).result).toMatchObject({ imported: 1000 });
    }
  });

  it.each([
    [{ Nope: 'firstName' }, 'mapping.Nope'],
    [{ Vorname: 'nickname' }, 'mapping.Vorname'],
    [{ Vorname: 'cf.unknown' }, 'mapping.Vorname'],
  ])('refuses the mapping %j before queueing anything', async (badMapping, field) => {
    const ws = await t.createWorkspace();
    const request = csvBody(csv, badMapping);
    const response = await t.request('POST', request.url, { token: ws.owner.token, body: request.body, headers: request.headers });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
    expect(fs.readdirSync(path.join(dataDir, 'imports', ws.id))).toEqual([]);
  });

  it('refuses a mapping that is not JSON, and agents', async () => {
    const ws = await t.createWorkspace();
    const notJson = await t.request('POST', '/api/v1/contacts/import?mapping=%7Bnope', { token: ws.owner.token, body: csv, headers: { 'content-type': 'text/csv' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.data.error.field).toBe('mapping');
    const agent = await t.request('POST', '/api/v1/contacts/import', { token: ws.agent.token, body: csv, headers: { 'content-type': 'text/csv' } });
    expect(agent.statusCode).toBe(403);
  });
});

describe('a job interrupted by a crash', () => {
  /**
   * The handler of `type`, made to die at its `nth` checkpoint: `throw` before saving it (the
   * batch is committed, its checkpoint is not: the worst moment), or `hang` there for good, as a
   * process that stopped would, so only lease expiry frees the job.
   */
  function dying(type: string, nth: number, how: 'throw' | 'hang') {
    const handler = t.services.contacts.jobHandlers[type as keyof typeof t.services.contacts.jobHandlers] as JobHandler;
    let reached: () => void = () => undefined;
    const died = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let calls = 0;
    t.services.jobs.register(type, (context: JobContext) =>
      handler({
        job: context.job,
        async checkpoint(update) {
          if (++calls === nth) {
            reached();
            if (how === 'throw') throw new Error('simulated crash');
            await new Promise(() => undefined);
          }
          await context.checkpoint(update);
        },
      }),
    );
    return { died, restore: () => t.services.jobs.register(type, handler) };
  }

  async function deleteLeads(ws: Workspace) {
    await fixtures.many(ws.id, 2500, 'Lead');
    await fixtures.many(ws.id, 40, 'Keep');
    const response = await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'delete', filter: { q: 'lead' } } });
    return response.data.job.id as string;
  }

  it.each(['throw', 'hang'] as const)('(%s) resumes from its checkpoint and ends as an uninterrupted bulk delete', async (how) => {
    const uninterrupted = await t.createWorkspace();
    const expected = await finishedJob(t, uninterrupted.owner.token, await deleteLeads(uninterrupted));

    const ws = await t.createWorkspace();
    // The second checkpoint comes after the first batch of 1000 is deleted.
    const crash = dying(BULK_JOB, 2, how);
    const jobId = await deleteLeads(ws);
    const firstRun = t.services.jobs.drain();
    await crash.died;
    if (how === 'throw') await firstRun;
    crash.restore();
    expect(await fixtures.count('contacts', ws.id)).toBe(2540 - 1000);
    const midway = await t.request('GET', `/api/v1/jobs/${jobId}`, { token: ws.owner.token });
    expect(midway.data.status).toBe(how === 'throw' ? 'queued' : 'running');

    // Past the retry backoff, or past the dead worker's lease.
    clock.advance(60_000);
    const job = await finishedJob(t, ws.owner.token, jobId);
    expect(job).toMatchObject({ status: 'done', progress: expected.progress, total: expected.total, result: expected.result });
    expect(await firstNames(ws)).toEqual(await firstNames(uninterrupted));
    expect(await fixtures.count('contacts', ws.id)).toBe(40);
  });

  it('an import resumed after its first batch imports each row once', async () => {
    const ws = await t.createWorkspace();
    const rows = Array.from({ length: 2200 }, (_, i) => `Person,${i + 1},person${i + 1}@example.com`);
    rows.splice(1500, 0, 'Broken,Row,not-an-email');
    const request = csvBody(['firstName,lastName,email', ...rows].join('\n'));
    const crash = dying(IMPORT_JOB, 2, 'throw');
    const response = await t.request('POST', request.url, { token: ws.owner.token, body: request.body, headers: request.headers });
    await t.services.jobs.drain();
    await crash.died;
    crash.restore();
    expect(await fixtures.count('contacts', ws.id)).toBe(1000);

    clock.advance(60_000);
    const job = await finishedJob(t, ws.owner.token, response.data.job.id);
    expect(job).toMatchObject({ status: 'done', total: 2201, progress: 2201 });
    expect(job.result).toEqual({ imported: 2200, refusedCount: 1, refused: [{ row: 1502, reason: 'email: not a valid email address' }] });
    expect(await fixtures.count('contacts', ws.id)).toBe(2200);
  });
});
