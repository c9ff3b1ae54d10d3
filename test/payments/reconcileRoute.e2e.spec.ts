import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';
import { stripeError } from '../support/providers/fakeStripe.js';

let h: PaymentsHarness;

beforeAll(async () => {
  // A short provider budget: the unreachable case waits it out.
  h = await startPaymentsHarness({ providerCallBudgetMs: 1_500 });
});
afterAll(async () => {
  await h.close();
});

const reconcilePath = (paymentId: string) => `/v1/backoffice/payments/${paymentId}/reconcile`;

async function heldWithStripePayment() {
  const slotId = await h.createSlot(4);
  const held = await h.hold(slotId, 1);
  expect(held.status).toBe(201);
  const reservationId: string = held.body.reservationId;
  const started = await h.startPayment(reservationId, 'stripe');
  expect(started.status).toBe(201);
  return { reservationId, paymentId: started.body.paymentId as string, pi: started.body.providerPaymentId as string };
}

async function paymentEvents(paymentId: string) {
  const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${paymentId}`, { token: h.auditor });
  expect(stream.status).toBe(200);
  return stream.body.events as { type: string; data: { source?: string } }[];
}

describe('POST /v1/backoffice/payments/{paymentId}/reconcile', () => {
  it('pays a reservation whose success webhook was lost, as a webhook would, and a second call changes nothing', async () => {
    const { reservationId, paymentId, pi } = await heldWithStripePayment();
    h.stripe.transition(pi, 'succeeded'); // the webhook never arrives

    const first = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.staff });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ paymentId, provider: 'stripe', status: 'succeeded', providerPaymentId: pi });
    expect(first.body.clientSecret).toBeUndefined();
    expect((await h.reservation(reservationId)).status).toBe('paid');
    const events = await paymentEvents(paymentId);
    expect(events.at(-1)).toMatchObject({ type: 'PaymentSucceeded', data: { source: 'reconciliation' } });

    const second = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.admin });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await paymentEvents(paymentId)).toHaveLength(events.length);
    expect((await h.reservation(reservationId)).status).toBe('paid');
  });

  it('answers with the payment as it is when the provider has nothing new', async () => {
    const { reservationId, paymentId } = await heldWithStripePayment();
    const before = await paymentEvents(paymentId);
    const res = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ paymentId, status: 'pending' });
    expect(await paymentEvents(paymentId)).toHaveLength(before.length);
    expect((await h.reservation(reservationId)).status).toBe('held');
  });

  it('is refused to customers and auditors (403) and hides other tenants’ payments (404)', async () => {
    const { paymentId, pi } = await heldWithStripePayment();
    h.stripe.transition(pi, 'succeeded');
    const lookups = () => h.stripe.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${pi}`).length;

    const customer = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.customer });
    expect(customer.status).toBe(403);
    expect(customer.body.code).toBe('forbidden');
    expect((await h.ledger.call('POST', reconcilePath(paymentId), { token: h.auditor })).status).toBe(403);
    const otherAdmin = h.ledger.token({ tenantId: 'tenant-other', groups: ['admin'], sub: 'admin-other' });
    const other = await h.ledger.call('POST', reconcilePath(paymentId), { token: otherAdmin });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('not_found');
    expect((await h.ledger.call('POST', reconcilePath('not-a-payment'), { token: h.admin })).status).toBe(404);
    // None of them asked the provider or paid anything.
    expect(lookups()).toBe(0);
    expect((await paymentEvents(paymentId)).map((e) => e.type)).not.toContain('PaymentSucceeded');
  });

  it('answers 502 provider_error when the provider refuses, and 503 unavailable when it does not answer', async () => {
    const { paymentId } = await heldWithStripePayment();
    h.stripe.answerNext(stripeError(404, 'invalid_request_error', 'No such payment_intent'));
    const refused = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.admin });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe('provider_error');

    h.stripe.failNext(Infinity);
    try {
      const unreachable = await h.ledger.call('POST', reconcilePath(paymentId), { token: h.admin });
      expect(unreachable.status).toBe(503);
      expect(unreachable.body.code).toBe('unavailable');
      expect(unreachable.headers.get('retry-after')).not.toBeNull();
    } finally {
      h.stripe.failNext(0);
    }
  });
});
