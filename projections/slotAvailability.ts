import type { FragmentSqlToken } from 'slonik';
import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import type { SlotState } from '../src/domain/slot.js';
import { sql } from '../src/db/sql.js';
import type { StreamHead } from '../src/ledger/streamHead.js';

type OpenSlot = Extract<SlotState, { status: 'open' }>;

/**
 * The slot as its stream folds it, plus the stream's head (version and last hash) that state
 * stands at: under the row's lock, the slot's next events chain onto it without reading the log.
 */
export type SlotSnapshot = { readonly state: OpenSlot; readonly head: StreamHead };

export const slotAvailabilityRow = z.object({
  slot_id: z.string(),
  activity_id: z.string(),
  starts_at: z.string(),
  capacity: z.number(),
  held: z.number(),
  sold: z.number(),
  unit_price_amount: z.number(),
  unit_price_currency: z.string(),
  version: z.number(),
  head_hash: z.string(),
  updated_at: z.string(),
});

export type SlotAvailabilityRow = z.infer<typeof slotAvailabilityRow>;

export function toSnapshot(row: SlotAvailabilityRow): SlotSnapshot {
  return {
    head: { version: row.version, hash: row.head_hash },
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
  unit_price_currency, version, head_hash, updated_at`;

/**
 * The slot's row, locked until the transaction ends: the one `FOR UPDATE` of the codebase, so every
 * change to a slot's seats is decided by one transaction at a time — concurrent holds queue here
 * instead of racing. `onlyIf` (a boolean SQL condition) gates the lock: when false, nothing is read or locked.
 */
export function lockedSlotQuery(tenantId: string, slot: SlotToLock, onlyIf: FragmentSqlToken = sql.fragment`true`) {
  const slotId =
    'slotId' in slot
      ? sql.fragment`${slot.slotId}`
      : sql.fragment`(SELECT slot_id FROM reservations_view WHERE tenant_id = ${tenantId} AND reservation_id = ${slot.ofReservation}::uuid)`;
  return sql.fragment`
    SELECT ${columns} FROM slot_availability
    WHERE tenant_id = ${tenantId} AND slot_id = ${slotId} AND ${onlyIf}
    FOR UPDATE`;
}

/** A slot named by its id, or the slot a reservation holds seats on (found and locked in one statement). */
export type SlotToLock = { readonly slotId: string } | { readonly ofReservation: string };

/**
 * Locks the slot's availability row until the transaction ends (see `lockedSlotQuery`). The row
 * is kept in the same transaction as the slot's events, so it is the slot's current state.
 */
export async function lockSlot(
  tx: Queries,
  tenantId: string,
  slot: SlotToLock,
  onlyIf: FragmentSqlToken = sql.fragment`true`,
): Promise<SlotSnapshot | null> {
  const row = await tx.maybeOne(sql.type(slotAvailabilityRow)`${lockedSlotQuery(tenantId, slot, onlyIf)}`);
  return row ? toSnapshot(row) : null;
}

export async function readSlotAvailability(
  db: Queries,
  tenantId: string,
  slotId: string,
): Promise<SlotSnapshot | null> {
  const row = await db.maybeOne(sql.type(slotAvailabilityRow)`
    SELECT ${columns} FROM slot_availability WHERE tenant_id = ${tenantId} AND slot_id = ${slotId}`);
  return row ? toSnapshot(row) : null;
}

export const SLOT_AVAILABILITY_TABLE = 'slot_availability';

/**
 * The upsert of the folded slot state and its stream head, as part of a command's write set.
 * Rebuilds write the same columns from projectionRows.ts; verify compares the two row by row.
 */
export function slotAvailabilityUpsert(tenantId: string, snapshot: SlotSnapshot, updatedAt: string) {
  const { state, head } = snapshot;
  return sql.fragment`
    INSERT INTO ${sql.identifier([SLOT_AVAILABILITY_TABLE])} (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
      unit_price_amount, unit_price_currency, version, head_hash, updated_at)
    VALUES (${tenantId}, ${state.slotId}, ${state.activityId}, ${state.startsAt}::timestamptz, ${state.capacity},
      ${state.held}, ${state.sold}, ${state.unitPrice.amount}, ${state.unitPrice.currency}, ${head.version},
      ${head.hash}, ${updatedAt}::timestamptz)
    ON CONFLICT (tenant_id, slot_id) DO UPDATE SET
      activity_id = EXCLUDED.activity_id, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,
      held = EXCLUDED.held, sold = EXCLUDED.sold, unit_price_amount = EXCLUDED.unit_price_amount,
      unit_price_currency = EXCLUDED.unit_price_currency, version = EXCLUDED.version,
      head_hash = EXCLUDED.head_hash, updated_at = EXCLUDED.updated_at`;
}

/** The row key a write set knows a slot_availability row by (one write per row and statement). */
export const slotRowKey = (tenantId: string, slotId: string) => `slot_availability:${tenantId}\u0000${slotId}`;
