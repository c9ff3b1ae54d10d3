import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';

// Issue 13, finding 5: events were matched by our payment id alone, so a signed success for payment
// A's PaymentIntent whose metadata named payment B paid B. Once a payment has a provider id, an event
// must name that one too; a mismatch is an anomaly and changes no status.
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

async function heldWithStripePayment() {
  const slotId = await h.createSlot(10);
  const held = await h.hold(slotId, 1);
  const reservationId: string = held.body.reservationId;
  const started = await h.startPayment(reservationId, 'stripe');
  return { reservationId, paymentId: started.body.paymentId as string, pi: started.body.providerPaymentId as string };
}

describe('a provider event about another payment at the provider', () => {
  it('is kept as an anomaly of the payment it names and pays nothing; the genuine event still pays', async () => {
    const a = await heldWithStripePayment();
    const b = await heldWithStripePayment();
    const forged = JSON.parse(h.stripe.transition(a.pi, 'succeeded')) as {
      id: string;
      data: { object: { metadata: Record<string, string> } };
    };
    forged.id = `${forged.id}_b`;
    forged.data.object.metadata = { ...forged.data.object.metadata, payment_id: b.paymentId, reservation_id: b.reservationId };
    const delivered = await h.deliverStripe(JSON.stringify(forged));
    expect(delivered.status).toBe(200);
    expect(delivered.body.outcome).toBe('anomaly');
    for (const { reservationId } of [a, b]) {
      const view = await h.reservation(reservationId);
      expect(view.status).toBe('held');
      expect(view.payments[0].status).toBe('pending');
    }
    const anomalies = await h.ledger.call('GET', '/v1/backoffice/anomalies?state=open', { token: h.staff });
    expect(JSON.stringify(anomalies.body)).toContain('ProviderPaymentMismatch');
    expect(JSON.stringify(anomalies.body)).toContain(b.paymentId);

    expect((await h.deliverStripe(h.stripe.transition(b.pi, 'succeeded'))).body.outcome).toBe('applied');
    expect((await h.reservation(b.reservationId)).status).toBe('paid');
  });
});
