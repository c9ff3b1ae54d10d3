import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import { DEFAULT_CUSTOMER_LOCALE } from '../src/domain/customerLocale.js';
import type { ReservationState } from '../src/domain/reservation.js';
import { sql } from '../src/db/sql.js';
import { sealedKeyId } from '../src/privacy/sealedText.js';
import { column, declareProjection, type FoldedStream, nullable, oneOf } from './declaredProjection.js';

const dueHoldRow = z.object({ tenant_id: z.string(), reservation_id: z.string() });

type ExistingReservation = Exclude<ReservationState, { status: 'none' }>;

/** The payment a reservation row names (the one that paid it, or whose refund a cancel awaits). */
export function paymentIdOf(state: ExistingReservation): string | null {
  switch (state.status) {
    case 'paid':
    case 'refunded':
      return state.paymentId;
    case 'cancelled':
      return state.paymentId ?? null;
    case 'held':
    case 'expired':
      return null;
  }
}

export const RESERVATIONS_VIEW_TABLE = 'reservations_view';

/**
 * What the backoffice's e-mail filter compares, computed here for live rows and rebuilds alike: the
 * id of the data key a sealed e-mail was sealed under (one key per customer, whatever the case of
 * the address: ADR 0048), never the address; an address recorded before sealing (ADR 0049), lowercased.
 */
export const customerEmailKey = (storedEmail: string): string => sealedKeyId(storedEmail) ?? storedEmail.toLowerCase();

/** What a reservation's row is made of: the folded reservation, its stream's version, and when it last changed. */
export type ReservationViewInput = { readonly state: ExistingReservation; readonly version: number; readonly updatedAt: string };

/**
 * The reservation's row, declared once (see declaredProjection.ts): the live path's upsert
 * (`reservationViewUpsert`) and rebuilds (`reservationViewInputOf`) both write `rowOf`'s row.
 */
export const reservationsView = declareProjection({
  table: RESERVATIONS_VIEW_TABLE,
  columns: {
    tenant_id: column.text,
    reservation_id: column.uuid,
    slot_id: column.text,
    seats: column.int4,
    status: oneOf(['held', 'paid', 'expired', 'cancelled', 'refunded']),
    total_amount: column.int8,
    total_currency: column.text,
    expires_at: column.timestamptz,
    customer_name: column.text,
    customer_email: column.text,
    owner_sub: column.text,
    payment_id: nullable(column.uuid),
    version: column.int4,
    created_at: column.timestamptz,
    updated_at: column.timestamptz,
    customer_email_key: column.text,
    customer_locale: column.text,
  },
  key: ['tenant_id', 'reservation_id'],
  // What a hold decided stays as it was, except its deadline (extended once for a payment); later events change only these.
  updateOnConflict: ['status', 'expires_at', 'payment_id', 'version', 'updated_at'],
  rowOf: (tenantId, { state, version, updatedAt }: ReservationViewInput) => ({
    tenant_id: tenantId,
    reservation_id: state.reservationId,
    slot_id: state.slotId,
    seats: state.seats,
    status: state.status,
    total_amount: state.total.amount,
    total_currency: state.total.currency,
    expires_at: state.expiresAt,
    customer_name: state.customer.name,
    customer_email: state.customer.email,
    owner_sub: state.ownerSub,
    payment_id: paymentIdOf(state),
    version,
    created_at: state.heldAt,
    updated_at: updatedAt,
    customer_email_key: customerEmailKey(state.customer.email),
    customer_locale: state.customer.locale ?? DEFAULT_CUSTOMER_LOCALE,
  }),
});

/** A rebuild's input: the folded reservation as of its stream's last event. */
export function reservationViewInputOf(stream: FoldedStream<ReservationState>): ReservationViewInput | null {
  const { state } = stream;
  const last = stream.recorded[stream.recorded.length - 1];
  if (state.status === 'none' || !last) return null;
  return { state, version: stream.recorded.length, updatedAt: last.recordedAt };
}

const reservationReader = reservationsView.reader([
  'reservation_id',
  'slot_id',
  'seats',
  'status',
  'total_amount',
  'total_currency',
  'expires_at',
  'customer_name',
  'customer_email',
  'customer_locale',
  'owner_sub',
  'payment_id',
  'version',
  'created_at',
  'updated_at',
]);
export const reservationViewRow = reservationReader.schema;
export type ReservationView = z.infer<typeof reservationViewRow>;
const columns = reservationReader.columns;

export async function readReservationView(db: Queries, tenantId: string, reservationId: string): Promise<ReservationView | null> {
  return db.maybeOne(sql.type(reservationViewRow)`
    SELECT ${columns} FROM reservations_view
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid`);
}

export type DueHold = { readonly tenantId: string; readonly reservationId: string };

/** Holds whose time is up (their open payments are closed at the provider first), oldest first; each is decided under its slot's lock. */
export async function findDueHolds(db: Queries, now: string, limit: number): Promise<DueHold[]> {
  const rows = await db.any(sql.type(dueHoldRow)`
    SELECT r.tenant_id, r.reservation_id::text FROM reservations_view r
    WHERE r.status = 'held' AND r.expires_at <= ${now}::timestamptz
    ORDER BY r.expires_at
    LIMIT ${limit}`);
  return rows.map((row) => ({ tenantId: row.tenant_id, reservationId: row.reservation_id }));
}

/** The row key a write set knows a reservations_view row by (one write per row and statement). */
export const reservationRowKey = (tenantId: string, reservationId: string) => `reservations_view:${tenantId}\u0000${reservationId}`;
