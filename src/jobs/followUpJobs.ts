import { z } from 'zod';
import { CUSTOMER_EMAIL_KINDS, type CustomerEmailKind } from '../domain/customerEmail.js';

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
  /** Record a reservation's version as a push to the activity panel, and push it (ADR 0053). */
  pushToPanel: z.object({ tenantId: z.string().min(1), reservationId: z.uuid(), version: z.number().int().positive() }),
  /** Push to the panel every reservation whose push is due (periodic: retries with backoff). */
  sendDuePanelPushes: z.object({}),
  /** Compare the panel's `source: ledger` bookings with the reservations and re-push any that differ (daily). */
  comparePanelBookings: z.object({}),
  /** Send a customer one e-mail about their reservation; `paymentId` is the payment whose start calls for the hold e-mail. */
  sendCustomerEmail: z.object({
    tenantId: z.string().min(1),
    reservationId: z.uuid(),
    kind: z.enum(CUSTOMER_EMAIL_KINDS),
    paymentId: z.uuid().optional(),
  }),
  /** Send one webhook endpoint's pending deliveries of one reservation, in log order (ADR 0044). */
  deliverWebhooks: z.object({ tenantId: z.string().min(1), endpointId: z.uuid(), reservationId: z.string().min(1) }),
  /** Erase the customers whose departures are all older than PII_RETENTION_DAYS (daily). */
  erasePersonalDataPastRetention: z.object({}),
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

/**
 * One e-mail of a reservation: keyed by reservation and kind, so that a second cause before it is
 * sent (a second payment started) replaces the pending job instead of adding another. The e-mail's
 * own record (ADR 0043) keeps a later job from sending it again once sent.
 */
export function sendCustomerEmailJob(tenantId: string, reservationId: string, kind: CustomerEmailKind, paymentId?: string): FollowUpJob {
  return {
    task: 'sendCustomerEmail',
    payload: { tenantId, reservationId, kind, ...(paymentId === undefined ? {} : { paymentId }) },
    jobKey: `email:${tenantId}:${reservationId}:${kind}`,
  };
}

/**
 * The sending of one lane (an endpoint's deliveries of one reservation): keyed by it, so a lane has
 * one pending job however many events arrive, and its deliveries go out one after the other.
 */
export function deliverWebhooksJob(tenantId: string, endpointId: string, reservationId: string, runAt?: string): FollowUpJob {
  return {
    task: 'deliverWebhooks',
    payload: { tenantId, endpointId, reservationId },
    jobKey: `webhooks:${endpointId}:${reservationId}`,
    ...(runAt === undefined ? {} : { runAt }),
  };
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
