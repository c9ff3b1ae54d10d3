import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { SlotState } from '../src/domain/slot.js';
import { sql } from '../src/db/sql.js';

type OpenSlot = Extract<SlotState, { status: 'open' }>;

/** The slot as its stream folds it, plus the stream version that state stands at. */
export type SlotSnapshot = { readonly state: OpenSlot; readonly version: number };

const slotAvailabilityRow = z.object({
  slot_id: z.string(),
  activity_id: z.string(),
  starts_at: z.string(),
  capacity: z.number(),
  held: z.number(),
  sold: z.number(),
  unit_price_amount: z.number(),
  unit_price_currency: z.string(),
  version: z.number(),
  updated_at: z.string(),
});

function toSnapshot(row: z.infer<typeof slotAvailabilityRow>): SlotSnapshot {
  return {
    version: row.version,
    state: {
      status: 'open',
      slotId: row.slot_id,
      activityId: row.activity_id,
      startsAt: row.starts_at,
      capacity: row.capacity,
      held: row.held,
      sold: row.sold,
      unitPrice: { amount: row.unit_price_amount, currency: row.unit_price_currency },
    },
  };
}

const columns = sql.fragment`slot_id, activity_id, starts_at, capacity, held, sold, unit_price_amount,
  unit_price_currency, version, updated_at`;

/**
 * Locks the slot's availability row until the transaction ends, so every change to the slot's
 * seats is decided by one transaction at a time — concurrent holds queue here instead of racing.
 * The row is kept in the same transaction as the slot's events, so it is the slot's current state.
 */
export async function lockSlot(tx: CommonQueryMethods, tenantId: string, slotId: string): Promise<SlotSnapshot | null> {
  const row = await tx.maybeOne(sql.type(slotAvailabilityRow)`
    SELECT ${columns} FROM slot_availability
    WHERE tenant_id = ${tenantId} AND slot_id = ${slotId}
    FOR UPDATE`);
  return row ? toSnapshot(row) : null;
}

export async function readSlotAvailability(
  db: CommonQueryMethods,
  tenantId: string,
  slotId: string,
): Promise<SlotSnapshot | null> {
  const row = await db.maybeOne(sql.type(slotAvailabilityRow)`
    SELECT ${columns} FROM slot_availability WHERE tenant_id = ${tenantId} AND slot_id = ${slotId}`);
  return row ? toSnapshot(row) : null;
}

export const SLOT_AVAILABILITY_TABLE = 'slot_availability';

/** Writes the folded slot state; the same function serves live updates and rebuilds (`into` a scratch table). */
export async function saveSlotAvailability(
  tx: CommonQueryMethods,
  tenantId: string,
  snapshot: SlotSnapshot,
  updatedAt: string,
  into: string = SLOT_AVAILABILITY_TABLE,
): Promise<void> {
  const { state, version } = snapshot;
  await tx.query(sql.typeAlias('void')`
    INSERT INTO ${sql.identifier([into])} (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
      unit_price_amount, unit_price_currency, version, updated_at)
    VALUES (${tenantId}, ${state.slotId}, ${state.activityId}, ${state.startsAt}::timestamptz, ${state.capacity},
      ${state.held}, ${state.sold}, ${state.unitPrice.amount}, ${state.unitPrice.currency}, ${version},
      ${updatedAt}::timestamptz)
    ON CONFLICT (tenant_id, slot_id) DO UPDATE SET
      activity_id = EXCLUDED.activity_id, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,
      held = EXCLUDED.held, sold = EXCLUDED.sold, unit_price_amount = EXCLUDED.unit_price_amount,
      unit_price_currency = EXCLUDED.unit_price_currency, version = EXCLUDED.version,
      updated_at = EXCLUDED.updated_at`);
}
