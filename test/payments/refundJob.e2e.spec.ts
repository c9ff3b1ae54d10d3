import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundIdempotencyKey } from '../../src/app/payments/sendRefund.js';
import { queuedJobs } from '../support/jobs.js';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';

// The server is "down" for follow-up work here: no worker runs until the test runs the due jobs,
// as a restarted instance would. The refund must survive that gap, be retried after a provider
// failure, and reach the provider as one refund.
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ jobWorker: false });
});
afterAll(async () => {
  await h.close();
});

describe('the refund of a cancelled paid reservation', () => {
  it('is a job committed with the cancel, sent by a worker that starts later, retried after a provider failure, once in effect', async () => {
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 2);
    const reservationId: string = held.body.reservationId;
    const started = await h.startPayment(reservationId, 'stripe');
    const { paymentId, providerPaymentId: pi } = started.body as { paymentId: string; providerPaymentId: string };
    expect((await h.deliverStripe(h.stripe.transition(pi, 'succeeded'))).status).toBe(200);
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);

    // Committed with the cancel, not yet sent: no worker is running.
    const queued = (await queuedJobs(h.ledger.db, 'sendRefund')).filter((job) => job.payload.paymentId === paymentId);
    expect(queued).toHaveLength(1);
    expect(h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi)).toEqual([]);

    // The provider keeps failing for the whole call budget: the job keeps the error and waits.
    h.stripe.failNext(Infinity);
    await h.runJobs();
    h.stripe.failNext(0);
    const [failed] = (await queuedJobs(h.ledger.db, 'sendRefund')).filter((job) => job.payload.paymentId === paymentId);
    expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringContaining('injected failure') });

    // Its backoff over, the next run sends it; runs after that find nothing to send.
    await h.ledger.db.asOwner(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE payload->>'paymentId' = $1`, [paymentId]);
    await h.runJobs();
    await h.runJobs();
    const requests = h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi);
    // Failed tries and the one that went through, all with the one key: Stripe refunds once.
    expect(requests.length).toBeGreaterThan(1);
    expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([refundIdempotencyKey(paymentId)]));
    expect((await queuedJobs(h.ledger.db, 'sendRefund')).filter((job) => job.payload.paymentId === paymentId)).toEqual([]);

    expect((await h.deliverStripe(h.stripe.refundedEvent(pi))).body.outcome).toBe('applied');
    expect((await h.reservation(reservationId)).status).toBe('refunded');
  });
});
