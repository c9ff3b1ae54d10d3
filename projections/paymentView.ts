import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import { parseStream } from '../src/aggregates/eventSchema.js';
import { parsePaymentEvent } from '../src/aggregates/paymentEvents.js';
import { evolvePayment, initialPaymentState, type PaymentCheckout, type PaymentEvent, type PaymentState } from '../src/domain/payment.js';
import { sql } from '../src/db/sql.js';
import { column, declareProjection, type FoldedStream, nullable, oneOf } from './declaredProjection.js';

const inFlightRow = z.object({ in_flight: z.boolean() });

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

/** A payment stream's events as the projection needs them (ours, with their times). */
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
 * Folds a whole payment stream, parsed, into its row (`recorded[i]` is when `events[i]` was
 * recorded). The live path and rebuilds both come through here, so the row is always exactly what
 * the events say (payment streams are a handful of events).
 */
export function foldPaymentRow(events: readonly PaymentEvent[], recorded: readonly { readonly recordedAt: string }[]): PaymentRow | null {
  let state: PaymentState = initialPaymentState;
  let checkout: PaymentCheckout = {};
  let anomalies: AnomalyEntry[] = [];
  for (const [index, event] of events.entries()) {
    const row = recorded[index];
    if (row === undefined) throw new Error(`payment stream: event ${index + 1} has no recorded row`);
    const { recordedAt } = row;
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
        recordedAt,
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
  const first = recorded[0];
  const last = recorded[events.length - 1];
  if (state.status === 'none' || !first || !last) return null;
  return { state, checkout, anomalies, version: events.length, createdAt: first.recordedAt, updatedAt: last.recordedAt };
}

/**
 * The live path's row: the recorded stream plus the events a command just decided (recorded at
 * `now`), folded as a rebuild would fold them. Both are parsed by the payment's event schema: the
 * recorded ones as the log holds them, the decided ones so that an event the schema would refuse
 * once stored fails its command now. A payment that folds to nothing is a bug.
 */
export function paymentRowAfter(
  paymentId: string,
  recorded: readonly PaymentStreamEvent[],
  decided: readonly { readonly type: string; readonly data: unknown }[],
  now: string,
): PaymentRow {
  const streamId = `payment-${paymentId}`;
  const all = [...recorded, ...decided.map((e) => ({ type: e.type, data: e.data, recordedAt: now }))];
  const row = foldPaymentRow(parseStream(parsePaymentEvent, streamId, all), all);
  if (!row) throw new Error(`payment ${paymentId} folded to nothing`);
  return row;
}

/** A rebuild's input: the payment row of the whole parsed stream. */
export function paymentViewInputOf(stream: FoldedStream<PaymentState, PaymentEvent>): PaymentRow | null {
  return foldPaymentRow(stream.events, stream.recorded);
}

/**
 * The payment's row, declared once (see declaredProjection.ts): the live path's upsert
 * (`paymentViewUpsert`) and rebuilds (`paymentViewInputOf`) both write `rowOf`'s row.
 */
export const paymentsView = declareProjection({
  table: PAYMENTS_VIEW_TABLE,
  columns: {
    tenant_id: column.text,
    payment_id: column.uuid,
    reservation_id: column.uuid,
    provider: oneOf(['stripe', 'mercadopago', 'pix']),
    status: oneOf(['pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed']),
    amount: column.int8,
    currency: column.text,
    provider_payment_id: nullable(column.text),
    client_secret: nullable(column.text),
    checkout_url: nullable(column.text),
    pix_qr_code: nullable(column.text),
    last_error: nullable(column.text),
    version: column.int4,
    created_at: column.timestamptz,
    updated_at: column.timestamptz,
    refund_requested: column.bool,
    anomalies: column.jsonb,
  },
  key: ['tenant_id', 'payment_id'],
  updateOnConflict: [
    'status',
    'provider_payment_id',
    'checkout_url',
    'pix_qr_code',
    'last_error',
    'version',
    'updated_at',
    'refund_requested',
    'anomalies',
  ],
  rowOf: (tenantId, row: PaymentRow) => {
    const { state, checkout } = row;
    return {
      tenant_id: tenantId,
      payment_id: state.paymentId,
      reservation_id: state.reservationId,
      provider: state.provider,
      status: state.status,
      amount: state.amount.amount,
      currency: state.amount.currency,
      provider_payment_id: state.providerPaymentId ?? null,
      // Never projected: the client secret is handed out once, in the creating response (see PaymentCheckout).
      client_secret: null,
      checkout_url: checkout.checkoutUrl ?? null,
      pix_qr_code: checkout.pixQrCode ?? null,
      last_error: state.lastError ?? null,
      version: row.version,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
      refund_requested: state.status === 'succeeded' ? state.refundRequested : false,
      anomalies: JSON.stringify(row.anomalies),
    };
  },
});

const paymentReader = paymentsView.reader([
  'payment_id',
  'reservation_id',
  'provider',
  'status',
  'amount',
  'currency',
  'provider_payment_id',
  'client_secret',
  'checkout_url',
  'pix_qr_code',
  'last_error',
  'version',
  'created_at',
  'updated_at',
]);
export const paymentViewRow = paymentReader.schema;
export type PaymentView = z.infer<typeof paymentViewRow>;
const columns = paymentReader.columns;

export async function readPaymentsOfReservation(db: Queries, tenantId: string, reservationId: string): Promise<PaymentView[]> {
  const rows = await db.any(sql.type(paymentViewRow)`
    SELECT ${columns} FROM payments_view
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid
    ORDER BY created_at, payment_id`);
  return [...rows];
}

/** One payment of the tenant as its view shows it, or null when the tenant has none by that id. */
export async function readPayment(db: Queries, tenantId: string, paymentId: string): Promise<PaymentView | null> {
  return db.maybeOne(sql.type(paymentViewRow)`
    SELECT ${columns} FROM payments_view WHERE tenant_id = ${tenantId} AND payment_id = ${paymentId}::uuid`);
}

/** A payment of this reservation is pending or processing at the provider: it may still pay, so the hold must not lapse. */
export async function hasOpenPayment(db: Queries, tenantId: string, reservationId: string): Promise<boolean> {
  return db.oneFirst(sql.type(inFlightRow)`
    SELECT EXISTS (
      SELECT 1 FROM payments_view
      WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid AND status IN ('pending', 'processing')
    ) AS in_flight`);
}

const paymentRefRow = z.object({
  tenant_id: z.string(),
  payment_id: z.string(),
  reservation_id: z.string(),
  provider: z.string(),
});
export type PaymentRef = {
  readonly tenantId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly provider: string;
};

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
export async function findPaymentById(db: Queries, paymentId: string, tenantId: string | undefined): Promise<PaymentRef | null> {
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

const openAnomalyCountRow = z.object({ provider: z.string(), anomaly: z.string(), count: z.number() });

/**
 * Open anomalies across tenants by provider and kind, for `/metrics`: counts only, never a tenant,
 * payment or customer (a system role's read).
 */
export async function countOpenAnomalies(db: Queries) {
  return db.any(sql.type(openAnomalyCountRow)`
    SELECT p.provider, coalesce(a.value->>'anomaly', 'unknown') AS anomaly, count(*)::int AS count
    FROM payments_view p CROSS JOIN LATERAL jsonb_array_elements(p.anomalies) AS a(value)
    WHERE jsonb_array_length(p.anomalies) > 0 AND NOT (a.value ? 'resolution')
    GROUP BY 1, 2`);
}
