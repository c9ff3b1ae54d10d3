import { z } from 'zod';
import type { DatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
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
 * Sends a lane's pending deliveries (one endpoint, one reservation) oldest first and stops at the
 * first that fails: the lane is then queued again after the backoff, so a later event never
 * overtakes an earlier one. A delivery that keeps failing for three days is given up (`failed`)
 * and the lane goes on. Every attempt is recorded. One runner per lane at a time: a second waits
 * for the lane's lock (a new event can queue the lane while it is being sent).
 */
export async function deliverLane(sending: WebhookSending, lane: Lane): Promise<void> {
  await withSystemTransaction(sending.systemPool, async (tx) => {
    await tx.query(sql.typeAlias('void')`
      SELECT FROM pg_advisory_xact_lock(hashtextextended(${`webhooks:${lane.endpointId}:${lane.reservationId}`}, 0))`);
    const endpoint = await tx.maybeOne(sql.type(endpointRow)`
      SELECT url, secret, deleted_at IS NOT NULL AS deleted FROM webhook_endpoints
      WHERE tenant_id = ${lane.tenantId} AND endpoint_id = ${lane.endpointId}`);
    // A removed endpoint is sent nothing more; its deliveries stay as they were, readable.
    if (!endpoint || endpoint.deleted) return;
    const pending = await tx.any(sql.type(pendingRow)`
      SELECT delivery_id::text, body, attempts, first_failed_at::text FROM webhook_deliveries
      WHERE endpoint_id = ${lane.endpointId} AND reservation_id = ${lane.reservationId} AND status = 'pending'
      ORDER BY position`);
    for (const delivery of pending) {
      const at = sending.clock();
      const outcome = await sendOne(sending, endpoint, delivery, at);
      await recordAttempt(tx, lane.tenantId, delivery.delivery_id, at, outcome);
      if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
        await setStatus(tx, lane.tenantId, delivery.delivery_id, 'delivered', null);
        continue;
      }
      const firstFailedAt = delivery.first_failed_at === null ? at : new Date(delivery.first_failed_at);
      if (at.getTime() - firstFailedAt.getTime() >= RETRY_FOR_SECONDS * 1000) {
        await setStatus(tx, lane.tenantId, delivery.delivery_id, 'failed', firstFailedAt);
        continue;
      }
      await setStatus(tx, lane.tenantId, delivery.delivery_id, 'pending', firstFailedAt);
      const retryAt = new Date(at.getTime() + retryDelaySeconds(delivery.attempts + 1) * 1000).toISOString();
      const job = deliverWebhooksJob(lane.tenantId, lane.endpointId, lane.reservationId, retryAt);
      await tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson([job])}::jsonb)`);
      return;
    }
  });
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
