import { composition } from '../db/composedStatement.js';
import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { lockedHeldSeatsQuery } from '../../projections/customerSlotHolds.js';
import { lockedSlotQuery, type SlotSnapshot, slotAvailabilityRow, toSnapshot } from '../../projections/slotAvailability.js';
import { claimStatement, type IdempotentRequest, replayOrTakeOver, requestFingerprint, type StoredResponse } from './idempotency.js';

export type ClaimedSlot =
  | {
      readonly kind: 'claimed';
      readonly slot: SlotSnapshot | null;
      /** The caller's held seats on the slot when asked for and known from this statement; null: read them behind the lock. */
      readonly heldByCaller: number | null;
    }
  | { readonly kind: 'replay'; readonly response: StoredResponse };

// One parse: a locked row carries the slot's columns, checked as the slot's own row schema.
const counted = { held_seats: z.number().int().nonnegative().nullable(), seen_version: z.number().int().nullable() };
const claimRow = z.discriminatedUnion('locked', [
  slotAvailabilityRow.extend({ claimed: z.literal(true), locked: z.literal(true), ...counted }),
  z.looseObject({ claimed: z.boolean(), locked: z.literal(false) }),
]);
const ONLY_IF_CLAIMED = sql.fragment`EXISTS (SELECT FROM claim)`;

/** The claim, then the lock when the claim went through (composed once per shape: it is built on every hold). */
const claimAndLock = composition(([claim, lock]) => {
  if (claim === undefined || lock === undefined) throw new Error('claimAndLock composes two parts: the claim and the lock');
  return sql.type(claimRow)`
  WITH claim AS (${claim}),
    slot AS (${lock})
  SELECT EXISTS (SELECT FROM claim) AS claimed, slot.slot_id IS NOT NULL AS locked, slot.*,
    null::int4 AS held_seats, null::int4 AS seen_version
  FROM (VALUES (1)) AS one (n) LEFT JOIN slot ON true`;
});

/**
 * The claim and the lock, and the caller's count of held seats on the slot (ADR 0051). The count's
 * row is locked only once the slot is (its condition reads the locked slot), and a locked row is read
 * at its newest version, so a count that exists is current. A count missing from the statement's
 * snapshot is 0 only if nothing committed on the slot since that snapshot (the slot's version then
 * equals the locked one): every change of a count changes its slot under the same lock.
 */
const claimLockAndCount = composition(([claim, lock, seen, count]) => {
  if (claim === undefined || lock === undefined || seen === undefined || count === undefined)
    throw new Error('claimLockAndCount composes four parts: the claim, the lock, the slot as seen and the count');
  return sql.type(claimRow)`
  WITH claim AS (${claim}),
    slot AS (${lock}),
    seen AS (${seen}),
    count AS (${count})
  SELECT EXISTS (SELECT FROM claim) AS claimed, slot.slot_id IS NOT NULL AS locked, slot.*,
    (SELECT held_seats FROM count) AS held_seats, (SELECT version FROM seen) AS seen_version
  FROM (VALUES (1)) AS one (n) LEFT JOIN slot ON true`;
});
const ONLY_IF_LOCKED = sql.fragment`EXISTS (SELECT FROM slot)`;

/**
 * The first statement of a hold: sets the transaction's tenant, claims the Idempotency-Key and —
 * only when this request owns the key — locks the slot's row, in one round trip. The order inside
 * the statement is the order of the separate statements it replaces: the lock's condition reads the
 * claim's result, so the claim (which waits for a concurrent request with the same key to end) runs
 * first and a request that does not own the key never touches the slot. The locked row is the
 * newest version (a row lock waits and re-reads it), whatever the statement's snapshot.
 *
 * When the key was there already, the stored response is looked up by a second statement, whose
 * fresh snapshot sees what the concurrent holder committed.
 */
export async function claimKeyAndLockSlot(
  tx: Queries,
  request: IdempotentRequest,
  slotId: string,
  now: string,
  heldSeatsOf?: string,
): Promise<ClaimedSlot> {
  const fingerprint = requestFingerprint(request);
  const claim = claimStatement(request, now, fingerprint);
  const lock = lockedSlotQuery(request.tenantId, { slotId }, ONLY_IF_CLAIMED);
  const row = await tx.one(
    heldSeatsOf === undefined
      ? claimAndLock([claim, lock])
      : claimLockAndCount([
          claim,
          lock,
          sql.fragment`SELECT version FROM slot_availability WHERE tenant_id = ${request.tenantId} AND slot_id = ${slotId}`,
          lockedHeldSeatsQuery(request.tenantId, slotId, heldSeatsOf, ONLY_IF_LOCKED),
        ]),
  );
  if (!row.claimed) {
    const replay = await replayOrTakeOver(tx, request, now, fingerprint);
    // A claim made in the command's own transaction is never seen in flight, so there is nothing to take over.
    if (!replay) throw new Error('an in-transaction idempotency claim cannot be taken over');
    return { kind: 'replay', response: replay };
  }
  if (!row.locked) return { kind: 'claimed', slot: null, heldByCaller: null };
  const slot = toSnapshot(row);
  const nothingCommittedMeanwhile = row.seen_version === slot.head.version;
  return { kind: 'claimed', slot, heldByCaller: row.held_seats ?? (nothingCommittedMeanwhile ? 0 : null) };
}
