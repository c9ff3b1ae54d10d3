import type { FragmentSqlToken } from 'slonik';
import type { Queries } from '../src/db/queries.js';
import { z } from 'zod';
import type { SlotState } from '../src/domain/slot.js';
import { sql } from '../src/db/sql.js';
import type { StreamHead } from '../src/ledger/streamHead.js';
import { column, declareProjection, type FoldedStream, oneOf } from './declaredProjection.js';

type OpenSlot = Extract<SlotState, { status: 'open' }>;

/**
 * The slot as its stream folds it, plus the stream's head (version and last hash) that state
 * stands at: under the row's lock, the slot's next events chain onto it without reading the log.
 */
export type SlotSnapshot = { readonly state: OpenSlot; readonly head: StreamHead };

export const SLOT_AVAILABILITY_TABLE = 'slot_availability';

/** What a slot's row is made of: the folded state and its stream head, as of `updatedAt`. */
export type SlotAvailabilityInput = { readonly snapshot: SlotSnapshot; readonly updatedAt: string };

/**
 * The slot's row, declared once (see declaredProjection.ts): the live path's upsert
 * (`slotAvailabilityUpsert`) and rebuilds (`slotAvailabilityInputOf`) both write `rowOf`'s row.
 */
export const slotAvailability = declareProjection({
  table: SLOT_AVAILABILITY_TABLE,
  columns: {
    tenant_id: column.text,
    slot_id: column.text,
    activity_id: column.text,
    starts_at: column.timestamptz,
    capacity: column.int4,
    held: column.int4,
    sold: column.int4,
    unit_price_amount: column.int8,
    unit_price_currency: column.text,
    version: column.int4,
    updated_at: column.timestamptz,
    head_hash: column.text,
    departure_status: oneOf(['open', 'closed', 'cancelled'] as const),
    panel_bookings: column.jsonb,
    released_panel_bookings: column.jsonb,
  },
  key: ['tenant_id', 'slot_id'],
  updateOnConflict: [
    'activity_id',
    'starts_at',
    'capacity',
    'held',
    'sold',
    'unit_price_amount',
    'unit_price_currency',
    'version',
    'head_hash',
    'updated_at',
    'departure_status',
    'panel_bookings',
    'released_panel_bookings',
  ],
  rowOf: (tenantId, { snapshot: { state, head }, updatedAt }: SlotAvailabilityInput) => ({
    tenant_id: tenantId,
    slot_id: state.slotId,
    activity_id: state.activityId,
    starts_at: state.startsAt,
    capacity: state.capacity,
    held: state.held,
    sold: state.sold,
    unit_price_amount: state.unitPrice.amount,
    unit_price_currency: state.unitPrice.currency,
    version: head.version,
    updated_at: updatedAt,
    head_hash: head.hash,
    departure_status: state.departure,
    panel_bookings: JSON.stringify(state.panelBookings),
    released_panel_bookings: JSON.stringify(state.releasedPanelBookings),
  }),
});

/**
 * A rebuild's input: the folded stream's state, its head (the slot's row keeps its stream's last
 * hash: the hold path chains onto it under the lock), and when its last event was recorded.
 */
export function slotAvailabilityInputOf(stream: FoldedStream<SlotState>): SlotAvailabilityInput | null {
  const { state } = stream;
  const last = stream.recorded[stream.recorded.length - 1];
  if (state.status !== 'open' || !last) return null;
  if (!last.hash) throw new Error(`slot ${state.slotId}: its stream's last event came without its hash`);
  return { snapshot: { state, head: { version: stream.recorded.length, hash: last.hash } }, updatedAt: last.recordedAt };
}

/** The row as the hold path reads it back (under its lock): every column but the tenant's. */
const slotReader = slotAvailability.reader([
  'slot_id',
  'activity_id',
  'starts_at',
  'capacity',
  'held',
  'sold',
  'unit_price_amount',
  'unit_price_currency',
  'version',
  'head_hash',
  'updated_at',
  'departure_status',
  'panel_bookings',
  'released_panel_bookings',
]);
export const slotAvailabilityRow = slotReader.schema;

// The row's own JSON, written by `rowOf` above: parsed, never cast.
const panelBookingsColumn = z.record(z.string(), z.int().positive());
const releasedPanelBookingsColumn = z.array(z.string());

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
      departure: row.departure_status,
      panelBookings: panelBookingsColumn.parse(row.panel_bookings),
      releasedPanelBookings: releasedPanelBookingsColumn.parse(row.released_panel_bookings),
    },
  };
}

const columns = slotReader.columns;

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

export async function readSlotAvailability(db: Queries, tenantId: string, slotId: string): Promise<SlotSnapshot | null> {
  const row = await db.maybeOne(sql.type(slotAvailabilityRow)`
    SELECT ${columns} FROM slot_availability WHERE tenant_id = ${tenantId} AND slot_id = ${slotId}`);
  return row ? toSnapshot(row) : null;
}

/** The row key a write set knows a slot_availability row by (one write per row and statement). */
export const slotRowKey = (tenantId: string, slotId: string) => `slot_availability:${tenantId}\u0000${slotId}`;
