import { z } from 'zod';

/**
 * Work that follows a commit, by task: its payload's schema. A job is enqueued in the transaction of
 * the change that calls for it (see `enqueueJobsStatement`), so it exists exactly when that change
 * committed, and it is read back from the queue through these schemas, never cast.
 */
export const followUpPayloads = {
  /** Ask the provider to give a payment's money back (after a cancel, or an anomaly resolved by refund). */
  sendRefund: z.object({ tenantId: z.string().min(1), paymentId: z.uuid() }),
  /** Release the seats of holds whose time ran out (periodic). */
  expireDueHolds: z.object({}),
  /** Ask the providers about payments still open, and give back money that could not pay (periodic). */
  reconcilePayments: z.object({}),
  /** Record a signed checkpoint of every stream's head when one is due (periodic). */
  takeCheckpoint: z.object({}),
  /** Read every synced account's catalogue and bookings from the activity panel (periodic). */
  pullPanel: z.object({}),
} as const;

export type FollowUpTask = keyof typeof followUpPayloads;
export type PayloadOf<T extends FollowUpTask> = z.infer<(typeof followUpPayloads)[T]>;

export type FollowUpJob = {
  [T in FollowUpTask]: {
    readonly task: T;
    readonly payload: PayloadOf<T>;
    /** One pending job per key: enqueuing the same key again replaces the pending one instead of adding another. */
    readonly jobKey?: string;
    readonly runAt?: string;
    readonly maxAttempts?: number;
  };
}[FollowUpTask];

export const FOLLOW_UP_TASKS = Object.keys(followUpPayloads) as FollowUpTask[];

/** The refund of one payment: keyed by it, so asking twice before it is sent still sends one request. */
export function sendRefundJob(tenantId: string, paymentId: string): FollowUpJob {
  return { task: 'sendRefund', payload: { tenantId, paymentId }, jobKey: `refund:${tenantId}:${paymentId}` };
}

/** The jobs as the JSON array `ledger_enqueue_jobs` (migration 0027) reads. */
export function jobsAsJson(jobs: readonly FollowUpJob[]): string {
  return JSON.stringify(
    jobs.map((job) => ({
      task: job.task,
      payload: job.payload,
      job_key: job.jobKey ?? null,
      run_at: job.runAt ?? null,
      max_attempts: job.maxAttempts ?? null,
    })),
  );
}
