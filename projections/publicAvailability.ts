import { z } from 'zod';
import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';

/** Which departures a booking site asks for: those of `[from, to)` after `after`, at most `limit` of them. */
export type PublicAvailabilityQuery = {
  readonly tenantId: string;
  readonly activityId?: string;
  /** Departures strictly after this instant only (now: one that has started is not for sale). */
  readonly after: string;
  readonly from: string;
  readonly to: string;
  readonly limit: number;
};

const publicSlotRow = z.object({
  slot_id: z.string(),
  activity_id: z.string(),
  starts_at: z.string(),
  time_zone: z.string(),
  available: z.number(),
  unit_price_amount: z.number(),
  unit_price_currency: z.string(),
});

export type PublicSlotRow = z.infer<typeof publicSlotRow>;

/**
 * The departures a tenant offers, read from the slot projection with the activity's time zone
 * (`UTC` for an activity the catalogue has no row of). Only what is for sale leaves the database:
 * the free seats as one number, never the held and sold counts behind it. Served by the indexes
 * `(tenant_id, activity_id, starts_at)` and `(tenant_id, starts_at)` (migration 0022): a bounded
 * range scan in departure order, whatever the tenant's number of slots.
 */
export async function readPublicAvailability(db: Queries, query: PublicAvailabilityQuery): Promise<readonly PublicSlotRow[]> {
  return db.any(sql.type(publicSlotRow)`${publicAvailabilityStatement(query)}`);
}

/** The statement `readPublicAvailability` runs (its plan is held to the indexes in a test). */
export function publicAvailabilityStatement(query: PublicAvailabilityQuery) {
  const activity = query.activityId === undefined ? sql.fragment`true` : sql.fragment`s.activity_id = ${query.activityId}`;
  return sql.fragment`
    SELECT s.slot_id, s.activity_id, s.starts_at,
           COALESCE(a.time_zone, 'UTC') AS time_zone,
           -- A closed departure has nothing for sale; the panel may oversell one (ADR 0046): never below 0.
           CASE WHEN s.departure_status = 'open' THEN GREATEST(0, s.capacity - s.held - s.sold) ELSE 0 END AS available,
           s.unit_price_amount, s.unit_price_currency
    FROM slot_availability s
    LEFT JOIN activity_view a ON a.tenant_id = s.tenant_id AND a.activity_id = s.activity_id
    WHERE s.tenant_id = ${query.tenantId}
      AND ${activity}
      AND s.starts_at > ${query.after}::timestamptz
      AND s.starts_at >= ${query.from}::timestamptz
      AND s.starts_at < ${query.to}::timestamptz
    ORDER BY s.starts_at, s.slot_id
    LIMIT ${query.limit}`;
}
