import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queries } from './queries.js';
import { sql } from './sql.js';

/**
 * Leases on outgoing calls (migration 0054, ADR 0055). Work that calls an outside server claims its
 * lane in a short transaction, commits, calls with no transaction open, and records the outcome and
 * releases in a second one: a slow receiver then holds a row, not a pooled connection and an open
 * transaction. Lease times are the database's clock, which every instance shares.
 */
export type CallLease = { readonly key: string; readonly holder: string };

export type LeaseClaim =
  | { readonly claimed: true; readonly lease: CallLease }
  /** Someone else holds it, until `leasedUntil` (a timestamptz as text) at the latest. */
  | { readonly claimed: false; readonly leasedUntil: string };

const holderRow = z.object({ holder: z.string() });
const untilRow = z.object({ leased_until: z.string() });

/** Claims `key` for `seconds` when it is free or its lease has run out; otherwise says until when it is taken. */
export async function claimCallLease(tx: Queries, key: string, seconds: number): Promise<LeaseClaim> {
  const holder = randomUUID();
  // A lease released between the two statements is claimed on the next round.
  for (;;) {
    const claimed = await tx.maybeOne(sql.type(holderRow)`
      INSERT INTO call_leases (lease_key, holder, leased_until)
      VALUES (${key}, ${holder}, clock_timestamp() + make_interval(secs => ${seconds}))
      ON CONFLICT (lease_key) DO UPDATE SET holder = excluded.holder, leased_until = excluded.leased_until
        WHERE call_leases.leased_until <= clock_timestamp()
      RETURNING holder::text`);
    if (claimed !== null) return { claimed: true, lease: { key, holder } };
    const taken = await tx.maybeOne(sql.type(untilRow)`
      SELECT leased_until::text FROM call_leases WHERE lease_key = ${key}`);
    if (taken !== null) return { claimed: false, leasedUntil: taken.leased_until };
  }
}

/**
 * Whether `lease` is still its holder's, with its row locked until the transaction ends: a holder
 * checks this before it records what its call did, so that one whose lease ran out and went to
 * another runner (which may have done the same work since) writes nothing over that runner's
 * record, and no one can take the lease while it records.
 */
export async function holdsCallLease(tx: Queries, lease: CallLease): Promise<boolean> {
  const held = await tx.maybeOne(sql.type(holderRow)`
    SELECT holder::text FROM call_leases WHERE lease_key = ${lease.key} AND holder = ${lease.holder} FOR UPDATE`);
  return held !== null;
}

/**
 * Extends a held lease by `seconds` from now, before its holder makes another call. False when the
 * lease is no longer this holder's (it ran out and another runner took it): the holder must stop.
 */
export async function renewCallLease(tx: Queries, lease: CallLease, seconds: number): Promise<boolean> {
  const renewed = await tx.maybeOne(sql.type(holderRow)`
    UPDATE call_leases SET leased_until = clock_timestamp() + make_interval(secs => ${seconds})
    WHERE lease_key = ${lease.key} AND holder = ${lease.holder}
    RETURNING holder::text`);
  return renewed !== null;
}

/** Gives the lease up; a lease that ran out and went to another holder is left to that holder. */
export async function releaseCallLease(tx: Queries, lease: CallLease): Promise<void> {
  await tx.query(sql.typeAlias('void')`DELETE FROM call_leases WHERE lease_key = ${lease.key} AND holder = ${lease.holder}`);
}
