import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';

/**
 * Webhooks carry no token, so under row-level security (ADR 0014) they must find their tenant from
 * the payment before touching tenant rows. Every delivered event still lands in the inbox once —
 * in the payment's tenant when it matched one, kept by the system role when it did not.
 */

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

async function inboxRow(eventId: string) {
  const { rows } = await h.ledger.db.asOwner<{ tenant_id: string | null; outcome: string; payment_id: string | null }>(
    'SELECT tenant_id, outcome, payment_id::text FROM webhook_inbox WHERE provider = $1 AND provider_event_id = $2',
    ['stripe', eventId],
  );
  return rows;
}

describe('webhooks under row-level security', () => {
  it("applies a matched event in the payment's tenant: inbox row, events and views all carry it", async () => {
    const slotId = await h.createSlot(5);
    const held = await h.hold(slotId, 1);
    const started = await h.startPayment(held.body.reservationId, 'stripe');
    expect(started.status).toBe(201);
    const payload = h.stripe.transition(started.body.providerPaymentId, 'succeeded');
    const res = await h.deliverStripe(payload);
    expect(res.body).toMatchObject({ outcome: 'applied' });
    expect(await inboxRow(JSON.parse(payload).id)).toEqual([
      { tenant_id: DEFAULT_TEST_TENANT, outcome: 'applied', payment_id: started.body.paymentId },
    ]);
    const { rows } = await h.ledger.db.asOwner<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM events WHERE stream_id = $1', [
      `payment-${started.body.paymentId}`,
    ]);
    expect(rows).toEqual([{ tenant_id: DEFAULT_TEST_TENANT }]);
    expect((await h.reservation(held.body.reservationId)).status).toBe('paid');
    // A repeat is found across RLS by the inbox's primary key, and changes nothing.
    expect((await h.deliverStripe(payload)).body).toMatchObject({ outcome: 'duplicate' });
  });

  it('keeps an event it does not act on, with no tenant, exactly once', async () => {
    const payload = h.stripe.event('customer.created', { id: `cus_${randomUUID().slice(0, 8)}`, object: 'customer' });
    expect((await h.deliverStripe(payload)).body).toMatchObject({ outcome: 'ignored' });
    expect((await h.deliverStripe(payload)).body).toMatchObject({ outcome: 'duplicate' });
    expect(await inboxRow(JSON.parse(payload).id)).toEqual([{ tenant_id: null, outcome: 'ignored', payment_id: null }]);
  });

  it('keeps an event that names no payment and no tenant, visible to no tenant', async () => {
    const payload = h.stripe.event('payment_intent.succeeded', {
      id: `pi_${randomUUID().slice(0, 8)}`,
      object: 'payment_intent',
      amount: 100,
      amount_received: 100,
      currency: 'eur',
      status: 'succeeded',
      metadata: {},
    });
    expect((await h.deliverStripe(payload)).body).toMatchObject({ outcome: 'unmatched' });
    expect(await inboxRow(JSON.parse(payload).id)).toEqual([{ tenant_id: null, outcome: 'unmatched', payment_id: null }]);
    const list = await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: h.staff });
    expect(JSON.stringify(list.body)).not.toContain(JSON.parse(payload).id);
  });

  it('looks our payment id up only in the tenant the event claims, across the RLS boundary', async () => {
    const slotId = await h.createSlot(5);
    const held = await h.hold(slotId, 1);
    const started = await h.startPayment(held.body.reservationId, 'stripe');
    const pi = h.stripe.intent(started.body.providerPaymentId);
    // Our payment id, but metadata naming another tenant (and an intent id we never saw): the lookup by
    // our id is narrowed to that tenant and finds nothing, so nothing of this tenant is touched.
    const payload = h.stripe.event('payment_intent.succeeded', {
      ...pi,
      status: 'succeeded',
      amount_received: pi.amount,
      metadata: { payment_id: started.body.paymentId, tenant_id: 'tenant-elsewhere' },
      id: `pi_${randomUUID().slice(0, 8)}`,
    });
    expect((await h.deliverStripe(payload)).body).toMatchObject({ outcome: 'unmatched' });
    expect((await h.reservation(held.body.reservationId)).status).toBe('held');
    expect(await inboxRow(JSON.parse(payload).id)).toEqual([{ tenant_id: 'tenant-elsewhere', outcome: 'unmatched', payment_id: null }]);
  });
});
