import type { Queries } from '../../src/db/queries.js';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { RecordedEvent } from '../../src/ledger/recordedEvent.js';
import { slotAggregate } from '../../src/aggregates/slot.js';
import { seatMovePerSeat } from '../../src/domain/slot.js';
import { parsedForReport } from './errors.js';

export const SLOT_STREAM_PREFIX = slotAggregate.streamPrefix;

/** Folds one slot event into `report_slot_occupancy`; the slot's day is the UTC date it starts on. */
export async function foldOccupancy(tx: Queries, event: RecordedEvent): Promise<void> {
  if (!event.streamId.startsWith(SLOT_STREAM_PREFIX)) return;
  const slotId = event.streamId.slice(SLOT_STREAM_PREFIX.length);
  const slotEvent = parsedForReport(slotAggregate, event);
  if (slotEvent.type === 'SlotDefined') {
    const details = slotEvent.data;
    // A repeated definition changes nothing in the slot's own state either (evolveSlot ignores it).
    await tx.query(sql.typeAlias('void')`
      INSERT INTO report_slot_occupancy (tenant_id, slot_id, day, activity_id, starts_at, capacity, updated_at)
      VALUES (${event.tenantId}, ${slotId}, (${details.startsAt}::timestamptz AT TIME ZONE 'UTC')::date,
              ${details.activityId}, ${details.startsAt}::timestamptz, ${details.capacity}, ${event.recordedAt}::timestamptz)
      ON CONFLICT (tenant_id, slot_id) DO NOTHING`);
    return;
  }
  if (slotEvent.type === 'SlotDetailsChanged') {
    const details = slotEvent.data;
    await tx.query(sql.typeAlias('void')`
      UPDATE report_slot_occupancy
      SET day = (${details.startsAt}::timestamptz AT TIME ZONE 'UTC')::date, activity_id = ${details.activityId},
          starts_at = ${details.startsAt}::timestamptz, capacity = ${details.capacity}, updated_at = ${event.recordedAt}::timestamptz
      WHERE tenant_id = ${event.tenantId} AND slot_id = ${slotId}`);
    return;
  }
  // Seats move as evolveSlot moves them.
  const delta = seatMovePerSeat(slotEvent.type);
  if (!delta) return;
  const { seats } = slotEvent.data;
  await tx.query(sql.typeAlias('void')`
    UPDATE report_slot_occupancy
    SET held = held + ${delta.held * seats}, sold = sold + ${delta.sold * seats}, updated_at = ${event.recordedAt}::timestamptz
    WHERE tenant_id = ${event.tenantId} AND slot_id = ${slotId}`);
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

/** One tenant's slots whose day lies in [from, to] (inclusive UTC dates), in day then start order. */
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
    available: row.capacity - row.held - row.sold,
  }));
}
