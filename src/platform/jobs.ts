import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from './auth/permissions.js';
import type { EventBus } from './bus.js';
import type { Clock } from './clock.js';
import { type Db, rowsOf } from './db/client.js';
import { jobs } from './db/schema.js';
import { newId } from './ids.js';
import type { Logger } from './logging.js';

export type Job = typeof jobs.$inferSelect;

export type JobContext = {
  job: Job;
  /** Save the handler's checkpoint (merged into the payload) and progress; also renews the lock. */
  checkpoint(update: { state?: Record<string, unknown>; progress?: number; total?: number }): Promise<void>;
};

export type JobHandler = (context: JobContext) => Promise<Record<string, unknown> | void>;

export type EnqueueOptions = {
  type: string;
  workspaceId?: string | null;
  payload?: Record<string, unknown>;
  runAt?: Date;
  createdBy?: string | null;
  maxAttempts?: number;
  total?: number | null;
};

export type JobQueue = ReturnType<typeof createJobQueue>;

/** Thrown by a handler that must not run again before `afterMs` (a provider's `retry_after`): the backoff waits at least that long. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

const LOCK_MS = 30_000;
const POLL_MS = 500;
const PRUNE_JOB = 'jobs.prune';
const PRUNE_EVERY_MS = 60 * 60_000;
/** How long a finished job stays readable (GET /jobs/:id); every reply leaves one behind. */
export const FINISHED_JOBS_KEPT_MS = 7 * 24 * 60 * 60_000;
const PRUNE_BATCH = 1000;

/**
 * A durable queue in the jobs table. Workers claim with FOR UPDATE SKIP LOCKED and hold a lease;
 * a job whose worker died is claimed again when its lease runs out and resumes from its checkpoint.
 */
export function createJobQueue(deps: { db: Db; clock: Clock; bus: EventBus; logger: Logger; concurrency?: number }) {
  const { db, clock, bus, logger } = deps;
  const handlers = new Map<string, JobHandler>();
  /** Recurring job types and their interval. */
  const recurring = new Map<string, number>();
  const workerId = `${process.pid}-${newId().slice(-8)}`;
  const concurrency = deps.concurrency ?? 2;
  let running = 0;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  async function announce(job: Job) {
    if (!job.workspaceId) return;
    await bus.publish({
      type: 'job.updated',
      workspaceId: job.workspaceId,
      data: { job: publicJob(job) },
      userIds: job.createdBy ? [job.createdBy] : undefined,
    });
  }

  async function claim(): Promise<Job | undefined> {
    const now = clock.now();
    const leaseEnd = new Date(now.getTime() + LOCK_MS);
    const types = [...handlers.keys()];
    if (types.length === 0) return undefined;
    const result = await db.execute(sql`
      update jobs set status = 'running', locked_until = ${leaseEnd}, locked_by = ${workerId},
        attempts = attempts + 1, updated_at = ${now}
      where id = (
        select id from jobs
        where ((status = 'queued' and run_at <= ${now}) or (status = 'running' and locked_until < ${now}))
          and type in (${sql.join(
            types.map((t) => sql`${t}`),
            sql`, `,
          )})
        order by run_at
        for update skip locked
        limit 1
      )
      returning id`);
    const id = rowsOf<{ id: string }>(result)[0]?.id;
    if (!id) return undefined;
    const [job] = await db.select().from(jobs).where(eq(jobs.id, id));
    return job;
  }

  async function run(job: Job) {
    const handler = handlers.get(job.type)!;
    let current = job;
    const context: JobContext = {
      job,
      async checkpoint(update) {
        const now = clock.now();
        const [row] = await db
          .update(jobs)
          .set({
            payload: update.state ? sql`${jobs.payload} || ${JSON.stringify(update.state)}::jsonb` : undefined,
            progress: update.progress,
            total: update.total,
            lockedUntil: new Date(now.getTime() + LOCK_MS),
            updatedAt: now,
          })
          .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId)))
          .returning();
        if (!row) throw new Error('job lease lost');
        current = row;
        context.job = row;
        await announce(row);
      },
    };
    try {
      const result = await handler(context);
      const [row] = await db
        .update(jobs)
        .set({
          status: 'done',
          result: result ?? null,
          progress: current.total ?? current.progress,
          lockedUntil: null,
          lockedBy: null,
          error: null,
          finishedAt: clock.now(),
          updatedAt: clock.now(),
        })
        .where(eq(jobs.id, job.id))
        .returning();
      if (row) await announce(row);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = current.attempts >= current.maxAttempts;
      logger.warn({ jobId: job.id, type: job.type, err: message, final }, 'job failed');
      const backoffMs = Math.max(Math.min(60_000, 1000 * 2 ** current.attempts), error instanceof RetryLater ? error.afterMs : 0);
      const [row] = await db
        .update(jobs)
        .set({
          status: final ? 'failed' : 'queued',
          error: message,
          runAt: new Date(clock.now().getTime() + backoffMs),
          lockedUntil: null,
          lockedBy: null,
          finishedAt: final ? clock.now() : null,
          updatedAt: clock.now(),
        })
        .where(eq(jobs.id, job.id))
        .returning();
      if (row) await announce(row);
    }
  }

  /** Runs `work` as in flight: stop() waits for it, and a failure of it is logged, never thrown. */
  function track(work: Promise<unknown>, what: string) {
    const tracked: Promise<void> = work
      .then(
        () => undefined,
        (error) => logger.error({ err: error }, what),
      )
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  }

  async function pump() {
    while (!stopped && running < concurrency) {
      // The slot is taken, and tracked, while claiming too: a job claimed as stop() is called runs
      // before stop() returns, its run tracked before its claim is let go.
      running++;
      let claimed = false;
      await track(
        (async () => {
          const job = await claim();
          if (!job) return;
          claimed = true;
          void track(run(job), 'job not recorded').finally(() => {
            running--;
            if (!stopped) void pump();
          });
        })(),
        'job claim failed',
      );
      if (!claimed) {
        running--;
        return;
      }
    }
  }

  /**
   * Queues the next run of a recurring job unless one is already waiting. Instances take turns
   * (a transaction-scoped advisory lock per type), so two starting at once queue one run.
   */
  async function queueRecurring(type: string, runAt: Date, waitingStatuses: Array<Job['status']>) {
    const now = clock.now();
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`jobs.recurring:${type}`}))`);
      await tx.execute(sql`
        insert into jobs (id, type, payload, run_at, max_attempts, created_at, updated_at)
        select ${newId()}, ${type}, '{}'::jsonb, ${runAt}, 1, ${now}, ${now}
        where not exists (
          select 1 from jobs where type = ${type} and status in (${sql.join(
            waitingStatuses.map((status) => sql`${status}`),
            sql`, `,
          )})
        )`);
    });
  }

  async function scheduleRecurring() {
    for (const [type, intervalMs] of recurring) {
      await queueRecurring(type, new Date(clock.now().getTime() + intervalMs), ['queued', 'running']);
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      await pump();
      schedule();
    }, POLL_MS);
    timer.unref();
  }

  const queue = {
    register(type: string, handler: JobHandler) {
      handlers.set(type, handler);
    },

    /**
     * A job that runs every `intervalMs` on one instance at a time, whatever the number of
     * instances: each run queues the next (also when it failed); start() and drain() queue the
     * first when none is waiting.
     */
    every(type: string, intervalMs: number, handler: JobHandler) {
      recurring.set(type, intervalMs);
      handlers.set(type, async (context) => {
        try {
          return await handler(context);
        } finally {
          await queueRecurring(type, new Date(clock.now().getTime() + intervalMs), ['queued']);
        }
      });
    },

    /** `tx`: queued in the caller's transaction, so the job exists if and only if the work it follows up was committed. */
    async enqueue(options: EnqueueOptions, tx: Db = db): Promise<Job> {
      const now = clock.now();
      const [job] = await tx
        .insert(jobs)
        .values({
          id: newId(),
          type: options.type,
          workspaceId: options.workspaceId ?? null,
          payload: options.payload ?? {},
          runAt: options.runAt ?? now,
          createdBy: options.createdBy ?? null,
          maxAttempts: options.maxAttempts ?? 5,
          total: options.total ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!stopped) setImmediate(() => void pump());
      return job!;
    },

    /** Removes queued (not running) jobs of a type whose payload contains `payload`; answers how many. */
    async cancelQueued(type: string, payload: Record<string, unknown>, tx: Db = db): Promise<number> {
      const removed = await tx
        .delete(jobs)
        .where(and(eq(jobs.type, type), eq(jobs.status, 'queued'), sql`${jobs.payload} @> ${JSON.stringify(payload)}::jsonb`))
        .returning({ id: jobs.id });
      return removed.length;
    },

    async find(workspaceId: string, id: string): Promise<Job | undefined> {
      const [job] = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.workspaceId, workspaceId), eq(jobs.id, id)));
      return job;
    },

    start() {
      if (!stopped) return;
      stopped = false;
      void track(scheduleRecurring(), 'recurring jobs not scheduled');
      void pump();
      schedule();
    },

    /** Let jobs in hand finish (their leases keep others off), then stop claiming. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },

    /**
     * Run queued jobs until none is due and none is running here (one a worker of this process
     * claimed meanwhile is waited for): for tests and scripts that need a settled state.
     */
    async drain() {
      await scheduleRecurring();
      for (;;) {
        const job = await claim();
        if (job) await run(job);
        else if (inFlight.size > 0) await Promise.all([...inFlight]);
        else return;
      }
    },
  };

  // Finished jobs are kept a week for those who follow them, then deleted in batches.
  queue.every(PRUNE_JOB, PRUNE_EVERY_MS, async () => {
    const cutoff = new Date(clock.now().getTime() - FINISHED_JOBS_KEPT_MS);
    let deleted = 0;
    for (;;) {
      const result = await db.execute(sql`
        delete from ${jobs} where ${jobs.id} in (
          select ${jobs.id} from ${jobs} where ${jobs.status} in ('done', 'failed') and ${jobs.finishedAt} < ${cutoff} limit ${PRUNE_BATCH})
        returning ${jobs.id}`);
      const count = rowsOf(result).length;
      deleted += count;
      if (count < PRUNE_BATCH) return { deleted };
    }
  });

  return queue;
}

/** A job is followed by the user who started it, and by owners and managers, who run the workspace's bulk work. */
export const mayFollowJob = (actor: Pick<Actor, 'userId' | 'role'>, job: Pick<Job, 'createdBy'>) => job.createdBy === actor.userId || actor.role !== 'agent';

export function publicJob(job: Job) {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    total: job.total,
    error: job.error,
    result: job.result,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}
