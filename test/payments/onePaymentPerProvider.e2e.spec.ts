import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';

// API.md, Payments: a reservation has at most one open (pending/processing) payment per provider;
// asking again for the same provider, with any key, returns that open payment (200).
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600 });
});
afterAll(async () => {
  await h.close();
});

async function heldReservation(): Promise<string> {
  const held = await h.hold(await h.createSlot(10), 2);
  expect(held.status).toBe(201);
  return held.body.reservationId as string;
}

const intentsOf = (reservationId: string) => [...h.stripe.intents.values()].filter((pi) => pi.metadata['reservation_id'] === reservationId);
const mpPaymentsOf = (reservationId: string) =>
  [...h.mp.payments.values()].filter((p) => (p.metadata as { reservation_id?: unknown }).reservation_id === reservationId);

describe('one open payment per provider per reservation', () => {
  it('answers later starts with other keys with the open payment (200), one PaymentIntent in all', async () => {
    const reservationId = await heldReservation();
    const first = await h.startPayment(reservationId, 'stripe', randomUUID());
    expect(first.status).toBe(201);
    for (let i = 0; i < 4; i += 1) {
      const again = await h.startPayment(reservationId, 'stripe', randomUUID());
      expect(again.status).toBe(200);
      // The customer can still pay it: the client secret comes back with it.
      expect(again.body).toEqual(first.body);
    }
    expect(intentsOf(reservationId)).toHaveLength(1);
    expect((await h.reservation(reservationId)).payments).toHaveLength(1);
  });

  it('makes one payment of concurrent starts with different keys: one 201, the others 200 with its paymentId', async () => {
    const reservationId = await heldReservation();
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.startPayment(reservationId, 'stripe', randomUUID())));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.paymentId)).size).toBe(1);
    expect(intentsOf(reservationId)).toHaveLength(1);
    expect((await h.reservation(reservationId)).payments).toHaveLength(1);
  });

  it('gives another provider its own payment, and each provider keeps its one', async () => {
    const reservationId = await heldReservation();
    const stripe = await h.startPayment(reservationId, 'stripe');
    const pix = await h.startPayment(reservationId, 'pix');
    const checkout = await h.startPayment(reservationId, 'mercadopago');
    expect([stripe.status, pix.status, checkout.status]).toEqual([201, 201, 201]);
    expect(new Set([stripe.body.paymentId, pix.body.paymentId, checkout.body.paymentId]).size).toBe(3);
    const pixAgain = await h.startPayment(reservationId, 'pix');
    expect(pixAgain.status).toBe(200);
    expect(pixAgain.body.paymentId).toBe(pix.body.paymentId);
    expect(mpPaymentsOf(reservationId)).toHaveLength(1);
    expect((await h.reservation(reservationId)).payments).toHaveLength(3);
  });

  it('creates a new payment once the open one was cancelled, and answers with that one after', async () => {
    const reservationId = await heldReservation();
    const first = await h.startPayment(reservationId, 'stripe');
    expect((await h.deliverStripe(h.stripe.transition(first.body.providerPaymentId, 'canceled'))).body.outcome).toBe('applied');
    const second = await h.startPayment(reservationId, 'stripe');
    expect(second.status).toBe(201);
    expect(second.body.paymentId).not.toBe(first.body.paymentId);
    expect(second.body.providerPaymentId).not.toBe(first.body.providerPaymentId);
    const third = await h.startPayment(reservationId, 'stripe');
    expect(third.status).toBe(200);
    expect(third.body.paymentId).toBe(second.body.paymentId);
    expect(intentsOf(reservationId)).toHaveLength(2);
  });

  it('creates a new Pix payment once the open one failed', async () => {
    const reservationId = await heldReservation();
    const first = await h.startPayment(reservationId, 'pix');
    const mpId = Number(first.body.providerPaymentId);
    h.mp.setStatus(mpId, 'rejected');
    expect((await h.deliverMp(mpId)).body.outcome).toBe('applied');
    const second = await h.startPayment(reservationId, 'pix');
    expect(second.status).toBe(201);
    expect(second.body.paymentId).not.toBe(first.body.paymentId);
    expect(mpPaymentsOf(reservationId)).toHaveLength(2);
  });
});
