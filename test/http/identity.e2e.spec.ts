import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTokenKinds, createTestIdentity, mintToken } from '../../src/identity/testing/tokens.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
let slotId: string;
let reservationId: string;

beforeAll(async () => {
  ledger = await startTestLedger();
  slotId = `s-${randomUUID().slice(0, 8)}`;
  const admin = ledger.token({ groups: ['admin'], tenantId: 'tenant-a' });
  expect(
    (
      await ledger.call('PUT', `/v1/slots/${slotId}`, {
        token: admin,
        body: { activityId: 'a', startsAt: '2036-12-01T09:00:00Z', capacity: 5, unitPrice: { amount: 100, currency: 'EUR' } },
      })
    ).status,
  ).toBe(201);
  const created = await ledger.call('POST', '/v1/reservations', {
    token: ledger.token({ tenantId: 'tenant-a', sub: 'cust-a' }),
    headers: { 'idempotency-key': 'k' },
    body: { slotId, seats: 1, customer: { name: 'A', email: 'a@example.com' } },
  });
  reservationId = created.body.reservationId;
});
afterAll(async () => {
  await ledger.close();
});

describe('tokens', () => {
  it('accepts a valid Cognito ID token', async () => {
    const res = await ledger.call('GET', `/v1/slots/${slotId}`, { token: ledger.token({ tenantId: 'tenant-a' }) });
    expect(res.status).toBe(200);
  });

  it.each(badTokenKinds)('refuses a %s token with 401 problem+json', async (bad) => {
    const res = await ledger.call('GET', `/v1/slots/${slotId}`, { token: ledger.token({ tenantId: 'tenant-a', bad }) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses a missing header, a non-bearer scheme, garbage, and a token of another pool', async () => {
    const stranger = createTestIdentity({ userPoolId: 'eu-west-1_Stranger' });
    const headers = [undefined, 'Basic dXNlcjpwYXNz', 'Bearer not.a.jwt', `Bearer ${mintToken(stranger, { tenantId: 'tenant-a' })}`];
    for (const authorization of headers) {
      const res = await ledger.call('GET', `/v1/slots/${slotId}`, authorization ? { headers: { authorization } } : {});
      expect(res.status, String(authorization)).toBe(401);
    }
  });
});

describe('tenancy', () => {
  it('makes another tenant’s slots, reservations and streams look nonexistent (404)', async () => {
    const otherAdmin = ledger.token({ tenantId: 'tenant-b', groups: ['admin', 'staff', 'auditor'], sub: 'admin-b' });
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: otherAdmin })).status).toBe(404);
    expect((await ledger.call('GET', `/v1/reservations/${reservationId}`, { token: otherAdmin })).status).toBe(404);
    expect((await ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: otherAdmin })).status).toBe(404);
    expect((await ledger.call('GET', `/v1/audit/streams/reservation-${reservationId}`, { token: otherAdmin })).status).toBe(404);
    expect((await ledger.call('GET', `/v1/audit/streams/slot-${slotId}`, { token: otherAdmin })).status).toBe(404);
    const hold = await ledger.call('POST', '/v1/reservations', {
      token: otherAdmin,
      headers: { 'idempotency-key': 'k' },
      body: { slotId, seats: 1, customer: { name: 'B', email: 'b@example.com' } },
    });
    expect(hold.status).toBe(404);
  });

  it('keeps same-named slots of two tenants apart', async () => {
    const bAdmin = ledger.token({ tenantId: 'tenant-b', groups: ['admin'], sub: 'admin-b2' });
    const created = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: bAdmin,
      body: { activityId: 'b', startsAt: '2036-12-02T09:00:00Z', capacity: 99, unitPrice: { amount: 1, currency: 'USD' } },
    });
    expect(created.status).toBe(201);
    const a = await ledger.call('GET', `/v1/slots/${slotId}`, { token: ledger.token({ tenantId: 'tenant-a' }) });
    expect(a.body).toMatchObject({ capacity: 5, held: 1, activityId: 'a' });
  });

  it('refuses a user whose token names a different tenant than the one first seen', async () => {
    const sub = `drifter-${randomUUID()}`;
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: ledger.token({ tenantId: 'tenant-a', sub }) })).status).toBe(200);
    const moved = await ledger.call('GET', `/v1/slots/${slotId}`, { token: ledger.token({ tenantId: 'tenant-b', sub }) });
    expect(moved.status).toBe(401);
    const { rows } = await ledger.db.asOwner<{ tenant_id: string }>('SELECT tenant_id FROM users WHERE sub = $1', [sub]);
    expect(rows).toEqual([{ tenant_id: 'tenant-a' }]);
  });
});
