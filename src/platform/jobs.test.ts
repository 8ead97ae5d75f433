import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { createLocalBus } from './bus.js';
import { fixedClock } from './clock.js';
import type { Database } from './db/client.js';
import { jobs } from './db/schema.js';
import { createJobQueue, FINISHED_JOBS_KEPT_MS, type JobHandler, RetryLater } from './jobs.js';
import { createLogger } from './logging.js';

let database: Database | undefined;
// The first database of a worker is migrated from scratch: that takes the hook's time, not the first test's.
beforeAll(async () => {
  await (await createTestDatabase()).close();
});
afterEach(async () => {
  await database?.close();
  database = undefined;
});

async function queueWith(handler: JobHandler, clock = fixedClock(new Date('2026-05-01T00:00:00Z'))) {
  database ??= await createTestDatabase();
  const queue = createJobQueue({ db: database.db, clock, bus: createLocalBus(), logger: createLogger('silent') });
  queue.register('count', handler);
  return { queue, clock };
}

/** Counts to `payload.to` in steps, checkpointing after each, and records every step it ran. */
function countingHandler(ran: number[], crashAt?: number): JobHandler {
  return async ({ job, checkpoint }) => {
    const to = job.payload.to as number;
    for (let next = (job.payload.next as number | undefined) ?? 0; next < to; next++) {
      if (next === crashAt) throw new Error('worker died');
      ran.push(next);
      await checkpoint({ state: { next: next + 1 }, progress: next + 1, total: to });
    }
    return { counted: to };
  };
}

describe('the job queue', () => {
  it('runs a job to done with its progress and result', async () => {
    const ran: number[] = [];
    const { queue } = await queueWith(countingHandler(ran));
    const job = await queue.enqueue({ type: 'count', workspaceId: null, payload: { to: 3 } });
    await queue.drain();
    const done = await database!.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(done).toMatchObject({ status: 'done', progress: 3, total: 3, result: { counted: 3 } });
    expect(ran).toEqual([0, 1, 2]);
  });

  it('a job that failed part-way resumes from its checkpoint, never redoing a finished step', async () => {
    const ran: number[] = [];
    let crash: number | undefined = 2;
    const { queue, clock } = await queueWith(async (context) => {
      const handler = countingHandler(ran, crash);
      crash = undefined;
      return handler(context);
    });
    const job = await queue.enqueue({ type: 'count', payload: { to: 5 } });
    await queue.drain();
    expect(ran).toEqual([0, 1]);
    clock.advance(60_000);
    await queue.drain();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    const done = await database!.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(done).toMatchObject({ status: 'done', attempts: 2, progress: 5 });
  });

  it('a job whose worker vanished is claimed again once its lease runs out', async () => {
    const ran: number[] = [];
    const { queue, clock } = await queueWith(countingHandler(ran));
    const job = await queue.enqueue({ type: 'count', payload: { to: 2 } });
    // A worker claimed it and died before finishing: running, with a lease.
    await database!.db
      .update(jobs)
      .set({ status: 'running', lockedBy: 'dead-worker', lockedUntil: new Date('2026-05-01T00:00:30Z') })
      .where(eq(jobs.id, job.id));
    await queue.drain();
    expect(ran).toEqual([]);
    clock.advance(31_000);
    await queue.drain();
    expect(ran).toEqual([0, 1]);
  });

  it('a handler told to retry later (a provider’s retry_after) waits at least that long, longer than the backoff', async () => {
    let runs = 0;
    const { queue, clock } = await queueWith(async () => {
      runs++;
      if (runs === 1) throw new RetryLater('Too Many Requests: retry after 90', 90_000);
    });
    const job = await queue.enqueue({ type: 'count', payload: {} });
    await queue.drain();
    const waiting = await database!.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(waiting).toMatchObject({ status: 'queued', error: 'Too Many Requests: retry after 90', runAt: new Date(clock.now().getTime() + 90_000) });
    clock.advance(89_000);
    await queue.drain();
    expect(runs).toBe(1);
    clock.advance(1_000);
    await queue.drain();
    expect(runs).toBe(2);
  });

  it('gives up after its last attempt and keeps the reason', async () => {
    const { queue, clock } = await queueWith(async () => {
      throw new Error('provider is down');
    });
    const job = await queue.enqueue({ type: 'count', payload: {}, maxAttempts: 2 });
    await queue.drain();
    clock.advance(120_000);
    await queue.drain();
    const failed = await database!.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: 'provider is down' });
  });

  it('two workers never run the same job', async () => {
    const ran: number[] = [];
    const { queue } = await queueWith(countingHandler(ran));
    const second = createJobQueue({
      db: database!.db,
      clock: fixedClock(new Date('2026-05-01T00:00:00Z')),
      bus: createLocalBus(),
      logger: createLogger('silent'),
    });
    second.register('count', countingHandler(ran));
    for (let i = 0; i < 5; i++) await queue.enqueue({ type: 'count', payload: { to: 1 } });
    await Promise.all([queue.drain(), second.drain()]);
    expect(ran).toEqual([0, 0, 0, 0, 0]);
  });

  it('stop() waits for a job being claimed as for one running: nothing touches the database after it', async () => {
    const events: string[] = [];
    const { queue } = await queueWith(async () => {
      events.push('handler started');
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push('handler finished');
    });
    const job = await queue.enqueue({ type: 'count', payload: {} });
    queue.start(); // its first claim is now on its way to the database
    await queue.stop();
    events.push('stopped');
    // Whatever the claim found, a late handler or status update would land here, after stop().
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual(['handler started', 'handler finished', 'stopped']);
    const row = await database!.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(row?.status).toBe('done');
  });

  it('a job whose failure cannot be recorded is logged, and the worker goes on', async () => {
    const logged: string[] = [];
    database ??= await createTestDatabase();
    const db = database.db;
    let failUpdates = true;
    // A database that answers claims but refuses the update recording the failure, as when it goes away.
    const flaky = new Proxy(db, {
      get(target, property, receiver) {
        if (property === 'update' && failUpdates) {
          return () => {
            failUpdates = false;
            throw new Error('connection lost');
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const logger = createLogger('silent');
    logger.error = ((object: { err?: unknown }, message: string) => {
      logged.push(`${message}: ${(object.err as Error)?.message ?? object.err}`);
    }) as typeof logger.error;
    const queue = createJobQueue({ db: flaky, clock: fixedClock(new Date('2026-05-01T00:00:00Z')), bus: createLocalBus(), logger });
    queue.register('count', async () => {
      throw new Error('provider is down');
    });
    await queue.enqueue({ type: 'count', payload: {} });
    queue.start();
    await vi.waitFor(() => expect(logged).toEqual(['job not recorded: connection lost']));
    await queue.stop();
  });

  it('a job queued in a transaction exists only if the transaction commits', async () => {
    const ran: number[] = [];
    const { queue } = await queueWith(countingHandler(ran));
    await expect(
      database!.db.transaction(async (tx) => {
        await queue.enqueue({ type: 'count', payload: { to: 1 } }, tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await queue.drain();
    expect(ran).toEqual([]);
    await database!.db.transaction(async (tx) => {
      await queue.enqueue({ type: 'count', payload: { to: 2 } }, tx);
    });
    await queue.drain();
    expect(ran).toEqual([0, 1]);
  });

  it('a recurring job runs once per interval, also after a failed run, and two queues keep one schedule', async () => {
    const clock = fixedClock(new Date('2026-05-01T00:00:00Z'));
    database ??= await createTestDatabase();
    const runs: string[] = [];
    const queues = ['a', 'b'].map((name) => {
      const queue = createJobQueue({ db: database!.db, clock, bus: createLocalBus(), logger: createLogger('silent') });
      queue.every('sweep', 3600_000, async () => {
        runs.push(name);
        if (runs.length === 2) throw new Error('disk busy');
      });
      return queue;
    });
    const drainBoth = () => Promise.all(queues.map((queue) => queue.drain()));
    const queued = async () => (await database!.db.select().from(jobs).where(eq(jobs.type, 'sweep'))).filter((job) => job.status === 'queued');

    await drainBoth();
    expect(runs).toHaveLength(0);
    expect(await queued()).toHaveLength(1);
    for (let hour = 1; hour <= 3; hour++) {
      clock.advance(3600_000);
      await drainBoth();
      expect(runs).toHaveLength(hour);
      expect(await queued()).toHaveLength(1);
    }
  });

  it('finished jobs are kept a week, then pruned; queued and running ones never', async () => {
    const clock = fixedClock(new Date('2026-06-01T00:00:00Z'));
    database ??= await createTestDatabase();
    const queue = createJobQueue({ db: database.db, clock, bus: createLocalBus(), logger: createLogger('silent') });
    queue.register('noop', async () => undefined);
    const finished = await queue.enqueue({ type: 'noop' });
    await queue.drain();
    const waiting = await queue.enqueue({ type: 'noop', runAt: new Date('2026-07-01T00:00:00Z') });
    const exists = async (id: string) => (await database!.db.select().from(jobs).where(eq(jobs.id, id))).length === 1;

    clock.advance(FINISHED_JOBS_KEPT_MS - 3600_000);
    await queue.drain();
    expect(await exists(finished.id)).toBe(true);
    clock.advance(2 * 3600_000);
    await queue.drain();
    expect(await exists(finished.id)).toBe(false);
    expect(await exists(waiting.id)).toBe(true);
  });
});
