import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';

// HOLD_MAX_SEATS_PER_CUSTOMER counts unpaid seats: a hold paid through a verified Stripe webhook gives
// its seats of the allowance back (the harness runs the production default, 20).
let h: PaymentsHarness;

beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

describe('hold allowance and payments', () => {
  it('gives the allowance back once a hold is paid', async () => {
    const slotId = await h.createSlot(60);
    const held = await h.hold(slotId, 20);
    expect(held.status).toBe(201);
    const beyond = await h.hold(slotId, 1);
    expect(beyond.status).toBe(409);
    expect(beyond.body.code).toBe('hold_limit_reached');

    const started = await h.startPayment(held.body.reservationId, 'stripe');
    expect(started.status).toBe(201);
    const delivered = await h.deliverStripe(h.stripe.transition(started.body.providerPaymentId, 'succeeded'));
    expect(delivered.status).toBe(200);
    expect((await h.reservation(held.body.reservationId)).status).toBe('paid');

    expect((await h.hold(slotId, 20)).status).toBe(201);
    expect((await h.hold(slotId, 1)).body.code).toBe('hold_limit_reached');
    expect(await h.slot(slotId)).toMatchObject({ held: 20, sold: 20 });
  });
});
