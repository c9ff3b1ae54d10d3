import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimIdempotencyKey, type IdempotentRequest, releaseIdempotencyKey } from '../../src/app/idempotency.js';
import { withTransaction } from '../../src/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TENANT = 'tenant-release';
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
});
afterAll(async () => {
  await db.drop();
});

const requestWithNewKey = (): IdempotentRequest => ({
  tenantId: TENANT,
  subject: 'customer-1',
  key: randomUUID(),
  method: 'POST',
  path: '/v1/reservations/r-1/payments',
  body: { provider: 'stripe' },
});

const asTenant = <T>(work: Parameters<typeof withTransaction<T>>[1]) => withTransaction(db.pool, work, { tenantId: TENANT });

async function claimedAt(request: IdempotentRequest): Promise<string | null> {
  const { rows } = await db.asOwner<{ created_at: Date }>('SELECT created_at FROM idempotency_keys WHERE idempotency_key = $1', [
    request.key,
  ]);
  return rows[0]?.created_at.toISOString() ?? null;
}

describe('releasing an in-flight idempotency claim after the provider call failed', () => {
  it('removes the claim the failed request made, so a retry runs afresh', async () => {
    const request = requestWithNewKey();
    const first = '2027-01-10T10:00:00.000Z';
    expect(await asTenant((tx) => claimIdempotencyKey(tx, request, first, { takeOverInFlightAfterSeconds: 60 }))).toBeNull();

    await asTenant((tx) => releaseIdempotencyKey(tx, request, first));

    expect(await claimedAt(request)).toBeNull();
  });

  it('leaves alone the claim of a retry that took the stale claim over meanwhile', async () => {
    const request = requestWithNewKey();
    const slowRequest = '2027-01-10T10:00:00.000Z';
    const retry = '2027-01-10T10:05:00.000Z';
    expect(await asTenant((tx) => claimIdempotencyKey(tx, request, slowRequest, { takeOverInFlightAfterSeconds: 60 }))).toBeNull();
    // Five minutes later the first request is still waiting on its provider: the retry takes the key over.
    expect(await asTenant((tx) => claimIdempotencyKey(tx, request, retry, { takeOverInFlightAfterSeconds: 60 }))).toBeNull();

    // Then the first request's provider call fails, and it gives back what it claimed.
    await asTenant((tx) => releaseIdempotencyKey(tx, request, slowRequest));

    // The retry still owns the key: a third request is told it is in flight rather than running beside it.
    expect(await claimedAt(request)).toBe(retry);
    await expect(
      asTenant((tx) => claimIdempotencyKey(tx, request, '2027-01-10T10:05:10.000Z', { takeOverInFlightAfterSeconds: 60 })),
    ).rejects.toMatchObject({
      error: { kind: 'IdempotencyKeyInFlight' },
    });
  });
});
