import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from '../support/providers/fakeStripe.js';

let stripe: FakeStripe;
let client: Stripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
  const url = new URL(stripe.url);
  client = new Stripe(stripe.secretKey, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(async () => {
  await stripe.close();
});

/**
 * The payments model test moves intents in random orders; the double must not let a succeeded
 * intent be charged again (Stripe never moves one back), or the ledger's full refund meets a charge
 * of another amount ("Refund exceeds charge") that no real Stripe account could have.
 */
describe('the Stripe double keeps a succeeded PaymentIntent final', () => {
  it('sends a late decline and a second success as events, but keeps the intent and its one charge', async () => {
    const created = await client.paymentIntents.create({ amount: 9000, currency: 'brl' });
    stripe.transition(created.id, 'succeeded');
    const charge = stripe.intent(created.id).latest_charge;

    const decline = JSON.parse(stripe.transition(created.id, 'payment_failed')) as { data: { object: { status: string } } };
    expect(decline.data.object.status).toBe('requires_payment_method');
    stripe.transition(created.id, 'succeeded', { amount: 1 });

    expect(stripe.intent(created.id)).toMatchObject({ status: 'succeeded', amount_received: 9000, latest_charge: charge });
    const refund = await client.refunds.create({ payment_intent: created.id, amount: 9000 });
    expect(refund.amount).toBe(9000);
  });
});
