import type { Queries } from '../../db/queries.js';
import { z } from 'zod';
import { sql } from '../../db/sql.js';
import { nextCheckAt } from '../../domain/reconciliationSchedule.js';

const duePaymentRow = z.object({
  tenant_id: z.string(),
  payment_id: z.string(),
  provider: z.string(),
  provider_payment_id: z.string().nullable(),
  created_at: z.string(),
  checks: z.number(),
});

/** An open payment reconciliation has claimed to ask its provider about now. */
export type PaymentToCheck = {
  readonly tenantId: string;
  readonly paymentId: string;
  readonly provider: string;
  readonly providerPaymentId: string | null;
};

/**
 * Claims up to `limit` payments to ask their providers about, across tenants (a system job's
 * discovery step): open (or succeeded with a refund asked for and none seen), quiet since `quietSince`,
 * and due by their own schedule (migration 0041; never asked = due), the least recently asked first,
 * so no group of payments that never change can keep the others from being reached.
 *
 * Each claim moves the payment's next check forward before any provider is asked, and only if its
 * check count is still the one read here: of two runs at once (two instances, or the CLI beside a
 * server) exactly one claims each payment, the other skips it. A claimed payment whose provider call
 * then fails waits its backoff like any other.
 */
export async function claimPaymentsToCheck(db: Queries, now: string, quietSince: string, limit: number): Promise<PaymentToCheck[]> {
  const due = await db.any(sql.type(duePaymentRow)`
    SELECT p.tenant_id, p.payment_id::text, p.provider, p.provider_payment_id, p.created_at, coalesce(c.checks, 0) AS checks
    FROM payments_view p
    LEFT JOIN payment_checks c ON c.tenant_id = p.tenant_id AND c.payment_id = p.payment_id
    WHERE (p.status IN ('pending', 'processing') OR (p.status = 'succeeded' AND p.refund_requested))
      AND p.updated_at <= ${quietSince}::timestamptz
      AND (c.next_check_at IS NULL OR c.next_check_at <= ${now}::timestamptz)
    ORDER BY c.last_checked_at NULLS FIRST, p.created_at, p.payment_id
    LIMIT ${limit}`);
  if (due.length === 0) return [];
  const claimed = await db.anyFirst(sql.type(z.object({ payment_id: z.string() }))`
    INSERT INTO payment_checks AS c (tenant_id, payment_id, checks, last_checked_at, next_check_at)
    SELECT t.tenant_id, t.payment_id, t.checks_before + 1, ${now}::timestamptz, t.next_check_at
    FROM unnest(
      ${sql.array(
        due.map((row) => row.tenant_id),
        'text',
      )},
      ${sql.array(
        due.map((row) => row.payment_id),
        'uuid',
      )},
      ${sql.array(
        due.map((row) => row.checks),
        'int4',
      )},
      ${sql.array(
        due.map((row) => nextCheckAt(row.checks, row.created_at, now)),
        'timestamptz',
      )}
    ) AS t (tenant_id, payment_id, checks_before, next_check_at)
    ON CONFLICT (tenant_id, payment_id) DO UPDATE
      SET checks = excluded.checks, last_checked_at = excluded.last_checked_at, next_check_at = excluded.next_check_at
      WHERE c.checks = excluded.checks - 1
    RETURNING c.payment_id::text`);
  const mine = new Set(claimed);
  return due
    .filter((row) => mine.has(row.payment_id))
    .map((row) => ({
      tenantId: row.tenant_id,
      paymentId: row.payment_id,
      provider: row.provider,
      providerPaymentId: row.provider_payment_id,
    }));
}
