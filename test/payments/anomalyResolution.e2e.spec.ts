import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundIdempotencyKey } from '../../src/app/payments/sendRefund.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { type PaymentsHarness, startPaymentsHarness, stripePaymentRecordedAfterHoldEnded } from './harness.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600 });
});
afterAll(async () => {
  await h.close();
});

/**
 * The classic unpayable success: a Stripe payment is recorded after its hold expired, someone else
 * takes the seats, then the customer completes the payment. The money is real; the reservation
 * cannot be paid.
 */
async function unpayableSuccess() {
  const slotId = await h.createSlot(2);
  const held = await h.hold(slotId, 2);
  expect(held.status).toBe(201);
  const started = await stripePaymentRecordedAfterHoldEnded(h, held.body.reservationId);
  expect((await h.hold(slotId, 2)).status).toBe(201);
  const success = h.stripe.transition(started.body.providerPaymentId, 'succeeded');
  expect((await h.deliverStripe(success)).body.outcome).toBe('anomaly');
  return {
    reservationId: held.body.reservationId as string,
    paymentId: started.body.paymentId as string,
    pi: started.body.providerPaymentId as string,
    providerEventId: JSON.parse(success).id as string,
  };
}

const resolvePath = (paymentId: string, providerEventId: string) =>
  `/v1/backoffice/payments/${paymentId}/anomalies/${providerEventId}/resolve`;

async function anomaliesOf(paymentId: string, state: 'open' | 'resolved' | 'all') {
  const list = await h.ledger.call('GET', `/v1/backoffice/anomalies?state=${state}`, { token: h.staff });
  expect(list.status).toBe(200);
  return (list.body.anomalies as { paymentId: string }[]).filter((a) => a.paymentId === paymentId);
}

describe('resolving payment anomalies', () => {
  it('lets an admin give the money of an unpayable success back; the refund webhook then closes the payment', async () => {
    const a = await unpayableSuccess();
    expect(await anomaliesOf(a.paymentId, 'open')).toEqual([
      expect.objectContaining({ anomaly: 'ReservationNotPayable', providerEventId: a.providerEventId }),
    ]);

    for (const token of [h.staff, h.customer, h.auditor]) {
      expect((await h.ledger.call('POST', resolvePath(a.paymentId, a.providerEventId), { token, body: { action: 'refund' } })).status).toBe(
        403,
      );
    }
    const otherAdmin = h.ledger.token({ tenantId: 'tenant-other', groups: ['admin'], sub: 'admin-other' });
    const foreign = await h.ledger.call('POST', resolvePath(a.paymentId, a.providerEventId), {
      token: otherAdmin,
      body: { action: 'refund' },
    });
    expect(foreign.status).toBe(404);

    const res = await h.ledger.call('POST', resolvePath(a.paymentId, a.providerEventId), {
      token: h.admin,
      body: { action: 'refund', note: 'seats were gone' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      paymentId: a.paymentId,
      providerEventId: a.providerEventId,
      action: 'refund',
      paymentStatus: 'succeeded',
      refundRequested: true,
    });
    await h.jobsDone();
    const refundCalls = h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === a.pi);
    expect(refundCalls).toHaveLength(1);
    expect(refundCalls[0]!.idempotencyKey).toBe(refundIdempotencyKey(a.paymentId));

    expect(await anomaliesOf(a.paymentId, 'open')).toEqual([]);
    expect(await anomaliesOf(a.paymentId, 'resolved')).toEqual([
      expect.objectContaining({
        anomaly: 'ReservationNotPayable',
        resolution: expect.objectContaining({ action: 'refund', note: 'seats were gone', by: 'admin-1' }),
      }),
    ]);

    const again = await h.ledger.call('POST', resolvePath(a.paymentId, a.providerEventId), { token: h.admin, body: { action: 'refund' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('illegal_transition');

    expect((await h.deliverStripe(h.stripe.refundedEvent(a.pi))).status).toBe(200);
    const view = await h.reservation(a.reservationId);
    expect(view.status).toBe('expired');
    expect(view.payments[0].status).toBe('refunded');
  });

  it('is done by reconciliation on its own for unpayable successes, once', async () => {
    const a = await unpayableSuccess();
    const first = await h.payments.reconcile({ olderThanSeconds: 0 });
    expect(first.unpayableRefunded).toBeGreaterThanOrEqual(1);
    // A job enqueued with the resolution, sent once after it committed.
    await h.jobsDone();
    expect(h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === a.pi)).toHaveLength(1);
    expect(await anomaliesOf(a.paymentId, 'resolved')).toEqual([
      expect.objectContaining({ resolution: expect.objectContaining({ action: 'refund', by: 'reconciliation' }) }),
    ]);
    const second = await h.payments.reconcile({ olderThanSeconds: 0 });
    expect(second.unpayableRefunded).toBe(0);
    await h.jobsDone();
    expect(h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === a.pi)).toHaveLength(1);
  });

  it('dismisses only with a note, and never refunds through a payment that holds no money', async () => {
    const slotId = await h.createSlot(4);
    const held = await h.hold(slotId, 1);
    const started = await h.startPayment(held.body.reservationId, 'stripe');
    const pi = started.body.providerPaymentId as string;
    await h.deliverStripe(h.stripe.transition(pi, 'canceled'));
    const late = h.stripe.event('payment_intent.succeeded', {
      ...h.stripe.intent(pi),
      status: 'succeeded',
      amount_received: h.stripe.intent(pi).amount,
    });
    expect((await h.deliverStripe(late)).body.outcome).toBe('anomaly');
    const providerEventId = JSON.parse(late).id as string;
    const path = resolvePath(started.body.paymentId, providerEventId);

    const refund = await h.ledger.call('POST', path, { token: h.admin, body: { action: 'refund' } });
    expect(refund.status).toBe(409);
    const noNote = await h.ledger.call('POST', path, { token: h.admin, body: { action: 'dismiss' } });
    expect(noNote.status).toBe(400);
    expect(noNote.body.code).toBe('invalid_request');
    const unknownField = await h.ledger.call('POST', path, { token: h.admin, body: { action: 'dismiss', note: 'x', amount: 1 } });
    expect(unknownField.status).toBe(400);
    const dismissed = await h.ledger.call('POST', path, {
      token: h.admin,
      body: { action: 'dismiss', note: 'refunded by hand in the Stripe dashboard, ticket 4411' },
    });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ action: 'dismiss', paymentStatus: 'cancelled', refundRequested: false });
    expect(h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi)).toHaveLength(0);

    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${started.body.paymentId}`, { token: h.auditor });
    expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual([
      'PaymentStarted',
      'PaymentCancelled',
      'PaymentAnomalyRecorded',
      'PaymentAnomalyResolved',
    ]);
    expect(stream.body.events[3].metadata).toMatchObject({ actor: 'admin-1' });
  });

  it('answers 404 for an unknown payment and a malformed id alike', async () => {
    for (const paymentId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await h.ledger.call('POST', resolvePath(paymentId, 'evt_1'), { token: h.admin, body: { action: 'refund' } });
      expect(res.status).toBe(404);
    }
  });

  it('leaves projections equal to their rebuild from the events', async () => {
    await h.jobsDone();
    const report = await verifyLedger(h.ledger.db.systemPool);
    expect(report.projectionMismatches).toEqual([]);
    expect(report.brokenChains).toEqual([]);
  });
});
