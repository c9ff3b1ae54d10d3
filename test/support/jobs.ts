import type { TestDatabase } from './database.js';

export type QueuedJob = {
  readonly task: string;
  readonly payload: Record<string, unknown>;
  readonly key: string | null;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: string | null;
  readonly runAt: Date;
};

/** The jobs in the queue now, of one task or all (read as the owner: the application roles cannot read the queue's tables). */
export async function queuedJobs(db: Pick<TestDatabase, 'asOwner'>, task?: string): Promise<QueuedJob[]> {
  const { rows } = await db.asOwner<{
    task: string;
    payload: Record<string, unknown>;
    key: string | null;
    attempts: number;
    max_attempts: number;
    last_error: string | null;
    run_at: Date;
  }>(
    `SELECT t.identifier AS task, j.payload, j.key, j.attempts, j.max_attempts, j.last_error, j.run_at
     FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     WHERE $1::text IS NULL OR t.identifier = $1 ORDER BY j.id`,
    [task ?? null],
  );
  return rows.map((row) => ({
    task: row.task,
    payload: row.payload,
    key: row.key,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    runAt: row.run_at,
  }));
}

/**
 * Waits until the queue has no job running and none due (follow-up work of what a test did is
 * done, or waits for a retry later). Fails after `timeoutMs`.
 */
export async function jobsSettled(db: Pick<TestDatabase, 'asOwner'>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { rows } = await db.asOwner<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM graphile_worker._private_jobs
       WHERE locked_at IS NOT NULL OR (run_at <= now() AND attempts < max_attempts)`,
    );
    if (rows[0]?.busy === 0) return;
    if (Date.now() - started > timeoutMs) throw new Error(`jobs still due or running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
