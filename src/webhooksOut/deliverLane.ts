import { z } from 'zod';
import type { DatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
import { type CallLease, claimCallLease, holdsCallLease, releaseCallLease, renewCallLease } from '../db/callLeases.js';
import { type Transaction, withSystemTransaction } from '../db/transaction.js';
import { deliverWebhooksJob, jobsAsJson, type PayloadOf } from '../jobs/followUpJobs.js';
import { addressesOf, type HostResolver, judgeTarget, type TargetRule } from './addressRule.js';
import { retryDelaySeconds, RETRY_FOR_SECONDS } from './retrySchedule.js';
import { type SendOutcome, sendWebhook } from './sendWebhook.js';
import { signWebhook } from './webhookSigning.js';

/** A receiver that has not answered in this long has failed this attempt (API.md). */
export const SEND_TIMEOUT_MS = 10_000;

export type WebhookSending = {
  readonly systemPool: DatabasePool;
  readonly clock: () => Date;
  readonly rule: TargetRule;
  readonly resolve: HostResolver;
};

type Lane = PayloadOf<'deliverWebhooks'>;

const endpointRow = z.object({ url: z.string(), secret: z.string(), deleted: z.boolean() });
const pendingRow = z.object({
  delivery_id: z.string(),
  body: z.string(),
  attempts: z.number(),
  first_failed_at: z.string().nullable(),
});

/**
 * How long a lane's runner holds the lane per delivery: the address check and the send's timeout,
 * with a wide margin, so a live runner never loses its lane mid-call; a dead one's comes free then.
 */
export const LANE_LEASE_SECONDS = SEND_TIMEOUT_MS / 1000 + 50;

/** The lane's next delivery to send, under the runner's lease. */
type NextDelivery = {
  readonly lease: CallLease;
  readonly endpoint: z.infer<typeof endpointRow>;
  readonly delivery: z.infer<typeof pendingRow>;
};

/**
 * Sends a lane's pending deliveries (one endpoint, one reservation) oldest first and stops at the
 * first that fails: the lane is then queued again after the backoff, so a later event never
 * overtakes an earlier one. A delivery that keeps failing for three days is given up (`failed`)
 * and the lane goes on. Every attempt is recorded.
 *
 * One runner per lane at a time, by a lease (ADR 0055), and no transaction is open while a
 * receiver is called: a short transaction claims the lane and reads its oldest pending delivery,
 * the POST runs, and a second short one records the attempt and reads the next delivery under the
 * lease, or releases it. A runner that finds the lane taken leaves the lane to its holder, which
 * reads the lane again before letting go (so a delivery queued meanwhile is sent), and queues the
 * lane's job again for when the lease ends (so a holder that died does not strand the lane).
 */
export async function deliverLane(sending: WebhookSending, lane: Lane): Promise<void> {
  let next = await withSystemTransaction(sending.systemPool, async (tx) => {
    const claim = await claimCallLease(tx, laneKey(lane), LANE_LEASE_SECONDS);
    if (!claim.claimed) {
      await enqueueLane(tx, lane, claim.leasedUntil);
      return null;
    }
    return nextDelivery(tx, lane, claim.lease);
  });
  while (next !== null) {
    const current = next;
    const at = sending.clock();
    const outcome = await sendOne(sending, current.endpoint, current.delivery, at);
    next = await withSystemTransaction(sending.systemPool, (tx) => recordOutcome(tx, lane, current, at, outcome));
  }
}

const laneKey = (lane: Lane) => `webhooks:${lane.endpointId}:${lane.reservationId}`;

/** The lane's oldest pending delivery; with none (or a removed endpoint) the lease is released and null returned. */
async function nextDelivery(tx: Transaction, lane: Lane, lease: CallLease): Promise<NextDelivery | null> {
  const endpoint = await tx.maybeOne(sql.type(endpointRow)`
    SELECT url, secret, deleted_at IS NOT NULL AS deleted FROM webhook_endpoints
    WHERE tenant_id = ${lane.tenantId} AND endpoint_id = ${lane.endpointId}`);
  // A removed endpoint is sent nothing more; its deliveries stay as they were, readable.
  const delivery =
    endpoint && !endpoint.deleted
      ? await tx.maybeOne(sql.type(pendingRow)`
          SELECT delivery_id::text, body, attempts, first_failed_at::text FROM webhook_deliveries
          WHERE endpoint_id = ${lane.endpointId} AND reservation_id = ${lane.reservationId} AND status = 'pending'
          ORDER BY position LIMIT 1`)
      : null;
  if (endpoint === null || delivery === null) {
    await releaseCallLease(tx, lease);
    return null;
  }
  return { lease, endpoint, delivery };
}

/**
 * Records one attempt and its delivery's new status. After a failure to retry, the lane's job is
 * queued for the backoff and the lease released; otherwise the lease is renewed first (its row
 * locked, so a runner that found the lane taken queued its delivery before this reads the lane)
 * and the next delivery read.
 */
async function recordOutcome(
  tx: Transaction,
  lane: Lane,
  current: NextDelivery,
  at: Date,
  outcome: SendOutcome,
): Promise<NextDelivery | null> {
  const { delivery, lease } = current;
  await recordAttempt(tx, lane.tenantId, delivery.delivery_id, at, outcome);
  // A runner that outlived its lease (a long pause) records its attempt only: the lane's new holder
  // owns the delivery's status and the lane's job, and may have delivered this and later ones since.
  if (!(await holdsCallLease(tx, lease))) return null;
  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
    await setStatus(tx, lane.tenantId, delivery.delivery_id, 'delivered', null);
  } else {
    const firstFailedAt = delivery.first_failed_at === null ? at : new Date(delivery.first_failed_at);
    if (at.getTime() - firstFailedAt.getTime() >= RETRY_FOR_SECONDS * 1000) {
      await setStatus(tx, lane.tenantId, delivery.delivery_id, 'failed', firstFailedAt);
    } else {
      await setStatus(tx, lane.tenantId, delivery.delivery_id, 'pending', firstFailedAt);
      const retryAt = new Date(at.getTime() + retryDelaySeconds(delivery.attempts + 1) * 1000).toISOString();
      await enqueueLane(tx, lane, retryAt);
      await releaseCallLease(tx, lease);
      return null;
    }
  }
  await renewCallLease(tx, lease, LANE_LEASE_SECONDS);
  return nextDelivery(tx, lane, lease);
}

async function enqueueLane(tx: Transaction, lane: Lane, runAt: string): Promise<void> {
  const job = deliverWebhooksJob(lane.tenantId, lane.endpointId, lane.reservationId, runAt);
  await tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson([job])}::jsonb)`);
}

/** One attempt: the address rule checked on a fresh resolution, then the signed POST to the checked address. */
async function sendOne(
  sending: WebhookSending,
  endpoint: z.infer<typeof endpointRow>,
  delivery: z.infer<typeof pendingRow>,
  at: Date,
): Promise<SendOutcome> {
  const url = new URL(endpoint.url);
  let addresses: readonly string[];
  try {
    addresses = await addressesOf(url, sending.resolve);
  } catch (error) {
    return { kind: 'no_answer', error: `${url.hostname} could not be resolved: ${error instanceof Error ? error.message : String(error)}` };
  }
  const verdict = judgeTarget(url, addresses, sending.rule);
  if (!verdict.allowed) return { kind: 'no_answer', error: `refused: ${verdict.reason}` };
  const headers = signWebhook(endpoint.secret, delivery.delivery_id, at, delivery.body);
  return sendWebhook(url, verdict.address, headers, delivery.body, SEND_TIMEOUT_MS);
}

async function recordAttempt(tx: Transaction, tenantId: string, deliveryId: string, at: Date, outcome: SendOutcome) {
  const status = outcome.kind === 'answered' ? outcome.status : null;
  const error = outcome.kind === 'no_answer' ? outcome.error : null;
  await tx.query(sql.typeAlias('void')`
    INSERT INTO webhook_attempts (tenant_id, delivery_id, attempted_at, response_status, error)
    VALUES (${tenantId}, ${deliveryId}, ${at.toISOString()}::timestamptz, ${status}, ${error})`);
}

async function setStatus(
  tx: Transaction,
  tenantId: string,
  deliveryId: string,
  status: 'pending' | 'delivered' | 'failed',
  firstFailedAt: Date | null,
) {
  await tx.query(sql.typeAlias('void')`
    UPDATE webhook_deliveries
    SET status = ${status}, attempts = attempts + 1, first_failed_at = ${firstFailedAt?.toISOString() ?? null}::timestamptz
    WHERE tenant_id = ${tenantId} AND delivery_id = ${deliveryId}`);
}
