import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// Issue 13 finding 3 (one customer held a whole slot) and issue 14 item 4 (holds on departed slots),
// against the real server and PostgreSQL: HOLD_MAX_SEATS_PER_CUSTOMER = 20, holds of 900 s.
const LIMIT = 20;
const HOLD_TTL_SECONDS = 900;

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger({ poolSize: 20, holdMaxSeatsPerCustomer: LIMIT, holdTtlSeconds: HOLD_TTL_SECONDS });
  admin = ledger.token({ groups: ['admin'], sub: 'hl-admin' });
});
afterAll(async () => {
  await ledger.close();
});

/** A departure `hoursAhead` hours after the test clock's now. */
async function createSlot(capacity: number, hoursAhead = 24 * 30): Promise<string> {
  const slotId = `hl-${randomUUID().slice(0, 8)}`;
  const startsAt = new Date(ledger.clock.now().getTime() + hoursAhead * 3_600_000).toISOString();
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'whale-watch', startsAt, capacity, unitPrice: { amount: 3000, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

function hold(token: string, slotId: string, seats: number, key: string = randomUUID()) {
  return ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': key },
    body: { slotId, seats, customer: { name: 'Hana', email: 'hana@example.com' } },
  });
}

async function countRows(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

const eventCount = () => countRows('SELECT count(*) AS n FROM events', []);
const storedKeys = (keys: readonly string[]) =>
  countRows('SELECT count(*) AS n FROM idempotency_keys WHERE idempotency_key = ANY($1::text[])', [keys]);
const heldSeats = async (slotId: string) => (await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body.held as number;

describe('HOLD_MAX_SEATS_PER_CUSTOMER', () => {
  it('lets exactly 10 of 20 concurrent 2-seat holds of one customer through, refuses the rest with 409 hold_limit_reached and writes nothing for them', async () => {
    const slotId = await createSlot(5_000);
    const greedy = ledger.token({ sub: `greedy-${randomUUID()}` });
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const events = await eventCount();

    const responses = await Promise.all(keys.map((key) => hold(greedy, slotId, 2, key)));

    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(10);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: 409, code: 'hold_limit_reached', title: 'Hold limit reached' });
      expect(r.body.detail).toContain('at most 20');
    }
    expect(await heldSeats(slotId)).toBe(LIMIT);
    // Each hold that went through wrote its slot event and its reservation event; the refused wrote none.
    expect(await eventCount()).toBe(events + 2 * created.length);
    const refusedKeys = keys.filter((_, index) => responses[index]!.status !== 201);
    expect(await storedKeys(refusedKeys)).toBe(0);
    expect(await countRows('SELECT count(*) AS n FROM reservations_view WHERE slot_id = $1', [slotId])).toBe(10);
  });

  it('counts per customer: another customer still holds, and a replay of an earlier hold is answered as before', async () => {
    const slotId = await createSlot(100);
    const first = ledger.token({ sub: `first-${randomUUID()}` });
    const firstKey = randomUUID();
    expect((await hold(first, slotId, 15, firstKey)).status).toBe(201);
    expect((await hold(first, slotId, 5)).status).toBe(201);
    const beyond = await hold(first, slotId, 1);
    expect(beyond.status).toBe(409);
    expect(beyond.body.code).toBe('hold_limit_reached');

    const replay = await hold(first, slotId, 15, firstKey);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const second = ledger.token({ sub: `second-${randomUUID()}` });
    expect((await hold(second, slotId, LIMIT)).status).toBe(201);
    expect(await heldSeats(slotId)).toBe(2 * LIMIT);
  });

  it('gives the allowance back when a hold expires or is cancelled', async () => {
    const slotId = await createSlot(100);
    const customer = ledger.token({ sub: `returning-${randomUUID()}` });
    const expiring = await hold(customer, slotId, 12);
    expect(expiring.status).toBe(201);
    ledger.clock.advance(HOLD_TTL_SECONDS / 2);
    const cancelled = await hold(customer, slotId, 8);
    expect(cancelled.status).toBe(201);
    expect((await hold(customer, slotId, 1)).body.code).toBe('hold_limit_reached');

    const cancel = await ledger.call('POST', `/v1/reservations/${cancelled.body.reservationId}/cancel`, { token: customer });
    expect(cancel.status).toBe(200);
    expect((await hold(customer, slotId, 9)).body.code).toBe('hold_limit_reached');
    expect((await hold(customer, slotId, 8)).status).toBe(201);

    ledger.clock.advance(HOLD_TTL_SECONDS / 2 + 1);
    const sweep = await expireDueHolds(ledger.deps, ledger.composed.providers);
    expect(sweep.expired).toBeGreaterThanOrEqual(1);
    expect((await ledger.call('GET', `/v1/reservations/${expiring.body.reservationId}`, { token: customer })).body.status).toBe('expired');
    expect((await hold(customer, slotId, 12)).status).toBe(201);
    expect((await hold(customer, slotId, 1)).body.code).toBe('hold_limit_reached');
  });

  it('does not limit the operator’s staff booking at the desk', async () => {
    const slotId = await createSlot(100);
    const clerk = ledger.token({ groups: ['staff'], sub: `clerk-${randomUUID()}` });
    expect((await hold(clerk, slotId, 30)).status).toBe(201);
    expect((await hold(clerk, slotId, 30)).status).toBe(201);
    expect(await heldSeats(slotId)).toBe(60);
  });
});

describe('slot_closed', () => {
  it('refuses a hold once the departure has started (409 slot_closed), writing nothing', async () => {
    const slotId = await createSlot(10, 1);
    const customer = ledger.token({ sub: `late-${randomUUID()}` });
    expect((await hold(customer, slotId, 1)).status).toBe(201);

    ledger.clock.advance(3_600);
    const events = await eventCount();
    const key = randomUUID();
    const atDeparture = await hold(customer, slotId, 1, key);
    expect(atDeparture.status).toBe(409);
    expect(atDeparture.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(atDeparture.body).toMatchObject({ status: 409, code: 'slot_closed', title: 'Departure closed' });
    const clerk = ledger.token({ groups: ['staff'], sub: `clerk-${randomUUID()}` });
    expect((await hold(clerk, slotId, 1)).body.code).toBe('slot_closed');

    ledger.clock.advance(86_400);
    expect((await hold(customer, slotId, 1)).body.code).toBe('slot_closed');
    expect(await eventCount()).toBe(events);
    expect(await storedKeys([key])).toBe(0);
    expect(await heldSeats(slotId)).toBe(1);
  });
});
