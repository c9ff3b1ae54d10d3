import { evolveReservation, initialReservationState, type ReservationEvent } from '../src/domain/reservation.js';
import { evolveSlot, initialSlotState, type SlotEvent } from '../src/domain/slot.js';
import { foldPaymentRow, type PaymentStreamEvent } from './paymentView.js';
import { customerEmailKey, paymentIdOf } from './reservationView.js';

/**
 * The rows rebuilds and verification write, many per statement, one per stream. Each must hold
 * exactly what the live path's upsert (slotAvailabilityUpsert, reservationViewUpsert,
 * paymentViewUpsert) leaves in the table for the same events: verifyLedger compares the two row by
 * row, and test/audit/rebuildEqualsLive.e2e.spec.ts checks it after random workloads.
 */

/** A column of a projection table and its PostgreSQL type, for `sql.unnest`. */
export type ProjectionColumn = readonly [name: string, type: 'text' | 'uuid' | 'int4' | 'int8' | 'bool' | 'timestamptz' | 'jsonb'];
export type ProjectionRow = readonly (string | number | boolean | null)[];
/**
 * Events as the folds need them; a RecordedEvent is one. `hash` is needed only of a slot stream's
 * last event: the slot's row keeps its stream head (the hold path chains onto it under the lock).
 */
export type StreamEvent = PaymentStreamEvent & { readonly hash?: string | null };

const asDomain = <E>(event: StreamEvent) => ({ type: event.type, data: event.data }) as E;

export const slotAvailabilityColumns: readonly ProjectionColumn[] = [
  ['tenant_id', 'text'], ['slot_id', 'text'], ['activity_id', 'text'], ['starts_at', 'timestamptz'], ['capacity', 'int4'],
  ['held', 'int4'], ['sold', 'int4'], ['unit_price_amount', 'int8'], ['unit_price_currency', 'text'], ['version', 'int4'],
  ['updated_at', 'timestamptz'], ['head_hash', 'text'],
];

export function slotAvailabilityRowOf(tenantId: string, events: readonly StreamEvent[]): ProjectionRow | null {
  const state = events.map(asDomain<SlotEvent>).reduce(evolveSlot, initialSlotState);
  const last = events[events.length - 1];
  if (state.status !== 'open' || !last) return null;
  if (!last.hash) throw new Error(`slot ${state.slotId}: its stream's last event came without its hash`);
  return [
    tenantId, state.slotId, state.activityId, state.startsAt, state.capacity, state.held, state.sold,
    state.unitPrice.amount, state.unitPrice.currency, events.length, last.recordedAt, last.hash,
  ];
}

export const reservationViewColumns: readonly ProjectionColumn[] = [
  ['tenant_id', 'text'], ['reservation_id', 'uuid'], ['slot_id', 'text'], ['seats', 'int4'], ['status', 'text'],
  ['total_amount', 'int8'], ['total_currency', 'text'], ['expires_at', 'timestamptz'], ['customer_name', 'text'],
  ['customer_email', 'text'], ['owner_sub', 'text'], ['payment_id', 'uuid'], ['version', 'int4'], ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'], ['customer_email_key', 'text'],
];

export function reservationViewRowOf(tenantId: string, events: readonly StreamEvent[]): ProjectionRow | null {
  const state = events.map(asDomain<ReservationEvent>).reduce(evolveReservation, initialReservationState);
  const last = events[events.length - 1];
  if (state.status === 'none' || !last) return null;
  return [
    tenantId, state.reservationId, state.slotId, state.seats, state.status, state.total.amount, state.total.currency,
    state.expiresAt, state.customer.name, state.customer.email, state.ownerSub, paymentIdOf(state), events.length,
    state.heldAt, last.recordedAt, customerEmailKey(state.customer.email),
  ];
}

export const paymentViewColumns: readonly ProjectionColumn[] = [
  ['tenant_id', 'text'], ['payment_id', 'uuid'], ['reservation_id', 'uuid'], ['provider', 'text'], ['status', 'text'],
  ['amount', 'int8'], ['currency', 'text'], ['provider_payment_id', 'text'], ['client_secret', 'text'], ['checkout_url', 'text'],
  ['pix_qr_code', 'text'], ['last_error', 'text'], ['version', 'int4'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
  ['refund_requested', 'bool'], ['anomalies', 'jsonb'],
];

export function paymentViewRowOf(tenantId: string, events: readonly StreamEvent[]): ProjectionRow | null {
  const row = foldPaymentRow(events);
  if (!row) return null;
  const { state, checkout } = row;
  return [
    tenantId, state.paymentId, state.reservationId, state.provider, state.status, state.amount.amount, state.amount.currency,
    state.providerPaymentId ?? null,
    // Never projected, as in paymentViewUpsert: the client secret is handed out once, in the creating response.
    null,
    checkout.checkoutUrl ?? null, checkout.pixQrCode ?? null, state.lastError ?? null, row.version, row.createdAt, row.updatedAt,
    state.status === 'succeeded' ? state.refundRequested : false, JSON.stringify(row.anomalies),
  ];
}
