import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { paymentIdentity } from '../../src/app/payments/startPayment.js';
import { MP_TEST_WEBHOOK_SECRET } from '../support/providers/fakeMercadoPago.js';
import { eventually, type PaymentsHarness, startPaymentsHarness } from './harness.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness();
});
afterAll(async () => {
  await h.close();
});

const BRL = (amount: number) => ({ amount, currency: 'BRL' });

async function held(seats: number, unit = 2275) {
  const slotId = await h.createSlot(10, BRL(unit));
  const res = await h.hold(slotId, seats);
  expect(res.status).toBe(201);
  return { slotId, reservationId: res.body.reservationId as string };
}

describe('Pix', () => {
  it('creates a Mercado Pago payment with payment_method_id pix, our external_reference and idempotency key, and returns its QR code', async () => {
    const { reservationId } = await held(2);
    const key = randomUUID();
    const res = await h.startPayment(reservationId, 'pix', key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'pix', status: 'pending', amount: BRL(4550) });
    expect(res.body.pixQrCode).toMatch(/^00020126/);
    const sent = h.mp.requests.find(
      (r) => r.path === '/v1/payments' && (r.body as { external_reference?: unknown }).external_reference === res.body.paymentId,
    )!;
    expect(sent.body).toMatchObject({ payment_method_id: 'pix', transaction_amount: 45.5, external_reference: res.body.paymentId });
    const identity = paymentIdentity({ tenantId: 'tenant-test', reservationId, provider: 'pix', attempt: 0 });
    expect(res.body.paymentId).toBe(identity.paymentId);
    expect(sent.idempotencyKey).toBe(identity.providerIdempotencyKey);
    expect(res.body.providerPaymentId).toBe(String(h.mp.payments.get(Number(res.body.providerPaymentId))!.id));
    const view = await h.reservation(reservationId);
    expect(view.payments[0]).toMatchObject({ pixQrCode: res.body.pixQrCode, providerPaymentId: res.body.providerPaymentId });
  });

  it('pays on an approved notification read back from the API, once, and converts 45.5 BRL to 4550', async () => {
    const { reservationId, slotId } = await held(2);
    const res = await h.startPayment(reservationId, 'pix');
    const mpId = Number(res.body.providerPaymentId);
    h.mp.setStatus(mpId, 'approved');
    const results = await Promise.all(Array.from({ length: 5 }, () => h.deliverMp(mpId)));
    for (const r of results) expect(r.status).toBe(200);
    expect(results.filter((r) => r.body.outcome === 'applied')).toHaveLength(1);
    expect((await h.reservation(reservationId)).status).toBe('paid');
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 2 });
  });

  it('treats rejected as terminal: a later approval is an anomaly', async () => {
    const { reservationId } = await held(1);
    const res = await h.startPayment(reservationId, 'pix');
    const mpId = Number(res.body.providerPaymentId);
    h.mp.setStatus(mpId, 'rejected');
    expect((await h.deliverMp(mpId)).body.outcome).toBe('applied');
    expect((await h.reservation(reservationId)).payments[0].status).toBe('failed');
    h.mp.setStatus(mpId, 'approved');
    expect((await h.deliverMp(mpId)).body.outcome).toBe('anomaly');
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('held');
    expect(view.payments[0].status).toBe('failed');
  });

  it('refuses a bad signature and stores nothing; acknowledges non-payment topics', async () => {
    const n = h.mp.notification(123, h.ledger.clock.now());
    const bad = await h.ledger.call('POST', n.path, {
      body: n.body,
      headers: { ...n.headers, 'x-signature': n.headers['x-signature'].replace(/v1=[0-9a-f]+/, `v1=${'0'.repeat(64)}`) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_signature');
    const stale = h.mp.notification(123, new Date(h.ledger.clock.now().getTime() - 600_000));
    expect((await h.ledger.call('POST', stale.path, { body: stale.body, headers: stale.headers })).status).toBe(400);
    const order = h.mp.notification(55, h.ledger.clock.now());
    const res = await h.ledger.call('POST', order.path.replace('type=payment', 'type=merchant_order'), {
      body: order.body,
      headers: order.headers,
    });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('ignored');
  });

  it('reads only the signed data.id: a notification whose id is only in the (unsigned) body is refused and reads nothing', async () => {
    const requestId = randomUUID();
    const ts = Math.floor(h.ledger.clock.now().getTime() / 1000);
    // A manifest without its id part is valid ("a missing part is left out"), but then it binds no payment.
    const v1 = createHmac('sha256', MP_TEST_WEBHOOK_SECRET).update(`request-id:${requestId};ts:${ts};`).digest('hex');
    const before = h.mp.requests.length;
    const res = await h.ledger.call('POST', '/webhooks/mercadopago?type=payment', {
      body: JSON.stringify({ action: 'payment.updated', data: { id: '123' }, type: 'payment' }),
      headers: { 'x-signature': `ts=${ts},v1=${v1}`, 'x-request-id': requestId, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
    expect(h.mp.requests.length).toBe(before);
  });
});

describe('Checkout Pro', () => {
  it('creates a preference with external_reference = paymentId, learns the payment id from the notification, and refunds on cancel', async () => {
    const { reservationId, slotId } = await held(2);
    const res = await h.startPayment(reservationId, 'mercadopago');
    expect(res.status).toBe(201);
    expect(res.body.checkoutUrl).toMatch(/pref_id=/);
    expect(res.body.providerPaymentId).toBeUndefined();
    const pref = [...h.mp.preferences.values()].find((p) => p.external_reference === res.body.paymentId)!;
    expect(pref.items[0]).toMatchObject({ unit_price: 45.5, currency_id: 'BRL' });
    // Without FRONTEND_URL there is nowhere to send the customer back to.
    expect(pref.back_urls).toBeUndefined();
    expect(pref.auto_return).toBeUndefined();

    const paid = h.mp.payPreference(res.body.checkoutUrl, 'approved');
    expect((await h.deliverMp(paid.id)).body.outcome).toBe('applied');
    let view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
    expect(view.payments[0]).toMatchObject({ status: 'succeeded', providerPaymentId: String(paid.id), checkoutUrl: res.body.checkoutUrl });

    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    expect(await h.slot(slotId)).toMatchObject({ held: 0, sold: 0 });
    const refunds = await eventually(
      () => h.mp.refundRequests().filter((r) => r.path === `/v1/payments/${paid.id}/refunds`),
      (l) => l.length === 1,
    );
    expect(refunds[0]!.idempotencyKey).toBe(`ledger-refund-${res.body.paymentId}`);
    expect(refunds[0]!.body).toEqual({ amount: 45.5 });
    expect((await h.deliverMp(paid.id)).body.outcome).toBe('applied');
    view = await h.reservation(reservationId);
    expect(view.status).toBe('refunded');
    expect(view.payments[0].status).toBe('refunded');
  });

  it('reconciles a payment whose notification was lost by searching its external_reference', async () => {
    const { reservationId } = await held(1);
    const res = await h.startPayment(reservationId, 'mercadopago');
    h.mp.payPreference(res.body.checkoutUrl, 'approved');
    h.ledger.clock.advance(700);
    const report = await h.payments.reconcile({ olderThanSeconds: 600 });
    expect(report.failed).toBe(0);
    const view = await h.reservation(reservationId);
    expect(view.status).toBe('paid');
  });

  it('answers 5xx when the Mercado Pago API cannot be read, so the notification is retried', async () => {
    const { reservationId } = await held(1);
    const res = await h.startPayment(reservationId, 'pix');
    const mpId = Number(res.body.providerPaymentId);
    h.mp.setStatus(mpId, 'approved');
    h.mp.failNext(Infinity);
    const failed = await h.deliverMp(mpId);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 'unavailable' });
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    h.mp.failNext(0);
    expect((await h.deliverMp(mpId)).body.outcome).toBe('applied');
  });

  it('answers 502 provider_error when Mercado Pago does not know the notified payment, so the notification is retried', async () => {
    const refused = await h.deliverMp(987_654_321);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 'provider_error' });
  });
});

it('leaves a ledger that verifies', async () => {
  const report = await verifyLedger(h.ledger.db.systemPool);
  expect(report.projectionMismatches).toEqual([]);
  expect(report.ok).toBe(true);
  expect(h.errors).toEqual([]);
});
