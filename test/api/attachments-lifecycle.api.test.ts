import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { attachments, jobs } from '../../src/platform/db/schema.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, eventually, inboundConversation, startIntegration } from './inbox-fixtures.js';

const PUBLIC_URL = 'https://inbox.example.test';
const clock = fixedClock(new Date('2026-05-04T09:00:00Z'));
let t: TestApp;
let dataDir: string;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-attachments-'));
  t = await createTestApp({ clock, env: { DATA_DIR: dataDir, PUBLIC_URL } });
  // Queued jobs (file deletion, the sweep) run only when a test drains them.
  await t.services.jobs.stop();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
  await rm(dataDir, { recursive: true, force: true });
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

// The smallest valid PNG: a 1×1 transparent pixel.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const fileOnDisk = (workspaceId: string, attachmentId: string) =>
  access(path.join(dataDir, 'attachments', workspaceId, attachmentId)).then(
    () => true,
    () => false,
  );

const rowOf = async (attachmentId: string) => (await t.database.db.select().from(attachments).where(eq(attachments.id, attachmentId)))[0];

async function setUp() {
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws, integration.url);
  const conversation = await inboundConversation(t, ws, channel.id, { identifier: `contact-${t.unique()}`, name: 'Ana Lima' });
  return { ws, channel, conversation };
}

async function upload(ws: Workspace, fileName: string, content: Buffer) {
  const boundary = `----switchboard${t.unique()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await t.request('POST', '/api/v1/attachments', {
    token: ws.agent.token,
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  expect(response.statusCode).toBe(201);
  return response.data as { id: string; url: string };
}

const send = (ws: Workspace, conversationId: string, body: Record<string, unknown>) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body });

/** GET without any session, as the integration would. */
const fetchLink = (url: string) => t.app.inject({ method: 'GET', url: url.startsWith(PUBLIC_URL) ? url.slice(PUBLIC_URL.length) : url });

describe('files delivered with an API-channel reply', () => {
  it('reach the integration as signed links that serve the exact bytes without a session; a changed link is refused', async () => {
    const { ws, conversation } = await setUp();
    const pixel = await upload(ws, 'pixel.png', png);
    const report = Buffer.from('order,status\n4521,shipped\n');
    const csv = await upload(ws, 'report.csv', report);
    const reply = await send(ws, conversation.id, { type: 'reply', text: 'Here you go', attachmentIds: [pixel.id, csv.id] });
    expect(reply.statusCode).toBe(201);

    const delivery = await eventually(async () => integration.received.find((d) => d.json.message.id === reply.data.id));
    const delivered = delivery.json.message.attachments as Array<{ id: string; name: string; contentType: string; size: number; url: string }>;
    expect(delivered.map(({ url: _url, ...rest }) => rest).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { id: pixel.id, name: 'pixel.png', contentType: 'image/png', size: png.length },
      { id: csv.id, name: 'report.csv', contentType: 'text/plain', size: report.length },
    ]);
    const link = delivered.find((a) => a.id === pixel.id)!.url;
    expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/api/v1/attachments/${pixel.id}/download\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));

    const served = await fetchLink(link);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(png)).toBe(true);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    const csvServed = await fetchLink(delivered.find((a) => a.id === csv.id)!.url);
    expect(csvServed.rawPayload.equals(report)).toBe(true);
    expect(csvServed.headers['content-disposition']).toMatch(/^attachment; filename="report.csv"/);

    const url = new URL(link);
    const signature = url.searchParams.get('signature')!;
    const changed = (mutate: (u: URL) => void) => {
      const copy = new URL(link);
      mutate(copy);
      return copy.toString();
    };
    const refusedLinks = [
      changed((u) => u.searchParams.set('signature', `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`)),
      changed((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 86_400))),
      changed((u) => u.searchParams.delete('signature')),
      changed((u) => (u.search = '')),
      // The pixel's signature does not open the other file.
      changed((u) => (u.pathname = `/api/v1/attachments/${csv.id}/download`)),
      // Nor a file that does not exist: the same answer, so a link tells nothing about what exists.
      changed((u) => (u.pathname = '/api/v1/attachments/00000000-0000-7000-8000-000000000000/download')),
    ];
    for (const refusedLink of refusedLinks) {
      const refused = await fetchLink(refusedLink);
      expect({ link: refusedLink, status: refused.statusCode, code: JSON.parse(refused.body).error?.code }).toEqual({
        link: refusedLink,
        status: 403,
        code: 'invalid_link',
      });
      expect(refused.body).not.toContain('pixel');
    }
    // The plain download still needs a session.
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/attachments/${pixel.id}` })).statusCode).toBe(401);
  });

  it('a link works for 7 days, then is refused', async () => {
    const { ws, conversation } = await setUp();
    const pixel = await upload(ws, 'pixel.png', png);
    const reply = await send(ws, conversation.id, { type: 'reply', attachmentIds: [pixel.id] });
    const delivery = await eventually(async () => integration.received.find((d) => d.json.message.id === reply.data.id));
    const link = delivery.json.message.attachments[0].url as string;

    clock.advance(7 * 24 * 3600_000 - 60_000);
    expect((await fetchLink(link)).statusCode).toBe(200);
    clock.advance(60_000);
    const expired = await fetchLink(link);
    expect(expired.statusCode).toBe(403);
    expect(JSON.parse(expired.body).error.code).toBe('invalid_link');
  });
});

describe('uploads never sent', () => {
  it('are deleted, row and file, once a day old; recent and sent ones stay', async () => {
    const { ws, conversation } = await setUp();
    const old = await upload(ws, 'old.png', png);
    clock.advance(23 * 3600_000);
    const recent = await upload(ws, 'recent.png', png);
    const sentFile = await upload(ws, 'sent.png', png);
    await send(ws, conversation.id, { type: 'reply', text: 'attached', attachmentIds: [sentFile.id] });
    expect(await fileOnDisk(ws.id, old.id)).toBe(true);

    clock.advance(3600_000 + 60_000);
    await t.services.jobs.drain();
    expect(await rowOf(old.id)).toBeUndefined();
    expect(await fileOnDisk(ws.id, old.id)).toBe(false);
    expect((await t.request('GET', old.url, { token: ws.agent.token })).statusCode).toBe(404);
    const late = await send(ws, conversation.id, { type: 'reply', text: 'too late', attachmentIds: [old.id] });
    expect(late.statusCode).toBe(400);
    expect(late.data.error.code).toBe('unknown_attachment');

    for (const kept of [recent, sentFile]) {
      expect(await rowOf(kept.id)).toBeDefined();
      expect(await fileOnDisk(ws.id, kept.id)).toBe(true);
      // The uploader's: one not sent yet is no one else's to download.
      expect((await t.request('GET', kept.url, { token: ws.agent.token })).statusCode).toBe(200);
    }

    // A day after its upload, the recent one goes the same way; the sent one stays for good.
    clock.advance(23 * 3600_000);
    await t.services.jobs.drain();
    expect(await rowOf(recent.id)).toBeUndefined();
    expect(await fileOnDisk(ws.id, recent.id)).toBe(false);
    expect(await fileOnDisk(ws.id, sentFile.id)).toBe(true);
  });

  it('the sweep is one recurring job, however often the queue is started or drained', async () => {
    await t.services.jobs.drain();
    await t.services.jobs.drain();
    const sweeps = await t.database.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.type, 'attachments.sweep'), eq(jobs.status, 'queued')));
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]!.runAt.getTime()).toBeGreaterThan(clock.now().getTime());
  });
});

describe('deleting what files were sent with', () => {
  it('deleting a conversation deletes its files by a job queued with the deletion', async () => {
    const { ws, conversation } = await setUp();
    const pixel = await upload(ws, 'pixel.png', png);
    await send(ws, conversation.id, { type: 'reply', text: 'with a file', attachmentIds: [pixel.id] });
    const unsent = await upload(ws, 'draft.png', png);

    expect((await t.request('DELETE', `/api/v1/conversations/${conversation.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    expect(await rowOf(pixel.id)).toBeUndefined();
    // The file waits for the job; the job is in the database, so a crash now would not leave it behind.
    expect(await fileOnDisk(ws.id, pixel.id)).toBe(true);
    const queued = await t.database.db.select().from(jobs).where(and(eq(jobs.type, 'attachments.delete-files'), eq(jobs.status, 'queued')));
    expect(queued.some((job) => (job.payload.storageKeys as string[]).includes(`${ws.id}/${pixel.id}`))).toBe(true);

    await t.services.jobs.drain();
    expect(await fileOnDisk(ws.id, pixel.id)).toBe(false);
    // An upload not yet sent belongs to no conversation.
    expect(await fileOnDisk(ws.id, unsent.id)).toBe(true);
  });

  it('deleting a contact, alone or in bulk, deletes the files sent to it', async () => {
    const { ws, channel, conversation } = await setUp();
    const first = await upload(ws, 'one.png', png);
    await send(ws, conversation.id, { type: 'reply', attachmentIds: [first.id] });
    const other = await inboundConversation(t, ws, channel.id, { identifier: `bulk-${t.unique()}` });
    const second = await upload(ws, 'two.png', png);
    await send(ws, other.id, { type: 'reply', attachmentIds: [second.id] });

    expect((await t.request('DELETE', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token })).statusCode).toBe(204);
    const bulk = await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'delete', contactIds: [other.contactId] } });
    expect(bulk.statusCode).toBe(202);
    expect(await fileOnDisk(ws.id, first.id)).toBe(true);

    await t.services.jobs.drain();
    expect((await t.request('GET', `/api/v1/jobs/${bulk.data.job.id}`, { token: ws.owner.token })).data.status).toBe('done');
    for (const file of [first, second]) {
      expect(await rowOf(file.id)).toBeUndefined();
      expect(await fileOnDisk(ws.id, file.id)).toBe(false);
    }
  });

  it('a deletion rolled back deletes nothing: no row, no file, no job', async () => {
    const { ws, conversation } = await setUp();
    const pixel = await upload(ws, 'pixel.png', png);
    await send(ws, conversation.id, { type: 'reply', attachmentIds: [pixel.id] });
    const jobsBefore = (await t.database.db.select().from(jobs).where(eq(jobs.type, 'attachments.delete-files'))).length;

    await expect(
      t.database.db.transaction(async (tx) => {
        await t.services.attachments.discardOfConversation(tx, ws.id, conversation.id);
        throw new Error('the deletion failed');
      }),
    ).rejects.toThrow('the deletion failed');

    expect(await rowOf(pixel.id)).toBeDefined();
    expect((await t.database.db.select().from(jobs).where(eq(jobs.type, 'attachments.delete-files'))).length).toBe(jobsBefore);
    await t.services.jobs.drain();
    expect(await fileOnDisk(ws.id, pixel.id)).toBe(true);
    expect((await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items[0].attachments).toHaveLength(1);
  });
});
