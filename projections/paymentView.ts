import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import {
  evolvePayment,
  initialPaymentState,
  type PaymentCheckout,
  type PaymentEvent,
  type PaymentState,
} from '../src/domain/payment.js';
import { sql } from '../src/db/sql.js';

const inFlightRow = z.object({ in_flight: z.boolean() });

export const paymentViewRow = z.object({
  payment_id: z.string(),
  reservation_id: z.string(),
  provider: z.string(),
  status: z.string(),
  amount: z.number(),
  currency: z.string(),
  provider_payment_id: z.string().nullable(),
  client_secret: z.string().nullable(),
  checkout_url: z.string().nullable(),
  pix_qr_code: z.string().nullable(),
  last_error: z.string().nullable(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type PaymentView = z.infer<typeof paymentViewRow>;

const columns = sql.fragment`payment_id::text, reservation_id::text, provider, status, amount, currency,
  provider_payment_id, client_secret, checkout_url, pix_qr_code, last_error, version, created_at, updated_at`;

export const PAYMENTS_VIEW_TABLE = 'payments_view';

/** One anomaly as the back office lists it; the payment stream holds the full event. */
export type AnomalyEntry = {
  /** The anomaly event's version in `payment-<paymentId>`, where the audit stream shows it in full. */
  readonly streamVersion: number;
  readonly anomaly: string;
  readonly reason: string;
  readonly signal: string;
  readonly source: string;
  readonly providerEventId: string;
  readonly paymentStatus: string;
  readonly amount?: { readonly amount: number; readonly currency: string };
  readonly recordedAt: string;
  /** Absent while the anomaly is open. */
  readonly resolution?: AnomalyResolutionEntry;
};

export type AnomalyResolutionEntry = {
  readonly action: string;
  readonly note?: string;
  readonly by: string;
  readonly resolvedAt: string;
};

/** A payment stream's events as the projection needs them (ours, with their ids and times). */
export type PaymentStreamEvent = {
  readonly type: string;
  readonly data: unknown;
  readonly recordedAt: string;
};

export type PaymentRow = {
  readonly state: Exclude<PaymentState, { status: 'none' }>;
  readonly checkout: PaymentCheckout;
  readonly anomalies: readonly AnomalyEntry[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
};

/**
 * Folds a whole payment stream into its row. The live path and rebuilds both come through here,
 * so the row is always exactly what the events say (payment streams are a handful of events).
 */
export function foldPaymentRow(events: readonly PaymentStreamEvent[]): PaymentRow | null {
  let state: PaymentState = initialPaymentState;
  let checkout: PaymentCheckout = {};
  let anomalies: AnomalyEntry[] = [];
  for (const [index, recorded] of events.entries()) {
    const event = { type: recorded.type, data: recorded.data } as PaymentEvent;
    state = evolvePayment(state, event);
    if (event.type === 'PaymentStarted' && event.data.checkout) checkout = event.data.checkout;
    if (event.type === 'PaymentAnomalyRecorded') {
      const d = event.data;
      anomalies.push({
        streamVersion: index + 1,
        anomaly: d.anomaly,
        reason: d.reason,
        signal: d.signal,
        source: d.source,
        providerEventId: d.providerEventId,
        paymentStatus: d.paymentStatus,
        ...(d.amount ? { amount: { amount: d.amount.amount, currency: d.amount.currency } } : {}),
        recordedAt: recorded.recordedAt,
      });
    }
    if (event.type === 'PaymentAnomalyResolved') {
      const d = event.data;
      const resolution: AnomalyResolutionEntry = {
        action: d.action,
        ...(d.note !== undefined ? { note: d.note } : {}),
        by: d.by,
        resolvedAt: d.resolvedAt,
      };
      anomalies = anomalies.map((entry) =>
        entry.providerEventId === d.providerEventId && entry.resolution === undefined ? { ...entry, resolution } : entry,
      );
    }
  }
  const first = events[0];
  const last = events[events.length - 1];
  if (state.status === 'none' || !first || !last) return null;
  return { state, checkout, anomalies, version: events.length, createdAt: first.recordedAt, updatedAt: last.recordedAt };
}

/**
 * The live path's row: the recorded stream plus the events a command just decided (recorded at
 * `now`), folded as a rebuild would fold them. A payment that folds to nothing is a bug.
 */
export function paymentRowAfter(
  paymentId: string,
  recorded: readonly PaymentStreamEvent[],
  decided: readonly { readonly type: string; readonly data: unknown }[],
  now: string,
): PaymentRow {
  const row = foldPaymentRow([...recorded, ...decided.map((e) => ({ type: e.type, data: e.data, recordedAt: now }))]);
  if (!row) throw new Error(`payment ${paymentId} folded to nothing`);
  return row;
}

/**
 * The upsert of the folded payment: one statement, run alone or as part of a command's write set.
 * Rebuilds write the same columns from projectionRows.ts; verify compares the two row by row.
 */
export function paymentViewUpsert(tenantId: string, row: PaymentRow) {
  const { state, checkout } = row;
  const refundRequested = state.status === 'succeeded' ? state.refundRequested : false;
  // The client secret is never projected: it is handed out once, in the creating response (see PaymentCheckout).
  return sql.fragment`
    INSERT INTO ${sql.identifier([PAYMENTS_VIEW_TABLE])} (tenant_id, payment_id, reservation_id, provider, status, amount, currency,
      provider_payment_id, client_secret, checkout_url, pix_qr_code, last_error, version, created_at, updated_at,
      refund_requested, anomalies)
    VALUES (${tenantId}, ${state.paymentId}, ${state.reservationId}, ${state.provider}, ${state.status},
      ${state.amount.amount}, ${state.amount.currency}, ${state.providerPaymentId ?? null}, NULL,
      ${checkout.checkoutUrl ?? null}, ${checkout.pixQrCode ?? null}, ${state.lastError ?? null}, ${row.version},
      ${row.createdAt}::timestamptz, ${row.updatedAt}::timestamptz, ${refundRequested},
      ${JSON.stringify(row.anomalies)}::jsonb)
    ON CONFLICT (tenant_id, payment_id) DO UPDATE SET
      status = EXCLUDED.status, provider_payment_id = EXCLUDED.provider_payment_id,
      checkout_url = EXCLUDED.checkout_url, pix_qr_code = EXCLUDED.pix_qr_code, last_error = EXCLUDED.last_error,
      version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, refund_requested = EXCLUDED.refund_requested,
      anomalies = EXCLUDED.anomalies`;
}

/** Writes the folded payment on its own (flows that write nothing else in that statement). */
export async function savePaymentView(tx: Queries, tenantId: string, row: PaymentRow): Promise<void> {
  await tx.query(sql.typeAlias('void')`${paymentViewUpsert(tenantId, row)}`);
}

export async function readPaymentsOfReservation(
  db: Queries,
  tenantId: string,
  reservationId: string,
): Promise<PaymentView[]> {
  const rows = await db.any(sql.type(paymentViewRow)`
    SELECT ${columns} FROM payments_view
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid
    ORDER BY created_at, payment_id`);
  return [...rows];
}

/** A provider is still working on a payment of this reservation, so its hold must not lapse. */
export async function hasPaymentInFlight(db: Queries, tenantId: string, reservationId: string): Promise<boolean> {
  return db.oneFirst(sql.type(inFlightRow)`
    SELECT EXISTS (
      SELECT 1 FROM payments_view
      WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid AND status = 'processing'
    ) AS in_flight`);
}

const paymentRefRow = z.object({
  tenant_id: z.string(),
  payment_id: z.string(),
  reservation_id: z.string(),
  provider: z.string(),
});
export type PaymentRef = { readonly tenantId: string; readonly paymentId: string; readonly reservationId: string; readonly provider: string };

const toRef = (row: z.infer<typeof paymentRefRow>): PaymentRef => ({
  tenantId: row.tenant_id,
  paymentId: row.payment_id,
  reservationId: row.reservation_id,
  provider: row.provider,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Our payment id as a provider echoes it back (metadata, external_reference); the tenant narrows it
 * when known. Asked before any tenant is set (a webhook learns its tenant here), so it goes through
 * migration 0020's SECURITY DEFINER lookup, which sees every tenant's payments and returns only refs.
 */
export async function findPaymentById(
  db: Queries,
  paymentId: string,
  tenantId: string | undefined,
): Promise<PaymentRef | null> {
  if (!UUID.test(paymentId)) return null;
  const rows = await db.any(sql.type(paymentRefRow)`
    SELECT tenant_id, payment_id, reservation_id, provider
    FROM ledger_find_payment_by_id(${paymentId}::uuid, ${tenantId ?? null}::text)`);
  // Ids are uuids we issued; two tenants holding the same one would be a bug, never a match to guess at.
  return rows.length === 1 && rows[0] ? toRef(rows[0]) : null;
}

/** The payment a provider names by its own id (a Stripe PaymentIntent `pi_…`, a Mercado Pago payment id); across tenants, like findPaymentById. */
export async function findPaymentByProviderId(
  db: Queries,
  providers: readonly string[],
  providerPaymentId: string,
): Promise<PaymentRef | null> {
  const rows = await db.any(sql.type(paymentRefRow)`
    SELECT tenant_id, payment_id, reservation_id, provider
    FROM ledger_find_payment_by_provider_id(${sql.array([...providers], 'text')}, ${providerPaymentId})`);
  return rows.length === 1 && rows[0] ? toRef(rows[0]) : null;
}

const openPaymentRow = paymentRefRow.extend({ provider_payment_id: z.string().nullable(), status: z.string(), created_at: z.string() });
export type OpenPayment = PaymentRef & { readonly providerPaymentId: string | null; readonly status: string; readonly createdAt: string };

/**
 * Payments reconciliation should ask the provider about: still open and quiet since `before`, or
 * succeeded with a refund asked for and no refund seen yet (a lost refund webhook).
 */
export async function findPaymentsToReconcile(db: Queries, before: string, limit: number): Promise<OpenPayment[]> {
  const rows = await db.any(sql.type(openPaymentRow)`
    SELECT tenant_id, payment_id::text, reservation_id::text, provider, provider_payment_id, status, created_at
    FROM payments_view
    WHERE updated_at <= ${before}::timestamptz
      AND (status IN ('pending', 'processing') OR (status = 'succeeded' AND refund_requested))
    ORDER BY updated_at
    LIMIT ${limit}`);
  return rows.map((row) => ({ ...toRef(row), providerPaymentId: row.provider_payment_id, status: row.status, createdAt: row.created_at }));
}

const anomalyListRow = z.object({
  payment_id: z.string(),
  reservation_id: z.string(),
  provider: z.string(),
  status: z.string(),
  anomaly: z.record(z.string(), z.unknown()),
});

export type AnomalyState = 'open' | 'resolved' | 'all';

/** The tenant's anomalies, newest first, for the back office: open ones are its to-do list. */
export async function listPaymentAnomalies(db: Queries, tenantId: string, limit: number, state: AnomalyState = 'all') {
  const inState =
    state === 'all'
      ? sql.fragment`TRUE`
      : state === 'open'
        ? sql.fragment`NOT (a.value ? 'resolution')`
        : sql.fragment`a.value ? 'resolution'`;
  const rows = await db.any(sql.type(anomalyListRow)`
    SELECT p.payment_id::text, p.reservation_id::text, p.provider, p.status, a.value AS anomaly
    FROM payments_view p CROSS JOIN LATERAL jsonb_array_elements(p.anomalies) AS a(value)
    WHERE p.tenant_id = ${tenantId} AND jsonb_array_length(p.anomalies) > 0 AND ${inState}
    ORDER BY a.value->>'recordedAt' DESC, p.payment_id
    LIMIT ${limit}`);
  return rows.map((row) => ({
    paymentId: row.payment_id,
    reservationId: row.reservation_id,
    provider: row.provider,
    currentPaymentStatus: row.status,
    ...(row.anomaly as AnomalyEntry),
  }));
}

const unpayableRow = z.object({ tenant_id: z.string(), payment_id: z.string(), provider_event_id: z.string() });

/**
 * Money taken for a reservation that could not be paid and not yet given back: succeeded payments
 * with an open ReservationNotPayable anomaly, across tenants (a system job's discovery step).
 */
export async function findUnpayableSuccesses(db: Queries, limit: number) {
  const rows = await db.any(sql.type(unpayableRow)`
    SELECT p.tenant_id, p.payment_id::text, a.value->>'providerEventId' AS provider_event_id
    FROM payments_view p CROSS JOIN LATERAL jsonb_array_elements(p.anomalies) AS a(value)
    WHERE p.status = 'succeeded' AND jsonb_array_length(p.anomalies) > 0
      AND a.value->>'anomaly' = 'ReservationNotPayable' AND NOT (a.value ? 'resolution')
    ORDER BY p.updated_at
    LIMIT ${limit}`);
  return rows.map((row) => ({ tenantId: row.tenant_id, paymentId: row.payment_id, providerEventId: row.provider_event_id }));
}
/** The row key a write set knows a payments_view row by (one write per row and statement). */
export const paymentRowKey = (tenantId: string, paymentId: string) => `payments_view:${tenantId}\u0000${paymentId}`;
