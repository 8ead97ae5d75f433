import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINGERPRINT_SWEEP_EVERY_MS, FINGERPRINT_SWEEP_JOB } from '../../src/blocking/spam.service.js';
import { fixedClock } from '../../src/platform/clock.js';
import { jobs, spamFingerprints } from '../../src/platform/db/schema.js';
import { newId } from '../../src/platform/ids.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-05-04T09:00:00Z'));
const HOUR = 3_600_000;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
  // Jobs run when a test drains the queue, at the moment its clock says.
  await t.services.jobs.stop();
});
afterAll(async () => {
  await t?.close();
});

const fingerprintTimes = async (workspaceId: string) =>
  (
    await t.database.db
      .select({ createdAt: spamFingerprints.createdAt })
      .from(spamFingerprints)
      .where(eq(spamFingerprints.workspaceId, workspaceId))
      .orderBy(asc(spamFingerprints.createdAt))
  ).map((row) => row.createdAt.toISOString());

const lastSweep = async () => {
  const [done] = await t.database.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.type, FINGERPRINT_SWEEP_JOB), eq(jobs.status, 'done')))
    .orderBy(desc(jobs.finishedAt))
    .limit(1);
  return done;
};

const nextSweepAt = async () => {
  const queued = await t.database.db
    .select({ runAt: jobs.runAt })
    .from(jobs)
    .where(and(eq(jobs.type, FINGERPRINT_SWEEP_JOB), eq(jobs.status, 'queued')));
  return queued.map((row) => row.runAt.toISOString());
};

/** Fingerprints as the repeated-text signal writes them, `count` distinct contacts at `at`. */
async function insertFingerprints(workspaceId: string, count: number, at: Date) {
  await t.database.db.execute(sql`
    insert into spam_fingerprints (workspace_id, fingerprint, contact_id, created_at)
    select ${workspaceId}::uuid, 'text-' || n, gen_random_uuid(), ${at.toISOString()}::timestamptz from generate_series(1, ${count}) n`);
}

describe('the sweep of repeated-text fingerprints', () => {
  it('deletes those the signal window has passed and keeps recent ones; recent repeats still raise the signal after it', async () => {
    await t.services.jobs.drain();
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    await t.request('PATCH', '/api/v1/spam/settings', {
      token: ws.owner.token,
      body: { repeatedTextContacts: 3, channels: { [channel.id]: { action: 'block', threshold: 60 } } },
    });
    const text = 'Congratulations! You won a FREE cruise, reply YES to claim';
    const decisions = async () => (await t.request('GET', '/api/v1/spam/decisions', { token: ws.owner.token })).data.items as any[];

    clock.advance(1000);
    const early = clock.now().toISOString();
    await sendInbound(t, channel.id, { identifier: 'early-1', text });
    await sendInbound(t, channel.id, { identifier: 'early-2', text });
    clock.advance(HOUR + 60_000);
    const recent = clock.now().toISOString();
    await sendInbound(t, channel.id, { identifier: 'recent-1', text });
    expect(await fingerprintTimes(ws.id)).toEqual([early, early, recent]);

    await t.services.jobs.drain();
    expect(await fingerprintTimes(ws.id)).toEqual([recent]);
    expect((await lastSweep())?.result).toEqual({ deleted: 2 });
    expect(await nextSweepAt()).toEqual([new Date(clock.now().getTime() + FINGERPRINT_SWEEP_EVERY_MS).toISOString()]);

    clock.advance(60_000);
    await sendInbound(t, channel.id, { identifier: 'recent-2', text });
    expect(await decisions()).toEqual([]);
    clock.advance(60_000);
    await sendInbound(t, channel.id, { identifier: 'recent-3', text });
    expect((await decisions()).map((d) => d.reasons)).toEqual([[{ signal: 'repeated_text', weight: 60, contacts: 3, limit: 3, windowSeconds: 3600 }]]);
  });

  it('runs again each interval, not before, and clears a large backlog in batches', async () => {
    const workspaceId = newId();
    await t.services.jobs.drain();
    const recent = new Date(clock.now().getTime() - HOUR / 2);
    await insertFingerprints(workspaceId, 2500, new Date(clock.now().getTime() - 2 * HOUR));
    await insertFingerprints(workspaceId, 3, recent);
    const before = await lastSweep();

    await t.services.jobs.drain();
    expect((await lastSweep())?.id).toBe(before?.id);
    expect(await fingerprintTimes(workspaceId)).toHaveLength(2503);

    clock.advance(FINGERPRINT_SWEEP_EVERY_MS);
    await t.services.jobs.drain();
    expect((await lastSweep())?.result).toEqual({ deleted: 2500 });
    expect(await fingerprintTimes(workspaceId)).toEqual(Array(3).fill(recent.toISOString()));
  });
});
