import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { ALL_WEBHOOK_TYPES, deliverAll, expectedFromLog, receivedByReservation, retriesDue } from './webhookTestSteps.js';

type Step =
  | { readonly kind: 'hold' }
  | { readonly kind: 'pay' | 'cancel'; readonly which: number }
  | { readonly kind: 'receiverDown' | 'receiverUp' | 'deliver' | 'retriesDue' }
  | { readonly kind: 'receiverRefuses'; readonly count: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'hold' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('pay' as const, 'cancel' as const), which: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.constantFrom({ kind: 'receiverDown' as const }, { kind: 'receiverUp' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('receiverRefuses' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.constantFrom({ kind: 'deliver' as const }, { kind: 'retriesDue' as const }) },
);

/** What each webhook's `data.status` must say. */
const STATUS_OF: Readonly<Record<string, string>> = {
  'reservation.held': 'held',
  'reservation.paid': 'paid',
  'reservation.cancelled': 'cancelled',
  'payment.succeeded': 'succeeded',
};

describe('outgoing webhooks under a random workload with receiver outages', () => {
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

  it('gets every event of every reservation exactly once, in log order per reservation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        // Signatures carry the ledger's clock; the receiver checks them against the real one.
        h.ledger.clock.set(new Date());
        receiver.received.length = 0;
        receiver.rejected.length = 0;
        receiver.refuseNext(0);
        await receiver.start();
        const created = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
          headers: { 'idempotency-key': randomUUID() },
          token: h.admin,
          body: { url: receiver.url, events: ALL_WEBHOOK_TYPES },
        });
        expect(created.status).toBe(201);
        receiver.useSecret(created.body.secret as string);
        try {
          await runWorkload(created.body.id as string, steps);
        } finally {
          // A failed run's endpoint must not send its leftovers into the next (shrinking) run.
          const removed = await h.ledger.call('DELETE', `/v1/admin/webhook-endpoints/${created.body.id}`, { token: h.admin });
          expect(removed.status).toBe(204);
        }
      }),
      {
        numRuns: 20,
        // A receiver failing in the middle of a lane: the later deliveries must wait for the refused one.
        examples: [[[{ kind: 'hold' }, { kind: 'pay', which: 0 }, { kind: 'receiverRefuses', count: 1 }, { kind: 'deliver' }]]],
      },
    );
  });

  async function runWorkload(endpointId: string, steps: readonly Step[]) {
    const slotId = await h.createSlot(100);
    const reservations: string[] = [];

    for (const next of steps) {
      if (next.kind === 'hold') {
        const held = await h.hold(slotId, 1);
        expect(held.status).toBe(201);
        reservations.push(held.body.reservationId as string);
      } else if (next.kind === 'pay' || next.kind === 'cancel') {
        const reservationId = reservations[next.which % Math.max(1, reservations.length)];
        if (reservationId === undefined) continue;
        if (next.kind === 'cancel') {
          const cancelled = await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer });
          expect([200, 409]).toContain(cancelled.status);
        } else {
          const started = await h.startPayment(reservationId, 'stripe');
          expect([200, 201, 409]).toContain(started.status);
          if (started.status !== 409) {
            const paid = await h.deliverStripe(h.stripe.transition(started.body.providerPaymentId as string, 'succeeded'));
            expect(paid.status).toBeLessThan(500);
          }
        }
      } else if (next.kind === 'receiverDown') await receiver.stop();
      else if (next.kind === 'receiverUp') await receiver.start();
      else if (next.kind === 'receiverRefuses') receiver.refuseNext(next.count);
      else if (next.kind === 'deliver') await deliverAll(h);
      else await retriesDue(h);
    }

    // The outage ends; the retries come due until nothing is pending.
    await receiver.start();
    for (let round = 0; round < 10; round += 1) {
      await deliverAll(h);
      const { rows } = await h.ledger.db.asOwner<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE endpoint_id = $1 AND status <> 'delivered'`,
        [endpointId],
      );
      if (rows[0]?.pending === 0) break;
      await retriesDue(h);
    }

    expect(receiver.rejected).toEqual([]);
    expect(h.errors).toEqual([]);
    const expected = await expectedFromLog(h, reservations);
    expect(receivedByReservation(receiver.received)).toEqual(expected);
    for (const webhook of receiver.received) expect(webhook.data.status).toBe(STATUS_OF[webhook.type]);
    expect(new Set(receiver.received.map((webhook) => webhook.id)).size).toBe(receiver.received.length);
  }
});
