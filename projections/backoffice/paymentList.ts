import type { Queries } from '../../src/db/queries.js';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { PaymentStatus, Provider } from '../../src/domain/payment.js';
import { paymentViewRow } from '../paymentView.js';
import { type InstantRange, type Keyset, keysetAt, type Page, rangeConditions, toPage } from './keyset.js';

export type PaymentFilters = {
  readonly status?: Exclude<PaymentStatus, 'none'>;
  readonly provider?: Provider;
  /** When the payment was started. */
  readonly created?: InstantRange;
};

export type PaymentListItem = {
  readonly paymentId: string;
  readonly reservationId: string;
  readonly provider: string;
  readonly status: string;
  readonly amount: { readonly amount: number; readonly currency: string };
  /** The provider's own id (Stripe `pi_…`, Mercado Pago payment id); null until the provider named one. */
  readonly providerPaymentId: string | null;
  readonly lastError: string | null;
  readonly refundRequested: boolean;
  readonly anomalies: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
};

// The payment view's own columns, and what the list adds: the keyset and the anomaly count.
const listRow = paymentViewRow
  .pick({
    payment_id: true,
    reservation_id: true,
    provider: true,
    status: true,
    amount: true,
    currency: true,
    provider_payment_id: true,
    last_error: true,
    created_at: true,
    updated_at: true,
    version: true,
  })
  .extend({ refund_requested: z.boolean(), anomalies: z.number(), keyset_at: z.string() });

const toItem = (row: z.infer<typeof listRow>): PaymentListItem => ({
  paymentId: row.payment_id,
  reservationId: row.reservation_id,
  provider: row.provider,
  status: row.status,
  amount: { amount: row.amount, currency: row.currency },
  providerPaymentId: row.provider_payment_id,
  lastError: row.last_error,
  refundRequested: row.refund_requested,
  anomalies: row.anomalies,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
});

const p = (column: string) => sql.identifier(['p', column]);

/**
 * One page of a tenant's payments, newest first (start time, then id), after `after`. Checkout
 * URLs and QR codes are the customer's; the back office gets the ids to look a payment up with.
 */
export async function listPayments(
  db: Queries,
  tenantId: string,
  filters: PaymentFilters,
  page: { readonly limit: number; readonly after?: Keyset },
): Promise<Page<PaymentListItem>> {
  const conditions = [
    sql.fragment`${p('tenant_id')} = ${tenantId}`,
    ...(filters.status === undefined ? [] : [sql.fragment`${p('status')} = ${filters.status}`]),
    ...(filters.provider === undefined ? [] : [sql.fragment`${p('provider')} = ${filters.provider}`]),
    ...rangeConditions(p('created_at'), filters.created),
    ...(page.after === undefined
      ? []
      : [sql.fragment`(${p('created_at')}, ${p('payment_id')}) < (${page.after.at}::timestamptz, ${page.after.id}::uuid)`]),
  ];
  const rows = await db.any(sql.type(listRow)`
    SELECT p.payment_id::text, p.reservation_id::text, p.provider, p.status, p.amount, p.currency,
      p.provider_payment_id, p.last_error, p.refund_requested, jsonb_array_length(p.anomalies) AS anomalies,
      p.created_at, p.updated_at, p.version, ${keysetAt(p('created_at'))} AS keyset_at
    FROM payments_view p
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY p.created_at DESC, p.payment_id DESC
    LIMIT ${page.limit + 1}`);
  return toPage(rows, page.limit, (row) => row.payment_id, toItem);
}
