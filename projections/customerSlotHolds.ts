import type { FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';
import type { ReservationState } from '../src/domain/reservation.js';

const heldSeatsRow = z.object({ held_seats: z.number().int().nonnegative() });

/** The row key a write set knows a customer_slot_holds row by (one write per row and statement). */
export const customerSlotHoldsRowKey = (tenantId: string, slotId: string, ownerSub: string) =>
  `customer_slot_holds:${tenantId}\u0000${slotId}\u0000${ownerSub}`;

/** The seats a reservation in this state counts against its customer's allowance on its slot. */
const heldSeatsOf = (state: ReservationState): number => (state.status === 'held' ? state.seats : 0);

/**
 * What a reservation's change does to its customer's held seats on its slot, as the statement that
 * adds it to their row (written with the reservation's own row), or null when it holds as much as
 * before (a hold extended for a payment, a paid reservation refunded).
 */
export function heldSeatsChange(tenantId: string, before: ReservationState, after: ReservationState): FragmentSqlToken | null {
  if (after.status === 'none') return null;
  const delta = heldSeatsOf(after) - heldSeatsOf(before);
  if (delta === 0) return null;
  // A reservation never changes slot or owner, so `after` names the row `before` counted in.
  const row = sql.fragment`tenant_id = ${tenantId} AND slot_id = ${after.slotId} AND owner_sub = ${after.ownerSub}`;
  // A release updates the row its hold wrote (an INSERT would check the negative delta as a row of its own).
  if (delta < 0) return sql.fragment`UPDATE customer_slot_holds SET held_seats = held_seats + ${delta} WHERE ${row}`;
  return sql.fragment`
    INSERT INTO customer_slot_holds AS h (tenant_id, slot_id, owner_sub, held_seats)
    VALUES (${tenantId}, ${after.slotId}, ${after.ownerSub}, ${delta})
    ON CONFLICT (tenant_id, slot_id, owner_sub) DO UPDATE SET held_seats = h.held_seats + EXCLUDED.held_seats`;
}

/**
 * The seats one customer holds (held, not yet paid) on one slot. Read under the slot's lock by a
 * hold, it counts every hold committed before the lock was granted: every change of what a
 * reservation holds also changes its slot, so it is written under the same lock.
 */
export async function heldSeatsOfCustomer(db: Queries, tenantId: string, slotId: string, ownerSub: string): Promise<number> {
  const row = await db.maybeOne(sql.type(heldSeatsRow)`
    SELECT held_seats FROM customer_slot_holds
    WHERE tenant_id = ${tenantId} AND slot_id = ${slotId} AND owner_sub = ${ownerSub}`);
  return row?.held_seats ?? 0;
}

/** Holds back every write of the counts (reads go on) until the transaction ends: a rebuild takes it with the projections' locks. */
export async function lockCustomerSlotHolds(tx: Queries): Promise<void> {
  await tx.query(sql.typeAlias('void')`LOCK TABLE customer_slot_holds IN EXCLUSIVE MODE`);
}

/** The customer's count row on the slot, locked (and so read at its newest version) when `onlyIf` holds. */
export function lockedHeldSeatsQuery(tenantId: string, slotId: string, ownerSub: string, onlyIf: FragmentSqlToken): FragmentSqlToken {
  return sql.fragment`
    SELECT held_seats FROM customer_slot_holds
    WHERE tenant_id = ${tenantId} AND slot_id = ${slotId} AND owner_sub = ${ownerSub} AND ${onlyIf}
    FOR UPDATE`;
}

/** Counts every customer's held seats again from reservations_view (a rebuild, after it rewrote that table, under lockCustomerSlotHolds). */
export async function recountCustomerSlotHolds(tx: Queries): Promise<void> {
  await tx.query(sql.typeAlias('void')`DELETE FROM customer_slot_holds`);
  await tx.query(sql.typeAlias('void')`
    INSERT INTO customer_slot_holds (tenant_id, slot_id, owner_sub, held_seats)
    SELECT tenant_id, slot_id, owner_sub, coalesce(sum(seats) FILTER (WHERE status = 'held'), 0)::int4
    FROM reservations_view GROUP BY tenant_id, slot_id, owner_sub`);
}
