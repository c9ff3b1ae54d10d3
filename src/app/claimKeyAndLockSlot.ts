import { composition } from '../db/composedStatement.js';
import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { lockedSlotQuery, type SlotSnapshot, slotAvailabilityRow, toSnapshot } from '../../projections/slotAvailability.js';
import { claimStatement, type IdempotentRequest, replayOrTakeOver, requestFingerprint, type StoredResponse } from './idempotency.js';

export type ClaimedSlot =
  { readonly kind: 'claimed'; readonly slot: SlotSnapshot | null } | { readonly kind: 'replay'; readonly response: StoredResponse };

// One parse: a locked row carries the slot's columns, checked as the slot's own row schema.
const claimRow = z.discriminatedUnion('locked', [
  slotAvailabilityRow.extend({ claimed: z.literal(true), locked: z.literal(true) }),
  z.looseObject({ claimed: z.boolean(), locked: z.literal(false) }),
]);
const ONLY_IF_CLAIMED = sql.fragment`EXISTS (SELECT FROM claim)`;

/** The claim, then the lock when the claim went through (composed once per shape: it is built on every hold). */
const claimAndLock = composition(([claim, lock]) => {
  if (claim === undefined || lock === undefined) throw new Error('claimAndLock composes two parts: the claim and the lock');
  return sql.type(claimRow)`
  WITH claim AS (${claim}),
    slot AS (${lock})
  SELECT EXISTS (SELECT FROM claim) AS claimed, slot.slot_id IS NOT NULL AS locked, slot.*
  FROM (VALUES (1)) AS one (n) LEFT JOIN slot ON true`;
});

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
export async function claimKeyAndLockSlot(tx: Queries, request: IdempotentRequest, slotId: string, now: string): Promise<ClaimedSlot> {
  const fingerprint = requestFingerprint(request);
  const row = await tx.one(
    claimAndLock([claimStatement(request, now, fingerprint), lockedSlotQuery(request.tenantId, { slotId }, ONLY_IF_CLAIMED)]),
  );
  if (!row.claimed) {
    const replay = await replayOrTakeOver(tx, request, now, fingerprint);
    // A claim made in the command's own transaction is never seen in flight, so there is nothing to take over.
    if (!replay) throw new Error('an in-transaction idempotency claim cannot be taken over');
    return { kind: 'replay', response: replay };
  }
  return { kind: 'claimed', slot: row.locked ? toSnapshot(row) : null };
}
