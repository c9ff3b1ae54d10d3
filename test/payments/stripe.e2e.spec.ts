import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { paymentIdentity } from '../../src/app/payments/startPayment.js';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { eventually, type PaymentsHarness, startPaymentsHarness, stripePaymentRecordedAfterHoldEnded } from './harness.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600 });
});
afterAll(async () => {
  await h.close();
});

async function inboxCount(): Promise<number> {
  const { rows } = await h.ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM webhook_inbox');
  return Number(rows[0]!.n);
}
async function eventCount(): Promise<number> {
  const { rows } = await h.ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

/** A held reservation of `seats` on a fresh slot, with a started Stripe payment. */
async function heldWithStripePayment(seats = 2, capacity = 10) {
  const slotId = await h.createSlot(capacity);
  const held = await h.hold(slotId, seats);
  expect(held.status).toBe(201);
  const reservationId: string = held.body.reservationId;
  const started = await h.startPayment(reservationId, 'stripe');
  expect(started.status).toBe(201);
  return { slotId, reservationId, payment: started.body, pi: started.body.providerPaymentId as string };
}

describe('creating a Stripe payment', () => {
  it('creates a PaymentIntent for the full total, with our ids in its metadata and a derived idempotency key', async () => {
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 2);
    const key = randomUUID();
    const res = await h.startPayment(held.body.reservationId, 'stripe', key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'stripe', status: 'pending', amount: { amount: 9000, currency: 'EUR' } });
    expect(res.body.providerPaymentId).toMatch(/^pi_/);
    expect(res.body.clientSecret).toMatch(/_secret_/);
    const intent = h.stripe.intent(res.body.providerPaymentId);
    expect(intent.amount).toBe(9000);
    expect(intent.currency).toBe('eur');
    expect(intent.metadata).toEqual({ payment_id: res.body.paymentId, reservation_id: held.body.reservationId, tenant_id: 'tenant-test' });
    const call = h.stripe.requests.find(
      (r) =>
        r.path === '/v1/payment_intents' &&
        r.form['metadata'] &&
        (r.form['metadata'] as { payment_id?: unknown }).payment_id === res.body.paymentId,
    );
    const identity = paymentIdentity({ tenantId: 'tenant-test', reservationId: held.body.reservationId, provider: 'stripe', attempt: 0 });
    expect(res.body.paymentId).toBe(identity.paymentId);
    expect(call?.idempotencyKey).toBe(identity.providerIdempotencyKey);

    const replay = await h.startPayment(held.body.reservationId, 'stripe', key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(res.body);
    const view = await h.reservation(held.body.reservationId);
    expect(view.payments).toEqual([
      expect.objectContaining({ paymentId: res.body.paymentId, status: 'pending', providerPaymentId: intent.id }),
    ]);
    expect(view.payments[0].clientSecret).toBeUndefined();
  });

  it('creates one PaymentIntent for concurrent requests with one key', async () => {
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 1);
    const key = randomUUID();
    const before = h.stripe.intents.size;
    const results = await Promise.all(Array.from({ length: 8 }, () => h.startPayment(held.body.reservationId, 'stripe', key)));
    for (const r of results) expect([201, 409]).toContain(r.status);
    const created = results.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.paymentId)).size).toBe(1);
    expect(h.stripe.intents.size - before).toBe(1);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('idempotency_key_in_flight');
  });

  it('refuses a reservation that is not held, and another customer, and a reused key', async () => {
    const { reservationId } = await heldWithStripePayment(1);
    const other = h.ledger.token({ sub: 'customer-other' });
    expect((await h.startPayment(reservationId, 'stripe', randomUUID(), other)).status).toBe(404);
    const key = randomUUID();
    // The reservation's open Stripe payment, answered again under this key.
    expect((await h.startPayment(reservationId, 'stripe', key)).status).toBe(200);
    const reused = await h.startPayment(reservationId, 'pix', key);
    expect(reused.status).toBe(422);
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    const refused = await h.startPayment(reservationId, 'stripe');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('illegal_transition');
    const noKey = await h.ledger.call('POST', `/v1/reservations/${reservationId}/payments`, {
      token: h.customer,
      body: { provider: 'stripe' },
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('idempotency_key_required');
  });

  it('answers 503 and records nothing when Stripe keeps failing, and a retry with the same key then succeeds', async () => {
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 1);
    const key = randomUUID();
    h.stripe.failNext(Infinity);
    const failed = await h.startPayment(held.body.reservationId, 'stripe', key);
    h.stripe.failNext(0);
    expect(failed.status).toBe(503);
    expect((await h.reservation(held.body.reservationId)).payments).toEqual([]);
    const retried = await h.startPayment(held.body.reservationId, 'stripe', key);
    expect(retried.status).toBe(201);
  });
});

describe('Stripe webhooks', () => {
  it('pays the reservation on a verified success: payment succeeded, seats move from held to sold, in one go', async () => {
    const { slotId, reservationId, pi, payment } = await heldWithStripePayment(2);
    expect(await h.slot(slotId)).toMatchObject({ held: 2, sold: 0 });
    const res = await h.deliverStripe(h.stripe.transition(pi, 'succeeded'));
    expect(res.status).toBe(200);
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
    expect(view.payments[0]).toMatchObject({ paymentId: payment.paymentId, status: 'succeeded' });
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 2 });
    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${payment.paymentId}`, { token: h.auditor });
    expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    expect(stream.body.events[1].metadata).toMatchObject({ source: 'webhook', actor: 'provider:stripe' });
  });

  it('refuses a bad signature with 400 invalid_signature and stores nothing', async () => {
    const { pi, reservationId } = await heldWithStripePayment(1);
    const payload = h.stripe.transition(pi, 'succeeded');
    const inbox = await inboxCount();
    const events = await eventCount();
    const now = h.ledger.clock.now();
    const good = h.stripe.sign(payload, now);
    const t = good.split(',')[0]!;
    const v1 = good.split(',')[1]!.slice(3);
    const bad = [
      undefined,
      `${t},v1=${'0'.repeat(64)}`,
      `${t},v1=${v1.toUpperCase()}`,
      `${t},v0=${v1}`,
      h.stripe.sign(payload, new Date(now.getTime() - 301_000)),
    ];
    for (const header of bad) {
      const res = await h.ledger.call('POST', '/webhooks/stripe', {
        body: payload,
        headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_signature');
    }
    const tampered = await h.ledger.call('POST', '/webhooks/stripe', {
      body: `${payload} `,
      headers: { 'stripe-signature': good, 'content-type': 'application/json' },
    });
    expect(tampered.status).toBe(400);
    expect(await inboxCount()).toBe(inbox);
    expect(await eventCount()).toBe(events);
    expect((await h.reservation(reservationId)).status).toBe('held');
  });

  it('applies one event delivered 10 times concurrently exactly once', async () => {
    const { reservationId, pi, payment, slotId } = await heldWithStripePayment(3);
    const payload = h.stripe.transition(pi, 'succeeded');
    const results = await Promise.all(Array.from({ length: 10 }, () => h.deliverStripe(payload)));
    for (const r of results) expect(r.status).toBe(200);
    expect(results.filter((r) => r.body.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.body.outcome === 'duplicate')).toHaveLength(9);
    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${payment.paymentId}`, { token: h.auditor });
    expect(stream.body.events.filter((e: { type: string }) => e.type === 'PaymentSucceeded')).toHaveLength(1);
    expect((await h.reservation(reservationId)).status).toBe('paid');
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 3 });
  });

  it('answers a repeated event without waiting for its slot, which a hold may have locked', async () => {
    const { pi, slotId } = await heldWithStripePayment(1);
    const payload = h.stripe.transition(pi, 'succeeded');
    expect((await h.deliverStripe(payload)).body.outcome).toBe('applied');
    // Another transaction holds the slot's row lock, as a hold on a busy departure would.
    const blocker = new pg.Client({ connectionString: h.ledger.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query("SELECT FROM slot_availability WHERE tenant_id = 'tenant-test' AND slot_id = $1 FOR UPDATE", [slotId]);
      const repeat = h.deliverStripe(payload);
      const outcome = await Promise.race([
        repeat.then((r) => r.body.outcome as string),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting for the slot lock'), 3_000)),
      ]);
      expect(outcome).toBe('duplicate');
      await repeat;
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });

  it('stays succeeded when processing arrives after succeeded', async () => {
    const { reservationId, pi } = await heldWithStripePayment(1);
    const processing = h.stripe.transition(pi, 'processing');
    const succeeded = h.stripe.transition(pi, 'succeeded');
    expect((await h.deliverStripe(succeeded)).status).toBe(200);
    expect((await h.deliverStripe(processing)).body.outcome).toBe('unchanged');
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
    expect(view.payments[0].status).toBe('succeeded');
  });

  it('keeps a declined PaymentIntent open (lastError) and lets a later success pay', async () => {
    const { reservationId, pi } = await heldWithStripePayment(1);
    await h.deliverStripe(h.stripe.transition(pi, 'payment_failed'));
    let view = await h.reservation(reservationId);
    expect(view.payments[0]).toMatchObject({ status: 'pending', lastError: 'Your card was declined.' });
    await h.deliverStripe(h.stripe.transition(pi, 'succeeded'));
    view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
    expect(view.payments[0].status).toBe('succeeded');
  });

  it('keeps a success after cancel as an anomaly: acknowledged, in the audit stream and the back office list', async () => {
    const { reservationId, pi, payment } = await heldWithStripePayment(1);
    await h.deliverStripe(h.stripe.transition(pi, 'canceled'));
    const late = await h.deliverStripe(h.stripe.transition(pi, 'succeeded'));
    expect(late.status).toBe(200);
    expect(late.body.outcome).toBe('anomaly');
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('held');
    expect(view.payments[0].status).toBe('cancelled');
    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${payment.paymentId}`, { token: h.auditor });
    expect(stream.body.events.at(-1)).toMatchObject({ type: 'PaymentAnomalyRecorded', data: { anomaly: 'SuccessAfterTerminal' } });
    const list = await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: h.staff });
    expect(list.status).toBe(200);
    expect(list.body.anomalies).toContainEqual(expect.objectContaining({ paymentId: payment.paymentId, anomaly: 'SuccessAfterTerminal' }));
    expect((await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: h.customer })).status).toBe(403);
    const otherTenant = h.ledger.token({ tenantId: 'tenant-other', groups: ['staff'], sub: 'staff-other' });
    const foreign = await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: otherTenant });
    expect(foreign.body.anomalies).toEqual([]);
  });

  it('keeps a success for the wrong amount as an anomaly and does not pay', async () => {
    const { reservationId, pi } = await heldWithStripePayment(2);
    const res = await h.deliverStripe(h.stripe.transition(pi, 'succeeded', { amount: 100 }));
    expect(res.body.outcome).toBe('anomaly');
    expect((await h.reservation(reservationId)).status).toBe('held');
  });

  async function heldWithLateStripePayment(seats: number, capacity: number) {
    const slotId = await h.createSlot(capacity);
    const held = await h.hold(slotId, seats);
    expect(held.status).toBe(201);
    const reservationId: string = held.body.reservationId;
    const started = await stripePaymentRecordedAfterHoldEnded(h, reservationId);
    return { slotId, reservationId, payment: started.body, pi: started.body.providerPaymentId as string };
  }

  it('pays an expired reservation whose seats are still free, and keeps an anomaly when they are gone', async () => {
    const a = await heldWithLateStripePayment(2, 2);
    expect((await h.reservation(a.reservationId)).status).toBe('expired');
    await h.deliverStripe(h.stripe.transition(a.pi, 'succeeded'));
    expect((await h.reservation(a.reservationId)).status).toBe('paid');
    expect(await h.slot(a.slotId)).toMatchObject({ held: 0, sold: 2 });

    const b = await heldWithLateStripePayment(2, 2);
    const taker = await h.hold(b.slotId, 2);
    expect(taker.status).toBe(201);
    const late = await h.deliverStripe(h.stripe.transition(b.pi, 'succeeded'));
    expect(late.body.outcome).toBe('anomaly');
    const view = await h.reservation(b.reservationId);
    expect(view.status).toBe('expired');
    expect(view.payments[0].status).toBe('succeeded');
    expect(await h.slot(b.slotId)).toMatchObject({ held: 2, sold: 0 });
    const list = await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: h.staff });
    expect(list.body.anomalies).toContainEqual(
      expect.objectContaining({ paymentId: b.payment.paymentId, anomaly: 'ReservationNotPayable' }),
    );
  });

  it('does not expire a hold whose payment is processing', async () => {
    const { reservationId, pi } = await heldWithStripePayment(1);
    await h.deliverStripe(h.stripe.transition(pi, 'processing'));
    h.ledger.clock.advance(3600);
    await expireDueHolds(h.ledger.deps, h.ledger.composed.providers);
    expect((await h.reservation(reservationId)).status).toBe('held');
    await h.deliverStripe(h.stripe.transition(pi, 'succeeded'));
    expect((await h.reservation(reservationId)).status).toBe('paid');
  });

  it('keeps an event for an unknown payment as unmatched, listed for its tenant', async () => {
    const payload = h.stripe.event('payment_intent.succeeded', {
      id: 'pi_unknown',
      object: 'payment_intent',
      amount: 100,
      amount_received: 100,
      currency: 'eur',
      status: 'succeeded',
      metadata: { payment_id: randomUUID(), tenant_id: 'tenant-test' },
    });
    const res = await h.deliverStripe(payload);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('unmatched');
    const list = await h.ledger.call('GET', '/v1/backoffice/anomalies', { token: h.staff });
    expect(list.body.unmatched).toContainEqual(expect.objectContaining({ provider: 'stripe', providerEventId: JSON.parse(payload).id }));
    expect((await h.deliverStripe(payload)).body.outcome).toBe('duplicate');
  });

  it('answers 5xx on a database failure, stores nothing, and applies the retry', async () => {
    const { reservationId, pi } = await heldWithStripePayment(1);
    const payload = h.stripe.transition(pi, 'succeeded');
    await h.ledger.db.asOwner('ALTER TABLE payments_view RENAME TO payments_view_away');
    try {
      const failed = await h.deliverStripe(payload);
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      await h.ledger.db.asOwner('ALTER TABLE payments_view_away RENAME TO payments_view');
    }
    expect((await h.reservation(reservationId)).status).toBe('held');
    const retried = await h.deliverStripe(payload);
    expect(retried.body.outcome).toBe('applied');
    expect((await h.reservation(reservationId)).status).toBe('paid');
  });
});

describe('cancel and refund', () => {
  it('releases the seats at cancel, asks Stripe for the refund once, and becomes refunded on charge.refunded', async () => {
    const { reservationId, pi, slotId, payment } = await heldWithStripePayment(2);
    await h.deliverStripe(h.stripe.transition(pi, 'succeeded'));
    const cancelled = await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 0 });
    const refunds = await eventually(
      () => h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi),
      (list) => list.length === 1,
    );
    expect(refunds[0]!.idempotencyKey).toBe(`ledger-refund-${payment.paymentId}`);
    expect(refunds[0]!.form['amount']).toBe('9000');
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(409);
    const res = await h.deliverStripe(h.stripe.refundedEvent(pi));
    expect(res.body.outcome).toBe('applied');
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('refunded');
    expect(view.payments[0].status).toBe('refunded');
    await h.jobsDone();
    expect(h.stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi)).toHaveLength(1);
  });
});

describe('reconciliation', () => {
  it('applies what Stripe says about a payment whose webhook was lost, recorded as reconciliation', async () => {
    const { reservationId, pi, payment } = await heldWithStripePayment(1);
    h.stripe.transition(pi, 'succeeded'); // the webhook never arrives
    h.ledger.clock.advance(30);
    await h.payments.reconcile({ olderThanSeconds: 600 });
    expect((await h.reservation(reservationId)).status).toBe('held');
    h.ledger.clock.advance(600);
    const report = await h.payments.reconcile({ olderThanSeconds: 600 });
    expect(report.applied).toBeGreaterThanOrEqual(1);
    expect((await h.reservation(reservationId)).status).toBe('paid');
    const stream = await h.ledger.call('GET', `/v1/audit/streams/payment-${payment.paymentId}`, { token: h.auditor });
    expect(stream.body.events.at(-1)).toMatchObject({
      type: 'PaymentSucceeded',
      data: { source: 'reconciliation' },
      metadata: { source: 'reconciliation' },
    });
    const again = await h.payments.reconcile({ olderThanSeconds: 0 });
    expect(again.applied).toBe(0);
  });
});

describe('the ledger afterwards', () => {
  it('verifies: every chain intact and every projection (payments included) equal to its rebuild', async () => {
    const report = await verifyLedger(h.ledger.db.systemPool);
    expect(report.brokenChains).toEqual([]);
    expect(report.projectionMismatches).toEqual([]);
    expect(report.ok).toBe(true);
    expect(h.errors).toEqual([]);
  });
});
