import { expect } from 'vitest';
import { runDueJobs } from '../../src/jobs/jobWorker.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import type { PaymentsHarness } from '../payments/harness.js';
import type { ReceivedWebhook } from '../support/webhookReceiver.js';

export const ALL_WEBHOOK_TYPES = [
  'reservation.held',
  'reservation.paid',
  'reservation.cancelled',
  'reservation.expired',
  'reservation.refunded',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'anomaly.opened',
];

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What the server does after commits, at a known moment: the consumer fans the whole log out (it
 * reads only behind running transactions, so `drain` asks until it has no lag), then the due lane
 * jobs run on graphile-worker.
 */
export async function deliverAll(h: PaymentsHarness): Promise<void> {
  await drain(h.ledger.deps.systemPool, outgoingWebhooksConsumer);
  const { deliverWebhooks } = h.payments.jobs;
  if (!deliverWebhooks) throw new Error('the composed ledger delivers no webhooks');
  await runDueJobs({
    connectionString: h.ledger.db.logins.system,
    handlers: { deliverWebhooks },
    log: { ...silent, error: (message, error) => h.errors.push({ message, error }) },
  });
}

/** The backoff's wait has passed: every lane queued for later is due now (time moved, not waited for). */
export async function retriesDue(h: PaymentsHarness): Promise<void> {
  await h.ledger.db.asOwner(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE run_at > now() AND locked_at IS NULL`);
}

/**
 * The oracle, read from the log as the owner and mapped here independently of the ledger's code:
 * per reservation, the webhook types its events (and its payments' events) call for, in log order.
 */
export async function expectedFromLog(h: PaymentsHarness, reservationIds: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await h.ledger.db.asOwner<{ reservation_id: string; type: string }>(
    `SELECT coalesce(p.reservation_id::text, substr(e.stream_id, length('reservation-') + 1)) AS reservation_id, e.type
     FROM events e LEFT JOIN payments_view p ON p.tenant_id = e.tenant_id AND e.stream_id = 'payment-' || p.payment_id::text
     WHERE e.type = ANY ($1) ORDER BY e.global_position`,
    [Object.keys(LOG_TO_WEBHOOK)],
  );
  const expected = new Map<string, string[]>();
  for (const row of rows) {
    if (!reservationIds.includes(row.reservation_id)) continue;
    const type = LOG_TO_WEBHOOK[row.type];
    expect(type).toBeDefined();
    expected.set(row.reservation_id, [...(expected.get(row.reservation_id) ?? []), type ?? row.type]);
  }
  return expected;
}

const LOG_TO_WEBHOOK: Readonly<Record<string, string>> = {
  ReservationHeld: 'reservation.held',
  ReservationPaid: 'reservation.paid',
  ReservationCancelled: 'reservation.cancelled',
  ReservationExpired: 'reservation.expired',
  ReservationRefunded: 'reservation.refunded',
  PaymentSucceeded: 'payment.succeeded',
  PaymentFailed: 'payment.failed',
  PaymentRefunded: 'payment.refunded',
  PaymentAnomalyRecorded: 'anomaly.opened',
};

/** What the receiver got, per reservation, in arrival order. */
export function receivedByReservation(received: readonly ReceivedWebhook[]): Map<string, string[]> {
  const byReservation = new Map<string, string[]>();
  for (const webhook of received) {
    const reservationId = String(webhook.data.reservationId);
    byReservation.set(reservationId, [...(byReservation.get(reservationId) ?? []), webhook.type]);
  }
  return byReservation;
}
