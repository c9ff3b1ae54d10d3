import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { ALL_WEBHOOK_TYPES, deliverAll, expectedFromLog, receivedByReservation, retriesDue } from './webhookTestSteps.js';

describe('outgoing webhooks (Standard Webhooks) to a receiver on 127.0.0.1', () => {
  let h: PaymentsHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await startPaymentsHarness({ jobWorker: false });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.stop();
    await h.close();
  });

  it('delivers each event once, signed, in order per reservation, after the receiver was down; every attempt is recorded', async () => {
    const created = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      headers: { 'idempotency-key': randomUUID() },
      token: h.admin,
      body: { url: receiver.url, events: ALL_WEBHOOK_TYPES },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiver.url,
      events: ALL_WEBHOOK_TYPES,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
    });
    const endpointId = created.body.id as string;
    receiver.useSecret(created.body.secret as string);
    const listed = await h.ledger.call('GET', '/v1/admin/webhook-endpoints', { token: h.admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ id: endpointId, url: receiver.url, events: ALL_WEBHOOK_TYPES, createdAt: expect.any(String) }]);

    await receiver.stop();
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 2);
    expect(held.status).toBe(201);
    const reservationId = held.body.reservationId as string;
    const payment = await h.startPayment(reservationId, 'stripe');
    expect(payment.status).toBe(201);
    expect((await h.deliverStripe(h.stripe.transition(payment.body.providerPaymentId as string, 'succeeded'))).status).toBe(200);

    await deliverAll(h);
    expect(receiver.received).toEqual([]);
    const whileDown = await h.ledger.call('GET', `/v1/admin/webhook-endpoints/${endpointId}/deliveries`, { token: h.admin });
    expect(whileDown.status).toBe(200);
    // One lane (this reservation): its first delivery was tried and failed, the later ones wait behind it.
    const tried = (whileDown.body.items as { attempts: unknown[]; status: string }[]).filter((d) => d.attempts.length > 0);
    expect(tried).toEqual([
      expect.objectContaining({
        type: 'reservation.held',
        status: 'pending',
        attempts: [{ attemptedAt: expect.any(String), error: expect.any(String) }],
      }),
    ]);
    expect(whileDown.body.items).toHaveLength(3);

    await receiver.start();
    await retriesDue(h);
    await deliverAll(h);
    expect(receiver.rejected).toEqual([]);
    const expected = await expectedFromLog(h, [reservationId]);
    expect(expected.get(reservationId)).toEqual(['reservation.held', 'reservation.paid', 'payment.succeeded']);
    expect(receivedByReservation(receiver.received)).toEqual(expected);
    expect(receiver.received.map((r) => r.data.status)).toEqual(['held', 'paid', 'succeeded']);
    expect(receiver.received[0]).toMatchObject({
      type: 'reservation.held',
      data: { reservationId, slotId, seats: 2, total: { amount: 9000, currency: 'EUR' } },
    });

    const after = await h.ledger.call('GET', `/v1/admin/webhook-endpoints/${endpointId}/deliveries`, { token: h.admin });
    const heldDelivery = (after.body.items as { type: string; status: string; deliveryId: string; attempts: unknown[] }[]).find(
      (d) => d.type === 'reservation.held',
    );
    expect(after.body.items.map((d: { status: string }) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(heldDelivery?.attempts).toEqual([
      { attemptedAt: expect.any(String), error: expect.any(String) },
      { attemptedAt: expect.any(String), responseStatus: 204 },
    ]);

    // Redelivery on demand: the same message (same webhook-id) again.
    const redelivered = await h.ledger.call(
      'POST',
      `/v1/admin/webhook-endpoints/${endpointId}/deliveries/${heldDelivery?.deliveryId}/redeliver`,
      { token: h.admin },
    );
    expect(redelivered.status).toBe(202);
    await deliverAll(h);
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[3]?.id).toBe(receiver.received[0]?.id);
    expect(receiver.received[3]?.type).toBe('reservation.held');

    // A removed endpoint is sent nothing more.
    expect((await h.ledger.call('DELETE', `/v1/admin/webhook-endpoints/${endpointId}`, { token: h.admin })).status).toBe(204);
    expect((await h.hold(slotId, 1)).status).toBe(201);
    await deliverAll(h);
    expect(receiver.received).toHaveLength(4);
    expect((await h.ledger.call('GET', '/v1/admin/webhook-endpoints', { token: h.admin })).body.items).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('creates one endpoint per Idempotency-Key, and a replay does not show the secret again', async () => {
    const key = randomUUID();
    const body = { url: receiver.url, events: ['reservation.held'] };
    const first = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', { token: h.admin, headers: { 'idempotency-key': key }, body });
    expect(first.status).toBe(201);
    expect(first.body.secret).toEqual(expect.stringMatching(/^whsec_/));
    const replay = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      token: h.admin,
      headers: { 'idempotency-key': key },
      body,
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ id: first.body.id, url: receiver.url, events: ['reservation.held'], createdAt: first.body.createdAt });
    const listed = await h.ledger.call('GET', '/v1/admin/webhook-endpoints', { token: h.admin });
    expect(listed.body.items.map((endpoint: { id: string }) => endpoint.id)).toEqual([first.body.id]);
    const otherBody = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      token: h.admin,
      headers: { 'idempotency-key': key },
      body: { ...body, events: ['reservation.paid'] },
    });
    expect(otherBody.status).toBe(422);
    const keyless = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', { token: h.admin, body });
    expect(keyless.status).toBe(400);
    expect(keyless.body.code).toBe('idempotency_key_required');
    expect((await h.ledger.call('DELETE', `/v1/admin/webhook-endpoints/${first.body.id}`, { token: h.admin })).status).toBe(204);
  });

  it('lets only tenant admins manage endpoints', async () => {
    for (const token of [h.staff, h.customer, h.auditor]) {
      expect((await h.ledger.call('GET', '/v1/admin/webhook-endpoints', { token })).status).toBe(403);
      const created = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
        headers: { 'idempotency-key': randomUUID() },
        token,
        body: { url: receiver.url, events: ['reservation.held'] },
      });
      expect(created.status).toBe(403);
    }
    const unknown = await h.ledger.call('GET', '/v1/admin/webhook-endpoints/3f0e9a8e-5b0e-4a44-9d6c-0d5f2b8b6b11/deliveries', {
      token: h.admin,
    });
    expect(unknown.status).toBe(404);
    const badType = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      headers: { 'idempotency-key': randomUUID() },
      token: h.admin,
      body: { url: receiver.url, events: ['reservation.eaten'] },
    });
    expect(badType.status).toBe(400);
  });
});
