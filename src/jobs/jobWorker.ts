import { Logger, run, runOnce, type Runner, type Task, type TaskList } from 'graphile-worker';
import pg from 'pg';
import { connectionUrlAs, SYSTEM_ROLE } from '../db/roles.js';
import { FOLLOW_UP_TASKS, type FollowUpTask, followUpPayloads, type PayloadOf } from './followUpJobs.js';

/** What each task does; the composition root wires them to the use cases. A task without a handler is not taken. */
export type JobHandlers = { readonly [T in FollowUpTask]?: (payload: PayloadOf<T>) => Promise<void> };

/** A task run every `everySeconds` by one instance at a time, however many run (see `periodicJobKey`). */
export type PeriodicJob = { readonly task: FollowUpTask; readonly everySeconds: number };

export type JobLog = {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
};

export type JobWorkerOptions = {
  /**
   * The system login's connection string (ADR 0034): the workers' sessions run as `ledger_system`,
   * which migrate grants the queue's tables to; the schema itself stays the owner's.
   */
  readonly connectionString: string;
  readonly handlers: JobHandlers;
  readonly periodic?: readonly PeriodicJob[];
  readonly concurrency?: number;
  readonly log: JobLog;
  /** Told of every failed run of a job, by task (a retry to come or the last attempt): `/metrics` counts them. */
  readonly onJobFailed?: (task: string) => void;
};

/** The queue as `/metrics` shows it: jobs due or running, jobs waiting for their time, jobs out of attempts. */
export type JobQueueDepth = { readonly due: number; readonly scheduled: number; readonly failed: number };

export type JobWorker = {
  /** Reads the queue's depth on the worker's own connections (the application roles cannot read its tables). */
  queueDepth(): Promise<JobQueueDepth>;
  stop(): Promise<void>;
};

const QUEUE_DEPTH = `
  SELECT count(*) FILTER (WHERE attempts < max_attempts AND run_at <= now())::int AS due,
         count(*) FILTER (WHERE attempts < max_attempts AND run_at > now())::int AS scheduled,
         count(*) FILTER (WHERE attempts >= max_attempts)::int AS failed
  FROM graphile_worker._private_jobs`;

/**
 * A periodic task is one queued job under one key. A run first queues the next one under the same
 * key: graphile-worker then detaches the running job from the key (and gives up retrying it, so a
 * failed run is kept as failed, visible, rather than retried beside the next), and a second instance
 * seeding the key at its start finds it and leaves its time as it is.
 */
export const periodicJobKey = (task: FollowUpTask) => `periodic:${task}`;

function loggerOf(log: JobLog): Logger {
  return new Logger(() => (level, message, meta) => {
    const severity: string = level;
    if (severity === 'error') log.error(`job queue: ${message}`, meta?.error);
    else if (severity === 'warning') log.warn(`job queue: ${message}`);
    // info and debug: graphile-worker's own chatter (worker started, job completed), not worth a line each
  });
}

function taskListOf(handlers: JobHandlers, periodic: readonly PeriodicJob[]): TaskList {
  const everySeconds = new Map(periodic.map((job) => [job.task, job.everySeconds]));
  const list: TaskList = {};
  for (const task of FOLLOW_UP_TASKS) {
    const handler = handlers[task] as ((payload: unknown) => Promise<void>) | undefined;
    if (!handler) continue;
    const schema = followUpPayloads[task];
    const every = everySeconds.get(task);
    const runTask: Task = async (payload, helpers) => {
      if (every !== undefined) {
        await helpers.addJob(task, {}, { jobKey: periodicJobKey(task), runAt: new Date(Date.now() + every * 1000), jobKeyMode: 'replace' });
      }
      // Payloads are read back from the queue's table: parsed, never cast.
      await handler(schema.parse(payload));
    };
    list[task] = runTask;
  }
  return list;
}

/**
 * Runs the follow-up jobs of every instance's commands (graphile-worker, ADR 0027): a job is taken by
 * one worker of one instance at a time (SKIP LOCKED), a failure is retried with exponential backoff
 * and kept with its last error once its attempts run out, and new jobs wake the workers at once
 * (LISTEN/NOTIFY) instead of being polled for. Periodic jobs are queued at start if missing.
 */
export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const periodic = options.periodic ?? [];
  const concurrency = options.concurrency ?? 4;
  // Our own pool, ended only after the runner has stopped: its connections are closed before the
  // caller goes on (a database dropped or a cluster stopped next finds none of them). A connection
  // that breaks while idle is dropped and reported, not left to crash the process.
  const pool = new pg.Pool({ connectionString: connectionUrlAs(options.connectionString, SYSTEM_ROLE), max: concurrency + 2 });
  pool.on('error', (error) => options.log.warn(`job queue: an idle connection broke: ${error.message}`));
  let runner: Runner | undefined;
  try {
    runner = await run({
      pgPool: pool,
      concurrency,
      // The process's own shutdown stops the worker, in its order (after HTTP drains, before the pools end).
      noHandleSignals: true,
      // New jobs wake the workers at once (NOTIFY); a job queued for later (a periodic run) is found
      // by this poll, so it also bounds how late one runs.
      pollInterval: 1_000,
      logger: loggerOf(options.log),
      taskList: taskListOf(options.handlers, periodic),
    });
    for (const job of periodic) {
      await runner.addJob(job.task, {}, { jobKey: periodicJobKey(job.task), jobKeyMode: 'preserve_run_at' });
    }
  } catch (error) {
    // A worker that started but could not seed its periodic jobs is stopped too, before its pool ends.
    await runner?.stop().catch((stopFailed: unknown) => {
      options.log.error('job queue: a worker that failed to start did not stop cleanly', stopFailed);
    });
    await pool.end();
    throw error;
  }
  const started = runner;
  const { onJobFailed } = options;
  if (onJobFailed) started.events.on('job:error', ({ job }) => onJobFailed(job.task_identifier));
  return {
    async queueDepth() {
      const { rows } = await pool.query<JobQueueDepth>(QUEUE_DEPTH);
      return rows[0] ?? { due: 0, scheduled: 0, failed: 0 };
    },
    async stop() {
      await started.stop();
      await pool.end();
    },
  };
}

/**
 * Runs every job that is due now and returns when none is left (the CLI after a reconciliation,
 * and tests that want follow-up work done at a known moment). Periodic tasks queued meanwhile wait
 * for their time, so they are not run again here.
 */
export async function runDueJobs(options: Omit<JobWorkerOptions, 'concurrency'>): Promise<void> {
  await runOnce({
    connectionString: connectionUrlAs(options.connectionString, SYSTEM_ROLE),
    logger: loggerOf(options.log),
    taskList: taskListOf(options.handlers, options.periodic ?? []),
  });
}
