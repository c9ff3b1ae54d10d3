import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import type { ReservationState } from '../src/domain/reservation.js';
import { sql } from '../src/db/sql.js';

const dueHoldRow = z.object({ tenant_id: z.string(), reservation_id: z.string() });

type ExistingReservation = Exclude<ReservationState, { status: 'none' }>;

export const reservationViewRow = z.object({
  reservation_id: z.string(),
  slot_id: z.string(),
  seats: z.number(),
  status: z.enum(['held', 'paid', 'expired', 'cancelled', 'refunded']),
  total_amount: z.number(),
  total_currency: z.string(),
  expires_at: z.string(),
  customer_name: z.string(),
  customer_email: z.string(),
  owner_sub: z.string(),
  payment_id: z.string().nullable(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type ReservationView = z.infer<typeof reservationViewRow>;

const columns = sql.fragment`reservation_id::text, slot_id, seats, status, total_amount, total_currency, expires_at,
  customer_name, customer_email, owner_sub, payment_id::text, version, created_at, updated_at`;

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
 * What the backoffice's e-mail filter compares: the address as one key for every spelling of its
 * case. Computed here, for live rows and rebuilds alike, rather than by the database at query time.
 */
export const customerEmailKey = (email: string): string => email.toLowerCase();

/**
 * The upsert of the folded reservation, as part of a command's write set. Rebuilds write the same
 * columns from projectionRows.ts; verify compares the two row by row.
 */
export function reservationViewUpsert(tenantId: string, state: ExistingReservation, version: number, updatedAt: string) {
  return sql.fragment`
    INSERT INTO ${sql.identifier([RESERVATIONS_VIEW_TABLE])} (tenant_id, reservation_id, slot_id, seats, status, total_amount, total_currency,
      expires_at, customer_name, customer_email, owner_sub, payment_id, version, created_at, updated_at, customer_email_key)
    VALUES (${tenantId}, ${state.reservationId}, ${state.slotId}, ${state.seats}, ${state.status},
      ${state.total.amount}, ${state.total.currency}, ${state.expiresAt}::timestamptz, ${state.customer.name},
      ${state.customer.email}, ${state.ownerSub}, ${paymentIdOf(state)}, ${version}, ${state.heldAt}::timestamptz,
      ${updatedAt}::timestamptz, ${customerEmailKey(state.customer.email)})
    ON CONFLICT (tenant_id, reservation_id) DO UPDATE SET
      status = EXCLUDED.status, payment_id = EXCLUDED.payment_id, version = EXCLUDED.version,
      updated_at = EXCLUDED.updated_at`;
}

export async function readReservationView(
  db: Queries,
  tenantId: string,
  reservationId: string,
): Promise<ReservationView | null> {
  return db.maybeOne(sql.type(reservationViewRow)`
    SELECT ${columns} FROM reservations_view
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid`);
}

export type DueHold = { readonly tenantId: string; readonly reservationId: string };

/** Holds whose time is up and whose payment is not in flight, oldest first; each is decided under its slot's lock. */
export async function findDueHolds(db: Queries, now: string, limit: number): Promise<DueHold[]> {
  const rows = await db.any(sql.type(dueHoldRow)`
    SELECT r.tenant_id, r.reservation_id::text FROM reservations_view r
    WHERE r.status = 'held' AND r.expires_at <= ${now}::timestamptz
      AND NOT EXISTS (
        SELECT 1 FROM payments_view p
        WHERE p.tenant_id = r.tenant_id AND p.reservation_id = r.reservation_id AND p.status = 'processing')
    ORDER BY r.expires_at
    LIMIT ${limit}`);
  return rows.map((row) => ({ tenantId: row.tenant_id, reservationId: row.reservation_id }));
}

/** The row key a write set knows a reservations_view row by (one write per row and statement). */
export const reservationRowKey = (tenantId: string, reservationId: string) => `reservations_view:${tenantId}\u0000${reservationId}`;
