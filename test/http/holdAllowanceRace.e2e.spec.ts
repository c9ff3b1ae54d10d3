import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// The allowance's count is read in the hold's claim-and-lock statement (ADR 0051), whose snapshot is
// taken before the slot's lock is granted. Here one customer's holds all queue on the slot's lock,
// held meanwhile by another connection, so each took its snapshot before the ones ahead of it
// committed: the count must still be what they committed, whether the customer had no count row yet
// or had one already.
const LIMIT = 6;

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger({ poolSize: 20, holdMaxSeatsPerCustomer: LIMIT });
  admin = ledger.token({ groups: ['admin'], sub: 'race-admin' });
});
afterAll(async () => {
  await ledger.close();
});

async function createSlot(): Promise<string> {
  const slotId = `race-${randomUUID().slice(0, 8)}`;
  const startsAt = new Date(ledger.clock.now().getTime() + 30 * 24 * 3_600_000).toISOString();
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'race', startsAt, capacity: 1_000, unitPrice: { amount: 1000, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

const hold = (token: string, slotId: string, seats: number) =>
  ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats, customer: { name: 'Rui', email: 'rui@example.com' } },
  });

/** Sends `count` holds of `seats` while another session holds the slot's row lock, and lets them go once all of them wait on it. */
async function holdsQueuedOnTheLock(token: string, slotId: string, count: number, seats: number) {
  const locker = new pg.Client({ connectionString: ledger.db.url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT FROM slot_availability WHERE slot_id = $1 FOR UPDATE', [slotId]);
    const responses = Promise.all(Array.from({ length: count }, () => hold(token, slotId, seats)));
    // Every hold's first statement has started (its snapshot taken) and waits on a lock: the slot's row, behind this session.
    for (;;) {
      const { rows } = await locker.query<{ n: string }>('SELECT count(DISTINCT pid) AS n FROM pg_locks WHERE NOT granted');
      if (Number(rows[0]!.n) === count) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await locker.query('COMMIT');
    return await responses;
  } finally {
    await locker.end();
  }
}

describe('the allowance under holds queued on the slot lock', () => {
  it('lets exactly the allowance through for a customer with no count yet', async () => {
    const slotId = await createSlot();
    const customer = ledger.token({ sub: `race-${randomUUID()}` });
    const responses = await holdsQueuedOnTheLock(customer, slotId, 5, 2);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(LIMIT / 2);
    expect(responses.filter((r) => r.body.code === 'hold_limit_reached')).toHaveLength(5 - LIMIT / 2);
  });

  it('lets exactly the rest of the allowance through for a customer who already holds seats', async () => {
    const slotId = await createSlot();
    const customer = ledger.token({ sub: `race-${randomUUID()}` });
    expect((await hold(customer, slotId, 2)).status).toBe(201);
    const responses = await holdsQueuedOnTheLock(customer, slotId, 5, 2);
    expect(responses.filter((r) => r.status === 201)).toHaveLength((LIMIT - 2) / 2);
    expect(responses.filter((r) => r.body.code === 'hold_limit_reached')).toHaveLength(5 - (LIMIT - 2) / 2);
  });
});
