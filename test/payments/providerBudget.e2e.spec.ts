import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';
import { stripeError } from '../support/providers/fakeStripe.js';

/** The test's provider budget: what production's 25 s is here, so that a silent provider costs seconds. */
const BUDGET_MS = 6_000;

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600, providerCallBudgetMs: BUDGET_MS });
});
afterAll(async () => {
  h.stripe.recover();
  await h.close();
});

/** A held reservation on a fresh slot. */
async function heldReservation(): Promise<string> {
  const held = await h.hold(await h.createSlot(10), 1);
  expect(held.status).toBe(201);
  return held.body.reservationId as string;
}

/** The PaymentIntents Stripe holds for one reservation: the provider objects a payment start made. */
const intentsOf = (reservationId: string) => [...h.stripe.intents.values()].filter((pi) => pi.metadata['reservation_id'] === reservationId);
const intentRequestsOf = (reservationId: string) =>
  h.stripe.requests.filter(
    (r) =>
      r.path === '/v1/payment_intents' &&
      (r.form['metadata'] as { reservation_id?: unknown } | undefined)?.reservation_id === reservationId,
  );

describe('a payment start gives the provider one budget, tries and waits together', () => {
  it('tries again after a 429, waiting the Retry-After Stripe gives: 201 and one PaymentIntent', async () => {
    const reservationId = await heldReservation();
    h.stripe.answerNext({ ...stripeError(429, 'invalid_request_error', 'Too many requests'), headers: { 'retry-after': '1' } });
    const res = await h.startPayment(reservationId, 'stripe');
    expect(res.status).toBe(201);
    expect(intentsOf(reservationId).map((pi) => pi.id)).toEqual([res.body.providerPaymentId]);
    const [refused, accepted] = intentRequestsOf(reservationId);
    expect(accepted?.idempotencyKey).toBe(refused?.idempotencyKey);
    // Stripe asked for a second; without Retry-After the first backoff is under 250 ms. (A timer may fire a millisecond early.)
    expect((accepted?.receivedAt ?? 0) - (refused?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('tries again after more 5xx answers than the SDK alone would retry, with the same idempotency key: 201 and one PaymentIntent', async () => {
    const reservationId = await heldReservation();
    h.stripe.failNext(3);
    const res = await h.startPayment(reservationId, 'stripe');
    expect(res.status).toBe(201);
    expect(intentsOf(reservationId)).toHaveLength(1);
    const keys = new Set(intentRequestsOf(reservationId).map((r) => r.idempotencyKey));
    expect(intentRequestsOf(reservationId)).toHaveLength(4);
    expect(keys.size).toBe(1);
  });

  it('answers 502 provider_error, without trying again, when Stripe refuses the request', async () => {
    const reservationId = await heldReservation();
    h.stripe.answerNext(stripeError(400, 'invalid_request_error', 'Amount must be no more than 999,999.99'));
    const res = await h.startPayment(reservationId, 'stripe');
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('provider_error');
    expect(intentRequestsOf(reservationId)).toHaveLength(1);
    expect((await h.reservation(reservationId)).payments).toEqual([]);
  });

  it('answers 503 within the budget when Stripe goes silent; the same key after it recovers finishes that payment', async () => {
    const reservationId = await heldReservation();
    const key = randomUUID();
    h.stripe.goSilent();
    const started = Date.now();
    const silent = await h.startPayment(reservationId, 'stripe', key);
    const waitedMs = Date.now() - started;
    h.stripe.recover();
    expect(silent.status).toBe(503);
    expect(silent.body.code).toBe('unavailable');
    expect(silent.headers.get('retry-after')).toMatch(/^\d+$/);
    // Bounded by the one budget, not by a timeout per try (those would add up to several budgets).
    expect(waitedMs).toBeLessThan(2 * BUDGET_MS);
    // Stripe made the PaymentIntent though we never heard; nothing was recorded on our side.
    expect(intentsOf(reservationId)).toHaveLength(1);
    expect((await h.reservation(reservationId)).payments).toEqual([]);

    const retried = await h.startPayment(reservationId, 'stripe', key);
    expect(retried.status).toBe(201);
    expect(intentsOf(reservationId).map((pi) => pi.id)).toEqual([retried.body.providerPaymentId]);
    const view = await h.reservation(reservationId);
    expect(view.payments).toEqual([expect.objectContaining({ paymentId: retried.body.paymentId, status: 'pending' })]);
  });
});

describe('the same budget for Mercado Pago (Pix and Checkout Pro)', () => {
  const paymentsOf = (paymentId: string) => [...h.mp.payments.values()].filter((p) => p.external_reference === paymentId);

  it('tries a Pix payment again after a 429 with Retry-After: 201 and one Mercado Pago payment', async () => {
    const reservationId = await heldReservation();
    h.mp.answerNext({ status: 429, body: { message: 'too many requests', status: 429 }, headers: { 'retry-after': '1' } });
    const res = await h.startPayment(reservationId, 'pix');
    expect(res.status).toBe(201);
    expect(paymentsOf(res.body.paymentId).map((p) => String(p.id))).toEqual([res.body.providerPaymentId]);
  });

  it('answers 502 provider_error when Mercado Pago refuses the preference', async () => {
    const reservationId = await heldReservation();
    h.mp.answerNext({ status: 400, body: { message: 'invalid unit_price', error: 'bad_request', status: 400, cause: [] } });
    const res = await h.startPayment(reservationId, 'mercadopago');
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('provider_error');
  });
});
