import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../src/consumers/consumer.js';
import { runConsumer } from '../../src/consumers/runConsumer.js';
import { RETRY_AFTER_UNAVAILABLE_SECONDS } from '../../src/http/problem.js';
import { startKillableCluster, type KillableCluster } from '../support/killableCluster.js';
import { startTestLedger, type TestLedger, type TestResponse } from '../support/ledgerServer.js';
import { signStripePayload, STRIPE_TEST_WEBHOOK_SECRET } from '../support/providers/fakeStripe.js';

/**
 * Issue 12: a database that cannot be reached is `503 unavailable` with Retry-After (never 500),
 * for holds, reads and webhooks alike; a frozen one within the client's bounds; and the consumers
 * listen for commits again once it is back. The faults are real: this file's own PostgreSQL is
 * killed (SIGKILL of the postmaster) and frozen (SIGSTOP of it and its backends).
 */
let cluster: KillableCluster;
let ledger: TestLedger;
let admin: string;
let customer: string;

beforeAll(async () => {
  cluster = await startKillableCluster();
  ledger = await startTestLedger({
    cluster,
    providers: { stripe: { webhookSecret: STRIPE_TEST_WEBHOOK_SECRET }, mercadopago: {} },
    rateLimits: { booking: false, webhooks: false },
  });
  admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  customer = ledger.token({ sub: 'customer-1', email: 'ana@example.com' });
});
// A test that failed halfway leaves the next one a running database.
afterEach(async () => {
  await cluster.recover();
});
afterAll(async () => {
  await ledger.close();
  await cluster.stop();
});

async function createSlot(capacity: number): Promise<string> {
  const slotId = `slot-${randomUUID().slice(0, 8)}`;
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity, unitPrice: { amount: 4500, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

function hold(slotId: string, seats: number, key: string = randomUUID()) {
  return ledger.call('POST', '/v1/reservations', {
    token: customer,
    headers: { 'idempotency-key': key },
    body: { slotId, seats, customer: { name: 'Ana', email: 'ana@example.com' } },
  });
}

/** A signed Stripe event for a payment the ledger does not know: it is looked up, then kept as unmatched. */
function deliverUnknownStripeEvent() {
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replaceAll('-', '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(ledger.clock.now().getTime() / 1000),
    livemode: false,
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: `pi_${randomUUID().replaceAll('-', '')}`,
        object: 'payment_intent',
        amount: 100,
        amount_received: 100,
        currency: 'eur',
        status: 'succeeded',
        metadata: { payment_id: randomUUID(), tenant_id: 'tenant-test' },
      },
    },
  });
  return ledger.call('POST', '/webhooks/stripe', {
    body: payload,
    headers: { 'stripe-signature': signStripePayload(payload, ledger.clock.now()), 'content-type': 'application/json' },
  });
}

function expectUnavailable(res: TestResponse) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_UNAVAILABLE_SECONDS));
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 503, code: 'unavailable' });
}

describe('a database that cannot be reached', () => {
  it('answers holds, reads and signed webhooks 503 unavailable with Retry-After while the postmaster is dead, and serves them once it is back', async () => {
    const slotId = await createSlot(20);
    const first = await hold(slotId, 1);
    expect(first.status).toBe(201);
    const reservationPath = `/v1/reservations/${first.body.reservationId}`;

    await cluster.kill();
    const key = randomUUID();
    const holds = await Promise.all([hold(slotId, 2, key), ...Array.from({ length: 10 }, () => hold(slotId, 1))]);
    const read = await ledger.call('GET', reservationPath, { token: customer });
    const slotRead = await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin });
    const webhook = await deliverUnknownStripeEvent();
    for (const res of [...holds, read, slotRead, webhook]) expectUnavailable(res);

    await cluster.restart();
    const retried = await hold(slotId, 2, key);
    expect(retried.status).toBe(201);
    const replayed = await hold(slotId, 2, key);
    expect(replayed.status).toBe(201);
    expect(replayed.body.reservationId).toBe(retried.body.reservationId);
    expect((await ledger.call('GET', reservationPath, { token: customer })).status).toBe(200);
    // Exactly one reservation from the retried key: the first hold's seat and its two.
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body).toMatchObject({ held: 3 });
    const delivered = await deliverUnknownStripeEvent();
    expect(delivered.status).toBe(200);
    expect(delivered.body.outcome).toBe('unmatched');
  });

  it('answers a hold 503 within the client-side bounds while the server is frozen', async () => {
    const slotId = await createSlot(5);
    expect((await hold(slotId, 1)).status).toBe(201);
    await cluster.freeze();
    let frozenHold: TestResponse;
    let health: TestResponse;
    try {
      [frozenHold, health] = await Promise.all([hold(slotId, 1), ledger.call('GET', '/health')]);
    } finally {
      await cluster.thaw();
    }
    expectUnavailable(frozenHold);
    expect(health.status).toBe(503);
    expect((await hold(slotId, 1)).status).toBe(201);
  });

  it('wakes the consumers by LISTEN again after the database restarted', async () => {
    const seen: string[] = [];
    const restored: number[] = [];
    const consumerErrors: unknown[] = [];
    const consumer: Consumer = {
      name: `outage-${randomUUID()}`,
      async handle(_tx, events) {
        for (const event of events) seen.push(event.streamId);
      },
    };
    // Polling so rarely that within this test only a notice on a working LISTEN connection wakes it.
    const running = await runConsumer(ledger.db.systemPool, consumer, {
      databaseUrl: ledger.db.logins.system,
      pollIntervalMs: 10 * 60_000,
      onError: (error) => consumerErrors.push(error),
      onListenerRestored: (_name, attempt) => restored.push(attempt),
    });
    const slotId = await createSlot(10);
    const seenReservation = async (reservationId: string) =>
      vi.waitFor(() => expect(seen.some((stream) => stream.includes(reservationId))).toBe(true), { timeout: 15_000, interval: 50 });
    try {
      await seenReservation((await hold(slotId, 1)).body.reservationId);

      await cluster.kill();
      await cluster.restart();

      const afterRestart = await hold(slotId, 1);
      expect(afterRestart.status).toBe(201);
      await seenReservation(afterRestart.body.reservationId);
      // Once it has read that, the consumer sleeps its whole poll interval unless a notice wakes it.
      const next = await hold(slotId, 1);
      expect(next.status).toBe(201);
      await seenReservation(next.body.reservationId);
    } finally {
      await running.stop();
    }
    // The lost connection was reported, not swallowed, and listening again was said once.
    expect(consumerErrors.length).toBeGreaterThan(0);
    expect(restored).toHaveLength(1);
  });
});
