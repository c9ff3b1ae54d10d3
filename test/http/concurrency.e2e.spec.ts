import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger({ poolSize: 20 });
  admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
});
afterAll(async () => {
  await ledger.close();
});

async function createSlot(capacity: number): Promise<string> {
  const slotId = `hot-${randomUUID().slice(0, 8)}`;
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'boat-trip', startsAt: '2036-12-24T10:00:00Z', capacity, unitPrice: { amount: 9900, currency: 'BRL' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

describe('concurrent bookings on a real server', () => {
  it('grants exactly 20 of 120 parallel single-seat holds on a 20-seat slot', async () => {
    const slotId = await createSlot(20);
    // Different customers, different keys: nothing but the slot lock stands between them.
    const tokens = Array.from({ length: 120 }, (_, i) => ledger.token({ sub: `racer-${i}` }));
    const results = await Promise.all(
      tokens.map((token) =>
        ledger.call('POST', '/v1/reservations', {
          token,
          headers: { 'idempotency-key': randomUUID() },
          body: { slotId, seats: 1, customer: { name: 'Racer', email: 'racer@example.com' } },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 409)).toHaveLength(100);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('slot_full');

    const slot = await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin });
    expect(slot.body).toMatchObject({ capacity: 20, held: 20, sold: 0, available: 0 });
    const { rows } = await ledger.db.asOwner<{ n: string; seats: string }>(
      `SELECT count(*) AS n, sum(seats) AS seats FROM reservations_view WHERE slot_id = $1 AND status = 'held'`,
      [slotId],
    );
    expect(Number(rows[0]!.n)).toBe(20);
    const stream = await ledger.db.asOwner<{ n: string }>(`SELECT count(*) AS n FROM events WHERE stream_id = $1 AND type = 'SeatsHeld'`, [
      `slot-${slotId}`,
    ]);
    expect(Number(stream.rows[0]!.n)).toBe(20);
  });

  it('creates one reservation from 12 parallel requests with one idempotency key', async () => {
    const slotId = await createSlot(50);
    const token = ledger.token({ sub: 'impatient-customer' });
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        ledger.call('POST', '/v1/reservations', {
          token,
          headers: { 'idempotency-key': key },
          body: { slotId, seats: 2, customer: { name: 'Bea', email: 'bea@example.com' } },
        }),
      ),
    );
    // The contract allows a replay or 409 in-flight while the first runs; this server waits and replays.
    for (const r of results) expect([201, 409]).toContain(r.status);
    const created = results.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.reservationId)).size).toBe(1);
    expect(results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const { rows } = await ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM reservations_view WHERE slot_id = $1', [slotId]);
    expect(Number(rows[0]!.n)).toBe(1);
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body.held).toBe(2);
  });

  it('does not let holds on one slot wait for another slot', async () => {
    const [a, b] = [await createSlot(30), await createSlot(30)];
    const token = ledger.token({ sub: 'two-slots' });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ledger.call('POST', '/v1/reservations', {
          token,
          headers: { 'idempotency-key': randomUUID() },
          body: { slotId: i % 2 === 0 ? a : b, seats: 1, customer: { name: 'C', email: 'c@example.com' } },
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect((await ledger.call('GET', `/v1/slots/${a}`, { token: admin })).body.held).toBe(20);
    expect((await ledger.call('GET', `/v1/slots/${b}`, { token: admin })).body.held).toBe(20);
  });
});
