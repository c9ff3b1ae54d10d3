import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimCallLease, type LeaseClaim, releaseCallLease, renewCallLease } from '../../src/db/callLeases.js';
import { withSystemTransaction, withTransaction } from '../../src/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const claim = (key: string, seconds = 60) => withSystemTransaction(db.systemPool, (tx) => claimCallLease(tx, key, seconds));
const leaseOf = (claimed: LeaseClaim) => {
  if (!claimed.claimed) throw new Error('expected the lease to be claimed');
  return claimed.lease;
};
/** The lease ran out (its holder hung or died), as the database's clock would have it a minute later. */
const runOut = (key: string) => db.asOwner(`UPDATE call_leases SET leased_until = now() - interval '1 second' WHERE lease_key = $1`, [key]);

describe('leases on outgoing calls (ADR 0055)', () => {
  it('gives a free key to one claimant; the next is told until when it is taken', async () => {
    const key = `test:${randomUUID()}`;
    const first = await claim(key);
    expect(first.claimed).toBe(true);
    const second = await claim(key);
    expect(second).toEqual({ claimed: false, leasedUntil: expect.any(String) as string });
    if (second.claimed) return;
    const { rows } = await db.asOwner<{ same: boolean }>(
      `SELECT leased_until = $2::timestamptz AS same FROM call_leases WHERE lease_key = $1`,
      [key, second.leasedUntil],
    );
    expect(rows).toEqual([{ same: true }]);
    await withSystemTransaction(db.systemPool, (tx) => releaseCallLease(tx, leaseOf(first)));
    expect((await claim(key)).claimed).toBe(true);
  });

  it('lets a lease that ran out go to the next claimant; the old holder can neither renew nor release it', async () => {
    const key = `test:${randomUUID()}`;
    const old = leaseOf(await claim(key));
    await runOut(key);
    const next = leaseOf(await claim(key));
    expect(await withSystemTransaction(db.systemPool, (tx) => renewCallLease(tx, old, 60))).toBe(false);
    await withSystemTransaction(db.systemPool, (tx) => releaseCallLease(tx, old));
    expect((await claim(key)).claimed).toBe(false);
    expect(await withSystemTransaction(db.systemPool, (tx) => renewCallLease(tx, next, 60))).toBe(true);
  });

  it('is the system role’s alone: the application role cannot read or claim leases', async () => {
    await expect(withTransaction(db.pool, (tx) => claimCallLease(tx, `test:${randomUUID()}`, 60))).rejects.toThrow(/permission denied/);
  });
});
