import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';

/**
 * The delivery table of the pushes to the activity panel (migration 0053): one row per reservation
 * version the ledger pushes, `queued` until it is through (`sent`), covered by a later version
 * (`superseded`), refused for lack of seats (`conflict`) or out of its 3 days (`failed`).
 */

const idRow = z.object({ id: z.string() });
const dueRow = z.object({ tenant_id: z.string(), reservation_id: z.string() });
const pendingRow = z.object({
  id: z.string(),
  version: z.number(),
  attempts: z.number(),
  queued_at: z.string(),
  next_attempt_at: z.string(),
});
export type PendingPush = z.infer<typeof pendingRow>;

/** Pushes queued and failed across tenants (the system role), for `/metrics`. */
export async function countPushes(tx: Queries): Promise<{ queued: number; failed: number }> {
  return tx.one(sql.type(z.object({ queued: z.number(), failed: z.number() }))`
    SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued, count(*) FILTER (WHERE status = 'failed')::int AS failed
    FROM panel_deliveries WHERE status IN ('queued', 'failed')`);
}

/** Records a version to push, due now; recording it again (a job run twice) changes nothing. */
export async function recordPush(
  tx: Queries,
  push: { tenantId: string; reservationId: string; version: number; now: string },
): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO panel_deliveries (id, tenant_id, reservation_id, version, status, queued_at, next_attempt_at)
    VALUES (${randomUUID()}, ${push.tenantId}, ${push.reservationId}, ${push.version}, 'queued', ${push.now}::timestamptz, ${push.now}::timestamptz)
    ON CONFLICT (tenant_id, reservation_id, version) DO NOTHING`);
}

/**
 * Queues the reservation's `version` again (the daily comparison found the panel showing it
 * otherwise): a sent, superseded or failed row of that version is queued once more, its 3 days anew.
 */
export async function requeuePush(
  tx: Queries,
  push: { tenantId: string; reservationId: string; version: number; now: string },
): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO panel_deliveries AS d (id, tenant_id, reservation_id, version, status, queued_at, next_attempt_at)
    VALUES (${randomUUID()}, ${push.tenantId}, ${push.reservationId}, ${push.version}, 'queued', ${push.now}::timestamptz, ${push.now}::timestamptz)
    ON CONFLICT (tenant_id, reservation_id, version) DO UPDATE
      SET status = 'queued', queued_at = excluded.queued_at, next_attempt_at = excluded.next_attempt_at
      WHERE d.status IN ('sent', 'superseded', 'failed')`);
}

/**
 * Whether the panel is failing now: some push tried before is waiting for its retry's time. New
 * pushes then wait for the sweep, which tries one at a time, instead of each taking a worker for a
 * timeout. (A failed push a person retried is due now, not waiting: it is sent at once.)
 */
export async function panelInBackoff(tx: Queries, now: string): Promise<boolean> {
  return tx.oneFirst(sql.type(z.object({ failing: z.boolean() }))`
    SELECT EXISTS (
      SELECT FROM panel_deliveries WHERE status = 'queued' AND attempts > 0 AND next_attempt_at > ${now}::timestamptz
    ) AS failing`);
}

/** Reservations with a push due at `now`, across tenants, the longest waiting first. */
export async function reservationsDue(tx: Queries, now: string, limit: number): Promise<{ tenantId: string; reservationId: string }[]> {
  const rows = await tx.any(sql.type(dueRow)`
    SELECT tenant_id, reservation_id::text FROM panel_deliveries
    WHERE status = 'queued' AND next_attempt_at <= ${now}::timestamptz
    GROUP BY tenant_id, reservation_id
    ORDER BY min(next_attempt_at), tenant_id, reservation_id
    LIMIT ${limit}`);
  return rows.map((row) => ({ tenantId: row.tenant_id, reservationId: row.reservation_id }));
}

/** The reservation's queued versions, oldest first. */
export async function pendingPushes(tx: Queries, tenantId: string, reservationId: string): Promise<readonly PendingPush[]> {
  return tx.any(sql.type(pendingRow)`
    SELECT id::text, version, attempts, queued_at, next_attempt_at FROM panel_deliveries
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId} AND status = 'queued'
    ORDER BY version
    FOR UPDATE`);
}

/**
 * The panel stored the reservation as of `pushedVersion`: the newest queued version read for the
 * push is `sent`, the other queued ones up to `pushedVersion` (and older failed ones, which the panel
 * no longer needs) `superseded`. A version above it, recorded during the call, stays queued.
 */
export async function markPushed(
  tx: Queries,
  push: { tenantId: string; reservationId: string; pending: readonly PendingPush[]; pushedVersion: number; now: string },
): Promise<void> {
  const newest = push.pending.at(-1);
  if (newest === undefined) return;
  await tx.query(sql.typeAlias('void')`
    UPDATE panel_deliveries
    SET status = CASE WHEN id = ${newest.id}::uuid THEN 'sent' ELSE 'superseded' END,
        attempts = attempts + CASE WHEN status = 'queued' THEN 1 ELSE 0 END,
        last_attempt_at = CASE WHEN status = 'queued' THEN ${push.now}::timestamptz ELSE last_attempt_at END,
        last_error = NULL
    WHERE tenant_id = ${push.tenantId} AND reservation_id = ${push.reservationId}
      AND status IN ('queued', 'failed') AND version <= ${push.pushedVersion}`);
}

/**
 * The panel had no room for the reservation as of `pushedVersion`: the queued versions up to it end
 * as `conflict` (retrying would not make room); one recorded during the call stays queued.
 */
export async function markConflict(
  tx: Queries,
  push: { tenantId: string; reservationId: string; now: string; detail: string; pushedVersion: number },
): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    UPDATE panel_deliveries
    SET status = 'conflict', attempts = attempts + 1, last_attempt_at = ${push.now}::timestamptz, last_error = ${push.detail}
    WHERE tenant_id = ${push.tenantId} AND reservation_id = ${push.reservationId} AND status = 'queued'
      AND version <= ${push.pushedVersion}`);
}

/** A failed try: each queued version waits until `nextAttemptAt`, or is `failed` (null) once its 3 days are over. */
export async function markAttemptFailed(
  tx: Queries,
  outcome: { now: string; error: string; rows: readonly { id: string; nextAttemptAt: string | null }[] },
): Promise<void> {
  if (outcome.rows.length === 0) return;
  await tx.query(sql.typeAlias('void')`
    UPDATE panel_deliveries AS d
    SET status = CASE WHEN t.next_attempt_at IS NULL THEN 'failed' ELSE 'queued' END,
        attempts = d.attempts + 1,
        last_error = ${outcome.error},
        last_attempt_at = ${outcome.now}::timestamptz,
        next_attempt_at = coalesce(t.next_attempt_at, d.next_attempt_at)
    FROM unnest(
      ${sql.array(
        outcome.rows.map((row) => row.id),
        'uuid',
      )},
      ${sql.array(
        outcome.rows.map((row) => row.nextAttemptAt),
        'timestamptz',
      )}
    ) AS t (id, next_attempt_at)
    WHERE d.id = t.id`);
}

/** A person asks for a failed push again (`POST /v1/backoffice/sync/deliveries/{id}/retry`): queued now, with 3 days anew. */
export async function retryFailedPush(
  tx: Queries,
  input: { tenantId: string; deliveryId: string; now: string },
): Promise<{ reservationId: string; version: number } | null> {
  const row = await tx.maybeOne(sql.type(z.object({ reservation_id: z.string(), version: z.number() }))`
    UPDATE panel_deliveries
    SET status = 'queued', queued_at = ${input.now}::timestamptz, next_attempt_at = ${input.now}::timestamptz
    WHERE id = ${input.deliveryId}::uuid AND tenant_id = ${input.tenantId} AND status = 'failed'
    RETURNING reservation_id::text, version`);
  return row === null ? null : { reservationId: row.reservation_id, version: row.version };
}

export async function deliveryExists(tx: Queries, tenantId: string, deliveryId: string): Promise<boolean> {
  const row = await tx.maybeOne(sql.type(idRow)`
    SELECT id::text FROM panel_deliveries WHERE id = ${deliveryId}::uuid AND tenant_id = ${tenantId}`);
  return row !== null;
}
