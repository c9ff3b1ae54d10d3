import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { rowsWritten } from './rowsWritten.js';

// What the route fuzzer (fuzzEveryRoute.e2e.spec.ts) found, each pinned by its smallest request:
// a Stripe-Signature with an empty `v1` made the Stripe SDK throw a plain Error (a 500 for
// unsigned traffic), and a correctly signed event nested thousands deep overflowed the stack of the
// storable-text check (a 500). Both are refusals that write nothing.
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

describe('route fuzzer findings', () => {
  it('refuses a Stripe-Signature whose v1 is empty as 400 invalid_signature, writing nothing', async () => {
    const before = await rowsWritten(h);
    const t = Math.floor(h.ledger.clock.now().getTime() / 1000);
    const payload = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } });
    const genuine = h.stripe.sign(payload, h.ledger.clock.now());
    for (const header of [`t=${t},v1=`, 't=,v1=', `t=${t},v1`, `t=${t},v1==abc`, `${genuine},v1=`]) {
      const res = await h.deliverStripe(payload, { header });
      expect([header, res.status, res.body.code]).toEqual([header, 400, 'invalid_signature']);
    }
    expect(await rowsWritten(h)).toBe(before);
  });

  it('answers a correctly signed Stripe event nested 10 000 deep with 400 invalid_request, writing nothing', async () => {
    const before = await rowsWritten(h);
    for (const payload of [`${'['.repeat(10_000)}${']'.repeat(10_000)}`, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`]) {
      const res = await h.deliverStripe(payload);
      expect([res.status, res.body.code]).toEqual([400, 'invalid_request']);
    }
    expect(await rowsWritten(h)).toBe(before);
  });

  it('answers a signed event whose object holds a value nested 10 000 deep without a 5xx', async () => {
    // Written out by hand: JSON.stringify itself recurses.
    const event = (deep: string) =>
      `{"id":"evt_${randomUUID()}","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","deep":${deep}}}}`;
    const hostile = await h.deliverStripe(event(`${'['.repeat(10_000)}"x\\ud800"${']'.repeat(10_000)}`));
    expect([hostile.status, hostile.body.code]).toEqual([400, 'invalid_request']);
    const storable = await h.deliverStripe(event(`${'['.repeat(10_000)}${']'.repeat(10_000)}`));
    expect(storable.status, JSON.stringify(storable.body)).toBeLessThan(500);
  });

  it('refuses days and instants outside years 1–9999 in the back office lists, the export, the reports and a cursor (400), and serves the last day 9999-12-31', async () => {
    const cursor = (at: string) => Buffer.from(JSON.stringify({ l: 'reservations', at, id: randomUUID() }), 'utf8').toString('base64url');
    const refused = [
      '/v1/backoffice/reservations?from=0000-01-01T00:00:00Z',
      '/v1/backoffice/reservations?from=0000-01-01',
      '/v1/backoffice/reservations?createdTo=9999-12-31T23:00:00-05:00',
      '/v1/backoffice/payments?from=0001-01-01T00:30:00%2B01:00',
      '/v1/backoffice/reservations/export?from=0000-01-01&to=0000-12-01',
      '/v1/reports/occupancy?from=0000-01-01&to=0000-01-02',
      '/v1/reports/revenue?from=0000-12-31&to=0001-01-01',
      `/v1/backoffice/reservations?cursor=${cursor('0000-01-01T00:00:00Z')}`,
    ];
    for (const path of refused) {
      const res = await h.ledger.call('GET', path, { token: h.staff });
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'invalid_request']);
    }
    const served = [
      '/v1/backoffice/reservations?to=9999-12-31',
      '/v1/backoffice/payments?from=0001-01-01&to=9999-12-31',
      '/v1/backoffice/reservations/export?from=9999-01-01&to=9999-12-31',
      '/v1/reports/occupancy?from=9999-12-31&to=9999-12-31',
    ];
    for (const path of served) {
      const res = await h.ledger.call('GET', path, { token: h.staff });
      expect([path, res.status]).toEqual([path, 200]);
    }
  });
});
