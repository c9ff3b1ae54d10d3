import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';

// API.md, Reservations: a hold with a payment pending or processing at the provider waits
// PAYMENT_GRACE_SECONDS more (the reservation shows the new expiresAt); when that runs out the open
// payments are cancelled at the provider before the hold expires, and a success that came first pays.

const HOLD_TTL_SECONDS = 600;
const GRACE_SECONDS = 1800;
const FRONTEND_URL = 'https://book.example.com/';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({
    holdTtlSeconds: HOLD_TTL_SECONDS,
    paymentGraceSeconds: GRACE_SECONDS,
    frontendUrl: FRONTEND_URL,
    providerCallBudgetMs: 3_000,
  });
});
afterAll(async () => {
  await h.close();
});

const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
/** One run of the periodic expireDueHolds job, as the worker runs it (its errors land in h.errors). */
async function sweep() {
  const job = h.payments.jobs.expireDueHolds;
  if (!job) throw new Error('the composed ledger runs no expiry job');
  await job({});
}

/** A held reservation; in reais unless told, as the Mercado Pago double settles in BRL. */
async function heldReservation(seats = 2, currency = 'BRL') {
  const slotId = await h.createSlot(10, { amount: 4500, currency });
  const held = await h.hold(slotId, seats);
  expect(held.status).toBe(201);
  return { slotId, reservationId: held.body.reservationId as string, expiresAt: held.body.expiresAt as string };
}

async function started(reservationId: string, provider: 'stripe' | 'pix' | 'mercadopago') {
  const res = await h.startPayment(reservationId, provider);
  expect(res.status).toBe(201);
  return res.body as { paymentId: string; providerPaymentId?: string; checkoutUrl?: string };
}

/** Moves the test clock to `seconds` after `iso` (the clock only moves forward). */
function clockTo(iso: string, seconds: number) {
  h.ledger.clock.set(new Date(Date.parse(iso) + seconds * 1000));
}

describe('a hold waiting for its payment', () => {
  it('is extended once by the grace when a payment starts, and the reservation shows the new expiresAt', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    await started(reservationId, 'stripe');
    const deadline = plusSeconds(expiresAt, GRACE_SECONDS);
    expect((await h.reservation(reservationId)).expiresAt).toBe(deadline);
    // A second payment (another provider) waits for the same deadline: a hold cannot be stretched.
    await started(reservationId, 'pix');
    expect((await h.reservation(reservationId)).expiresAt).toBe(deadline);
    const stream = await h.ledger.call('GET', `/v1/audit/streams/reservation-${reservationId}`, { token: h.auditor });
    expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual(['ReservationHeld', 'HoldExtendedForPayment']);

    clockTo(expiresAt, 1);
    await sweep();
    expect((await h.reservation(reservationId)).status).toBe('held');
    expect(h.stripe.cancelRequests()).toEqual([]);
  });

  it('at the end cancels the open payments at the provider (once), records them cancelled and releases the seats', async () => {
    const { slotId, reservationId, expiresAt } = await heldReservation();
    const stripe = await started(reservationId, 'stripe');
    const pix = await started(reservationId, 'pix');

    clockTo(expiresAt, GRACE_SECONDS + 1);
    await sweep();
    await sweep();

    // Each sweep closes every due hold's payments; these are this hold's.
    const stripeCancels = h.stripe.cancelRequests().filter((r) => r.path.includes(stripe.providerPaymentId ?? '-'));
    expect(stripeCancels).toEqual([
      expect.objectContaining({
        path: `/v1/payment_intents/${stripe.providerPaymentId}/cancel`,
        idempotencyKey: `ledger-cancel-${stripe.paymentId}`,
        form: expect.objectContaining({ cancellation_reason: 'abandoned' }),
      }),
    ]);
    const mpCancels = h.mp.cancelRequests().filter((r) => r.path === `/v1/payments/${pix.providerPaymentId}`);
    expect(mpCancels).toEqual([
      expect.objectContaining({
        path: `/v1/payments/${pix.providerPaymentId}`,
        idempotencyKey: `ledger-cancel-${pix.paymentId}`,
        body: { status: 'cancelled' },
      }),
    ]);
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('expired');
    expect(view.payments.map((p: { status: string }) => p.status)).toEqual(['cancelled', 'cancelled']);
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 0 });
    expect(h.errors).toEqual([]);
  });

  it('pays instead of expiring when the provider says the payment succeeded meanwhile (its webhook was lost)', async () => {
    const { slotId, reservationId, expiresAt } = await heldReservation();
    const stripe = await started(reservationId, 'stripe');
    h.stripe.transition(stripe.providerPaymentId ?? '', 'succeeded'); // the webhook never arrives

    clockTo(expiresAt, GRACE_SECONDS + 1);
    await sweep();

    const view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
    expect(view.payments[0].status).toBe('succeeded');
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 2 });
    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${stripe.paymentId}`, { token: h.auditor });
    expect(stream.body.events.at(-1)).toMatchObject({ type: 'PaymentSucceeded', data: { source: 'reconciliation' } });
  });

  it('pays when a Pix was paid at the bank meanwhile, without asking Mercado Pago to cancel it', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const pix = await started(reservationId, 'pix');
    h.mp.setStatus(Number(pix.providerPaymentId), 'approved');

    clockTo(expiresAt, GRACE_SECONDS + 1);
    await sweep();

    expect((await h.reservation(reservationId)).status).toBe('paid');
    expect(h.mp.cancelRequests().filter((r) => r.path === `/v1/payments/${pix.providerPaymentId}`)).toEqual([]);
  });

  it('expires an unpaid Checkout Pro preference at Mercado Pago at the end, records it cancelled and expires its hold', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const preference = await started(reservationId, 'mercadopago');
    const prefId = new URL(preference.checkoutUrl ?? '').searchParams.get('pref_id') ?? '';

    clockTo(expiresAt, GRACE_SECONDS + 1);
    await sweep();

    const updates = h.mp.requests.filter((r) => r.method === 'PUT' && r.path === `/checkout/preferences/${prefId}`);
    expect(updates).toEqual([
      expect.objectContaining({
        body: { expires: true, expiration_date_to: plusSeconds(expiresAt, GRACE_SECONDS + 1) },
        idempotencyKey: `ledger-cancel-${preference.paymentId}`,
      }),
    ]);
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('expired');
    expect(view.payments[0].status).toBe('cancelled');
  });

  it('pays when the customer completed Checkout Pro meanwhile', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const preference = await started(reservationId, 'mercadopago');
    h.mp.payPreference(preference.checkoutUrl ?? '', 'approved'); // the notification never arrives

    clockTo(expiresAt, GRACE_SECONDS + 1);
    await sweep();

    expect((await h.reservation(reservationId)).status).toBe('paid');
  });

  it('keeps the hold while the provider cannot be reached, and closes it on a later sweep', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    await started(reservationId, 'stripe');
    clockTo(expiresAt, GRACE_SECONDS + 1);
    const errorsBefore = h.errors.length;

    h.stripe.failNext(Infinity);
    try {
      await sweep();
    } finally {
      h.stripe.failNext(0);
    }
    expect((await h.reservation(reservationId)).status).toBe('held');
    expect(h.errors.length).toBeGreaterThan(errorsBefore);
    h.errors.splice(errorsBefore);

    await sweep();
    expect((await h.reservation(reservationId)).status).toBe('expired');
  });
});

describe('at start', () => {
  it('releases due holds without asking providers: one with an open payment waits for the periodic sweep', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const stripe = await started(reservationId, 'stripe');
    clockTo(expiresAt, GRACE_SECONDS + 1);
    const cancels = () => h.stripe.cancelRequests().filter((r) => r.path.includes(stripe.providerPaymentId ?? '-'));

    await h.payments.releaseExpiredHolds();
    expect((await h.reservation(reservationId)).status).toBe('held');
    expect(cancels()).toEqual([]);

    await sweep();
    expect((await h.reservation(reservationId)).status).toBe('expired');
    expect(cancels()).toHaveLength(1);
  });
});

describe('what the provider is asked to create', () => {
  it('a Pix payment expires at the extended deadline (date_of_expiration)', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const pix = await started(reservationId, 'pix');
    const payment = h.mp.payments.get(Number(pix.providerPaymentId));
    expect(payment?.date_of_expiration).toBe(plusSeconds(expiresAt, GRACE_SECONDS));
  });

  it('a Checkout Pro preference expires then too, and leads back to the booking site', async () => {
    const { reservationId, expiresAt } = await heldReservation();
    const preference = await started(reservationId, 'mercadopago');
    const prefId = new URL(preference.checkoutUrl ?? '').searchParams.get('pref_id') ?? '';
    const back = `https://book.example.com/reservations/${reservationId}`;
    expect(h.mp.preferences.get(prefId)).toMatchObject({
      expires: true,
      expiration_date_to: plusSeconds(expiresAt, GRACE_SECONDS),
      back_urls: { success: `${back}?status=success`, failure: `${back}?status=failure`, pending: `${back}?status=pending` },
      auto_return: 'approved',
    });
  });
});

describe('the ledger afterwards', () => {
  it('rebuilds the same reservations (extended expiresAt included) from the events', async () => {
    const report = await verifyLedger(h.ledger.db.systemPool);
    expect(report.projectionMismatches).toEqual([]);
    expect(report.ok).toBe(true);
    expect(h.errors).toEqual([]);
  });
});
