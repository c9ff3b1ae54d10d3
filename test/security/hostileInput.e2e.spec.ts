import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { rowsWritten } from './rowsWritten.js';

// Issue 13, finding 4: hostile strings and instants reached PostgreSQL and came back as 500. A lone
// surrogate in a name or an id, a NUL in a token claim or a provider's event id, a year-0 instant and
// a currency that is not money are each refused as the client's error, and nothing is written.
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

describe('hostile input', () => {
  it('refuses a lone surrogate in a name or an id, and a year outside 1–9999, with 400 and nothing written', async () => {
    const slotId = await h.createSlot(10);
    const before = await rowsWritten(h);
    const hold = await h.ledger.call('POST', '/v1/reservations', {
      token: h.customer,
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: 'x\ud800', email: 'ana@example.com' } },
    });
    expect([hold.status, hold.body.code]).toEqual([400, 'invalid_request']);
    const slot = await h.ledger.call('PUT', `/v1/slots/${slotId}-2`, {
      token: h.admin,
      body: { activityId: 'kayak\udc00', startsAt: '2027-12-01T09:00:00Z', capacity: 1, unitPrice: { amount: 1, currency: 'EUR' } },
    });
    expect([slot.status, slot.body.code]).toEqual([400, 'invalid_request']);
    const asOf = await h.ledger.call('GET', `/v1/audit/reservations/${randomUUID()}?at=0000-01-01T00:00:00Z`, { token: h.auditor });
    expect([asOf.status, asOf.body.code]).toEqual([400, 'invalid_request']);
    const lateYear = await h.ledger.call('GET', `/v1/audit/reservations/${randomUUID()}?at=9999-12-31T23:00:00-05:00`, {
      token: h.auditor,
    });
    expect([lateYear.status, lateYear.body.code]).toEqual([400, 'invalid_request']);
    expect(await rowsWritten(h)).toBe(before);
  });

  it('refuses currencies that are not money (BTC, XXX, XAU) and keeps real ones (EUR, BRL, XOF)', async () => {
    const put = (currency: string) =>
      h.ledger.call('PUT', `/v1/slots/cur-${currency}-${randomUUID().slice(0, 6)}`, {
        token: h.admin,
        body: { activityId: 'kayak', startsAt: '2027-12-01T09:00:00Z', capacity: 1, unitPrice: { amount: 100, currency } },
      });
    for (const currency of ['BTC', 'XXX', 'XAU', 'ZZZ']) expect([currency, (await put(currency)).status]).toEqual([currency, 400]);
    for (const currency of ['EUR', 'BRL', 'XOF']) expect([currency, (await put(currency)).status]).toEqual([currency, 201]);
  });

  it('refuses a token whose claims hold a NUL (401) and a signed Stripe event whose id holds one (400), writing nothing', async () => {
    const before = await rowsWritten(h);
    const token = h.ledger.token({ sub: 'evil\u0000sub' });
    expect((await h.ledger.call('GET', '/v1/slots/anything', { token })).status).toBe(401);
    const payload = JSON.stringify({ id: 'evt_\u0000', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount: 1 } } });
    const res = await h.deliverStripe(payload);
    expect([res.status, res.body.code]).toEqual([400, 'invalid_request']);
    expect(await rowsWritten(h)).toBe(before);
  });
});
