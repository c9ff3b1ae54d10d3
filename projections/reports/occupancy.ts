import type { Queries } from '../../src/db/queries.js';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { RecordedEvent } from '../../src/ledger/recordedEvent.js';
import { activityAggregate } from '../../src/aggregates/activity.js';
import { slotAggregate } from '../../src/aggregates/slot.js';
import { localDay } from '../../src/domain/localTime.js';
import { seatMovePerSeat } from '../../src/domain/slot.js';
import { readActivityTimeZone } from '../activityView.js';
import { parsedForReport } from './errors.js';

export const SLOT_STREAM_PREFIX = slotAggregate.streamPrefix;
const ACTIVITY_STREAM_PREFIX = activityAggregate.streamPrefix;

/**
 * The local day a departure is counted on: the calendar day of `startsAt` in its activity's time
 * zone as `activity_view` has it now (UTC for an activity never defined). Computed here with the
 * same zone rules as the slot's `localStartsAt`, not by PostgreSQL's own time zone table.
 */
async function departureDay(tx: Queries, tenantId: string, activityId: string, startsAt: string): Promise<string> {
  return localDay(new Date(startsAt), await readActivityTimeZone(tx, tenantId, activityId));
}

/**
 * Folds one slot event into `report_slot_occupancy`, and re-days an activity's departures when its
 * time zone is defined or changes (ADR 0038): a departure is always on its local day in the zone
 * the activity has at the end of what was folded, live or rebuilt.
 */
export async function foldOccupancy(tx: Queries, event: RecordedEvent): Promise<void> {
  if (event.streamId.startsWith(ACTIVITY_STREAM_PREFIX)) return foldActivityZone(tx, event);
  if (!event.streamId.startsWith(SLOT_STREAM_PREFIX)) return;
  const slotId = event.streamId.slice(SLOT_STREAM_PREFIX.length);
  const slotEvent = parsedForReport(slotAggregate, event);
  if (slotEvent.type === 'SlotDefined') {
    const details = slotEvent.data;
    const day = await departureDay(tx, event.tenantId, details.activityId, details.startsAt);
    // A repeated definition changes nothing in the slot's own state either (evolveSlot ignores it).
    await tx.query(sql.typeAlias('void')`
      INSERT INTO report_slot_occupancy (tenant_id, slot_id, day, activity_id, starts_at, capacity, updated_at)
      VALUES (${event.tenantId}, ${slotId}, ${day}::date,
              ${details.activityId}, ${details.startsAt}::timestamptz, ${details.capacity}, ${event.recordedAt}::timestamptz)
      ON CONFLICT (tenant_id, slot_id) DO NOTHING`);
    return;
  }
  if (slotEvent.type === 'SlotDetailsChanged') {
    const details = slotEvent.data;
    const day = await departureDay(tx, event.tenantId, details.activityId, details.startsAt);
    await tx.query(sql.typeAlias('void')`
      UPDATE report_slot_occupancy
      SET day = ${day}::date, activity_id = ${details.activityId},
          starts_at = ${details.startsAt}::timestamptz, capacity = ${details.capacity}, updated_at = ${event.recordedAt}::timestamptz
      WHERE tenant_id = ${event.tenantId} AND slot_id = ${slotId}`);
    return;
  }
  // Seats move as evolveSlot moves them.
  const delta = seatMovePerSeat(slotEvent.type);
  if (!delta || slotEvent.type === 'DepartureStatusChanged') return;
  const { seats } = slotEvent.data;
  await tx.query(sql.typeAlias('void')`
    UPDATE report_slot_occupancy
    SET held = held + ${delta.held * seats}, sold = sold + ${delta.sold * seats}, updated_at = ${event.recordedAt}::timestamptz
    WHERE tenant_id = ${event.tenantId} AND slot_id = ${slotId}`);
}

const departureRow = z.object({ slot_id: z.string(), starts_at: z.string() });

/**
 * An activity's new zone moves its departures to their local day in it. Their `updated_at` stays:
 * it says when seats last moved, and a rebuild, which re-days the same rows, leaves it the same.
 */
async function foldActivityZone(tx: Queries, event: RecordedEvent): Promise<void> {
  const activityId = event.streamId.slice(ACTIVITY_STREAM_PREFIX.length);
  const { timeZone } = parsedForReport(activityAggregate, event).data;
  const departures = await tx.any(sql.type(departureRow)`
    SELECT slot_id, starts_at FROM report_slot_occupancy WHERE tenant_id = ${event.tenantId} AND activity_id = ${activityId}`);
  if (departures.length === 0) return;
  const days = departures.map((row) => localDay(new Date(row.starts_at), timeZone));
  await tx.query(sql.typeAlias('void')`
    UPDATE report_slot_occupancy r SET day = moved.day
    FROM unnest(${sql.array(
      departures.map((row) => row.slot_id),
      'text',
    )}, ${sql.array(days, 'date')}) AS moved(slot_id, day)
    WHERE r.tenant_id = ${event.tenantId} AND r.slot_id = moved.slot_id AND r.day IS DISTINCT FROM moved.day`);
}

export type OccupancyRow = {
  readonly day: string;
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly held: number;
  readonly sold: number;
  readonly available: number;
};

const occupancyRow = z.object({
  day: z.string(),
  slot_id: z.string(),
  activity_id: z.string(),
  starts_at: z.string(),
  capacity: z.number(),
  held: z.number(),
  sold: z.number(),
});

/** One tenant's slots whose local departure day lies in [from, to] (inclusive dates), in day then start order. */
export async function readOccupancy(db: Queries, tenantId: string, from: string, to: string): Promise<OccupancyRow[]> {
  const rows = await db.any(sql.type(occupancyRow)`
    SELECT day::text, slot_id, activity_id, starts_at, capacity, held, sold
    FROM report_slot_occupancy
    WHERE tenant_id = ${tenantId} AND day BETWEEN ${from}::date AND ${to}::date
    ORDER BY day, starts_at, slot_id`);
  return rows.map((row) => ({
    day: row.day,
    slotId: row.slot_id,
    activityId: row.activity_id,
    startsAt: row.starts_at,
    capacity: row.capacity,
    held: row.held,
    sold: row.sold,
    // The panel may take more seats than the capacity (ADR 0046): never a negative availability.
    available: Math.max(0, row.capacity - row.held - row.sold),
  }));
}
