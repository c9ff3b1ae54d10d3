import type { Queries } from '../../src/db/queries.js';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { ReservationStatus } from '../../src/domain/reservation.js';
import { type InstantRange, type Keyset, keysetAt, type Page, rangeConditions, toPage } from './keyset.js';

export type ReservationFilters = {
  readonly status?: Exclude<ReservationStatus, 'none'>;
  readonly slotId?: string;
  readonly activityId?: string;
  /** The departure: the slot's `startsAt`, as it stands now. */
  readonly departure?: InstantRange;
  /** When the reservation was held. */
  readonly created?: InstantRange;
  /**
   * The keys the customer's e-mail is stored under (`customerEmailKey`): their data key's id, and
   * the lowercased address for rows recorded before sealing. The app finds them from the e-mail.
   */
  readonly customerEmailKeys?: readonly string[];
};

export type ReservationListItem = {
  readonly reservationId: string;
  readonly status: Exclude<ReservationStatus, 'none'>;
  readonly slotId: string;
  readonly activityId: string;
  readonly departsAt: string;
  readonly seats: number;
  readonly total: { readonly amount: number; readonly currency: string };
  readonly customer: { readonly name: string; readonly email: string };
  readonly expiresAt: string;
  readonly paymentId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
};

const listRow = z.object({
  reservation_id: z.string(),
  status: z.enum(['held', 'paid', 'expired', 'cancelled', 'refunded']),
  slot_id: z.string(),
  activity_id: z.string(),
  starts_at: z.string(),
  seats: z.number(),
  total_amount: z.number(),
  total_currency: z.string(),
  customer_name: z.string(),
  customer_email: z.string(),
  expires_at: z.string(),
  payment_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
  keyset_at: z.string(),
});

const toItem = (row: z.infer<typeof listRow>): ReservationListItem => ({
  reservationId: row.reservation_id,
  status: row.status,
  slotId: row.slot_id,
  activityId: row.activity_id,
  departsAt: row.starts_at,
  seats: row.seats,
  total: { amount: row.total_amount, currency: row.total_currency },
  customer: { name: row.customer_name, email: row.customer_email },
  expiresAt: row.expires_at,
  paymentId: row.payment_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  version: row.version,
});

const r = (column: string) => sql.identifier(['r', column]);
const s = (column: string) => sql.identifier(['s', column]);

/**
 * One page of a tenant's reservations, newest first (creation time, then id), after `after`.
 * Activity and departure are the slot's (joined, never copied: a slot's details can change without
 * any event on the reservation's stream).
 */
export async function listReservations(
  db: Queries,
  tenantId: string,
  filters: ReservationFilters,
  page: { readonly limit: number; readonly after?: Keyset },
): Promise<Page<ReservationListItem>> {
  const conditions = [
    sql.fragment`${r('tenant_id')} = ${tenantId}`,
    ...(filters.status === undefined ? [] : [sql.fragment`${r('status')} = ${filters.status}`]),
    ...(filters.slotId === undefined ? [] : [sql.fragment`${r('slot_id')} = ${filters.slotId}`]),
    // A stored key and plain equality: lower(column) would defeat the index under row-level security (migration 0025).
    ...(filters.customerEmailKeys === undefined
      ? []
      : [sql.fragment`${r('customer_email_key')} = ANY(${sql.array(filters.customerEmailKeys, 'text')})`]),
    ...(filters.activityId === undefined ? [] : [sql.fragment`${s('activity_id')} = ${filters.activityId}`]),
    ...rangeConditions(s('starts_at'), filters.departure),
    ...rangeConditions(r('created_at'), filters.created),
    ...(page.after === undefined
      ? []
      : [sql.fragment`(${r('created_at')}, ${r('reservation_id')}) < (${page.after.at}::timestamptz, ${page.after.id}::uuid)`]),
  ];
  const rows = await db.any(sql.type(listRow)`
    SELECT r.reservation_id::text, r.status, r.slot_id, s.activity_id, s.starts_at, r.seats, r.total_amount,
      r.total_currency, r.customer_name, r.customer_email, r.expires_at, r.payment_id::text, r.created_at,
      r.updated_at, r.version, ${keysetAt(r('created_at'))} AS keyset_at
    FROM reservations_view r
    JOIN slot_availability s ON s.tenant_id = r.tenant_id AND s.slot_id = r.slot_id
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY r.created_at DESC, r.reservation_id DESC
    LIMIT ${page.limit + 1}`);
  return toPage(rows, page.limit, (row) => row.reservation_id, toItem);
}
