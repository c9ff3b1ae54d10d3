import { z } from 'zod';
import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';
import { DEFAULT_TIME_ZONE } from './activityView.js';
import { type InstantRange, type Keyset, keysetAt, type Page, rangeConditions, toPage } from './backoffice/keyset.js';
import { slotAvailabilityRow, toSnapshot, type SlotSnapshot } from './slotAvailability.js';

export type SlotFilters = {
  readonly activityId?: string;
  /** The departure (`startsAt`): `from` included, `to` excluded. */
  readonly departure?: InstantRange;
  /** Only slots with at least one seat neither held nor sold. */
  readonly onlyAvailable: boolean;
};

/** A listed slot: its state and its activity's time zone (UTC when the activity is not defined). */
export type ListedSlot = { readonly state: SlotSnapshot['state']; readonly timeZone: string };

const listRow = slotAvailabilityRow.extend({ time_zone: z.string(), keyset_at: z.string() });

const s = (column: string) => sql.identifier(['s', column]);

/**
 * One page of a tenant's slots in departure order (start, then id), after `after`. The keyset is
 * the departure and the id: a slot defined while a client pages shows up on the page its departure
 * sorts into, and no slot is shown twice or skipped (slot_availability_activity and
 * slot_availability_departure serve the order with or without an activity).
 */
export async function listSlots(
  db: Queries,
  tenantId: string,
  filters: SlotFilters,
  page: { readonly limit: number; readonly after?: Keyset },
): Promise<Page<ListedSlot>> {
  const conditions = [
    sql.fragment`${s('tenant_id')} = ${tenantId}`,
    ...(filters.activityId === undefined ? [] : [sql.fragment`${s('activity_id')} = ${filters.activityId}`]),
    ...rangeConditions(s('starts_at'), filters.departure),
    ...(filters.onlyAvailable
      ? [sql.fragment`${s('capacity')} - ${s('held')} - ${s('sold')} > 0 AND ${s('departure_status')} = 'open'`]
      : []),
    ...(page.after === undefined
      ? []
      : [sql.fragment`(${s('starts_at')}, ${s('slot_id')}) > (${page.after.at}::timestamptz, ${page.after.id})`]),
  ];
  const rows = await db.any(sql.type(listRow)`
    SELECT s.slot_id, s.activity_id, s.starts_at, s.capacity, s.held, s.sold, s.unit_price_amount, s.unit_price_currency,
      s.version, s.head_hash, s.updated_at, s.departure_status, s.panel_bookings, s.released_panel_bookings, coalesce(a.time_zone, ${DEFAULT_TIME_ZONE}) AS time_zone,
      ${keysetAt(s('starts_at'))} AS keyset_at
    FROM slot_availability s
    LEFT JOIN activity_view a ON a.tenant_id = s.tenant_id AND a.activity_id = s.activity_id
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY s.starts_at, s.slot_id
    LIMIT ${page.limit + 1}`);
  return toPage(
    rows,
    page.limit,
    (row) => row.slot_id,
    (row) => ({ state: toSnapshot(row).state, timeZone: row.time_zone }),
  );
}
