import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

const keysOf = async (tenantId: string) => {
  const { rows } = await ledger.db.asOwner<{ n: number }>('SELECT count(*)::int AS n FROM customer_data_keys WHERE tenant_id = $1', [
    tenantId,
  ]);
  return rows[0]?.n;
};

const hold = (token: string, slotId: string, email: string) =>
  ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats: 1, customer: { name: 'Nadia Refused', email } },
  });

describe("a new customer's data key", () => {
  it('is made with their first hold that commits, and a refused hold leaves none behind', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const customer = ledger.token({ sub: 'customer-new', tenantId });
    const admin = ledger.token({ groups: ['admin'], sub: 'admin', tenantId });

    // No such slot: 404, and nothing written — not even the key her name and e-mail would be sealed under.
    expect((await hold(customer, 'no-such-slot', 'nadia@example.com')).status).toBe(404);
    expect(await keysOf(tenantId)).toBe(0);

    const defined = await ledger.call('PUT', '/v1/slots/kayak-1', {
      token: admin,
      body: { activityId: 'kayak', startsAt: '2030-01-01T09:00:00.000Z', capacity: 1, unitPrice: { amount: 4500, currency: 'BRL' } },
    });
    expect(defined.status).toBe(201);
    expect((await hold(customer, 'kayak-1', 'nadia@example.com')).status).toBe(201);
    expect(await keysOf(tenantId)).toBe(1);
    // The slot is full now: another new customer's refused hold makes no key either.
    expect((await hold(customer, 'kayak-1', 'omar@example.com')).status).toBe(409);
    expect(await keysOf(tenantId)).toBe(1);
  });
});
