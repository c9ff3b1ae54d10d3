import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../src/jobs/jobWorker.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { ALL_WEBHOOK_TYPES, deliverAll, retriesDue } from './webhookTestSteps.js';

/**
 * A lane's runner holds the lane by a lease (ADR 0055), not by a transaction: while a receiver is
 * slow to answer, no system session sits in an open transaction, a second runner leaves the lane
 * to its holder without losing what was queued meanwhile, and a dead holder's lease runs out.
 */
describe('webhook lanes held by a lease while the receiver is called', () => {
  let h: PaymentsHarness;
  let receiver: WebhookReceiver;
  let endpointId: string;

  beforeAll(async () => {
    h = await startPaymentsHarness({ jobWorker: false });
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    // The next test's reservations must not be sent to this test's endpoint.
    expect((await h.ledger.call('DELETE', `/v1/admin/webhook-endpoints/${endpointId}`, { token: h.admin })).status).toBe(204);
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await receiver.stop();
    await h.close();
  });

  async function endpointAndHold(): Promise<{ reservationId: string }> {
    const created = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      headers: { 'idempotency-key': randomUUID() },
      token: h.admin,
      body: { url: receiver.url, events: ALL_WEBHOOK_TYPES },
    });
    expect(created.status).toBe(201);
    endpointId = created.body.id as string;
    receiver.useSecret(created.body.secret as string);
    const held = await h.hold(await h.createSlot(10), 2);
    expect(held.status).toBe(201);
    return { reservationId: held.body.reservationId as string };
  }

  /**
   * This ledger's system sessions that are in a transaction and waiting for their client, with their last
   * statement. The logins are the cluster's, shared by test files running at the same time: only this
   * test's database counts.
   */
  async function systemSessionsIdleInTransaction() {
    const { rows } = await h.ledger.db.asOwner<{ query: string }>(
      `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 AND state LIKE 'idle in transaction%'`,
      [decodeURIComponent(new URL(h.ledger.db.logins.system).username)],
    );
    return rows;
  }

  /** The lane's jobs waiting in the queue, as the owner sees graphile-worker's table. */
  async function laneJobs(reservationId: string) {
    const { rows } = await h.ledger.db.asOwner<{ later: boolean }>(
      `SELECT run_at > now() AS later FROM graphile_worker._private_jobs WHERE key = $1 AND locked_at IS NULL`,
      [`webhooks:${endpointId}:${reservationId}`],
    );
    return rows;
  }

  const deliverWebhooksOnce = () =>
    runDueJobs({
      connectionString: h.ledger.db.logins.system,
      handlers: { deliverWebhooks: h.payments.jobs.deliverWebhooks! },
      log: { info: () => undefined, warn: () => undefined, error: (message, error) => h.errors.push({ message, error }) },
    });

  it('keeps no system session in a transaction while the receiver holds the request open', async () => {
    await endpointAndHold();
    const slowReceiver = receiver.holdAnswers();
    const delivering = deliverAll(h);
    try {
      await slowReceiver.arrived();
      expect(await systemSessionsIdleInTransaction()).toEqual([]);
    } finally {
      slowReceiver.release();
      await delivering;
    }
    expect(receiver.received.map((webhook) => webhook.type)).toEqual(['reservation.held']);
    expect(h.errors).toEqual([]);
  });

  it('leaves a taken lane to its holder, which sends what was queued meanwhile, in log order', async () => {
    const { reservationId } = await endpointAndHold();
    const slowReceiver = receiver.holdAnswers();
    const delivering = deliverAll(h);
    try {
      await slowReceiver.arrived();
      const payment = await h.startPayment(reservationId, 'stripe');
      expect(payment.status).toBe(201);
      expect((await h.deliverStripe(h.stripe.transition(payment.body.providerPaymentId as string, 'succeeded'))).status).toBe(200);
      await drain(h.ledger.deps.systemPool, outgoingWebhooksConsumer);
      // A second runner of the lane: it finds the lane taken, ends, and queues the lane for when the lease ends.
      await deliverWebhooksOnce();
      expect(await laneJobs(reservationId)).toEqual([{ later: true }]);
      expect(receiver.received).toEqual([]);
    } finally {
      slowReceiver.release();
      await delivering;
    }
    expect(receiver.received.map((webhook) => webhook.type)).toEqual(['reservation.held', 'reservation.paid', 'payment.succeeded']);
    expect(h.errors).toEqual([]);
  });

  it('lets a runner whose lease ran out and went to another record its attempt only, never the delivery or the lane', async () => {
    const { reservationId } = await endpointAndHold();
    const key = `webhooks:${endpointId}:${reservationId}`;
    const slowReceiver = receiver.holdAnswers();
    const delivering = deliverAll(h);
    let takenBy: string;
    try {
      await slowReceiver.arrived();
      // The runner is paused past its lease: another took the lane and delivered the event meanwhile.
      takenBy = randomUUID();
      await h.ledger.db.asOwner(`UPDATE call_leases SET holder = $2, leased_until = now() + interval '1 hour' WHERE lease_key = $1`, [
        key,
        takenBy,
      ]);
      await h.ledger.db.asOwner(`UPDATE webhook_deliveries SET status = 'delivered' WHERE endpoint_id = $1 AND reservation_id = $2`, [
        endpointId,
        reservationId,
      ]);
      // The late runner's own request then fails.
      receiver.refuseNext(1);
    } finally {
      slowReceiver.release();
      await delivering;
    }
    const { rows: deliveries } = await h.ledger.db.asOwner<{ status: string; attempts: number }>(
      `SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1 AND reservation_id = $2`,
      [endpointId, reservationId],
    );
    expect(deliveries).toEqual([{ status: 'delivered', attempts: 0 }]);
    const { rows: attempts } = await h.ledger.db.asOwner<{ response_status: number }>(
      `SELECT a.response_status FROM webhook_attempts a JOIN webhook_deliveries d USING (delivery_id)
       WHERE d.endpoint_id = $1 AND d.reservation_id = $2`,
      [endpointId, reservationId],
    );
    expect(attempts).toEqual([{ response_status: 503 }]);
    expect(await laneJobs(reservationId)).toEqual([]);
    const { rows: lease } = await h.ledger.db.asOwner<{ holder: string }>(`SELECT holder::text FROM call_leases WHERE lease_key = $1`, [
      key,
    ]);
    expect(lease).toEqual([{ holder: takenBy }]);
    expect(h.errors).toEqual([]);
  });

  it('takes a lane whose holder died once its lease has run out, and not before', async () => {
    const { reservationId } = await endpointAndHold();
    const key = `webhooks:${endpointId}:${reservationId}`;
    await h.ledger.db.asOwner(`INSERT INTO call_leases (lease_key, holder, leased_until) VALUES ($1, $2, now() + interval '1 hour')`, [
      key,
      randomUUID(),
    ]);
    await deliverAll(h);
    expect(receiver.received).toEqual([]);
    expect(await laneJobs(reservationId)).toEqual([{ later: true }]);

    await h.ledger.db.asOwner(`UPDATE call_leases SET leased_until = now() - interval '1 second' WHERE lease_key = $1`, [key]);
    await retriesDue(h);
    await deliverAll(h);
    expect(receiver.received.map((webhook) => webhook.type)).toEqual(['reservation.held']);
    const { rows } = await h.ledger.db.asOwner(`SELECT FROM call_leases WHERE lease_key = $1`, [key]);
    expect(rows).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
