import { isDomainError } from '../domain/errors.js';
import { decidePayment } from '../domain/payment.js';
import { decideReservation } from '../domain/reservation.js';
import { sendRefundJob } from '../jobs/followUpJobs.js';
import type { Change, Command } from './command/command.js';
import { reservationChange } from './command/reservationChange.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { decidedResult } from './command/commandEnd.js';
import { forbidden, notFound, type Outcome } from './outcome.js';
import { mayCancelReservation, mayReadReservation } from './policy.js';
import type { FollowUpJob } from '../jobs/followUpJobs.js';

/**
 * Cancels a reservation and releases its seats at once. A paid one also asks for its payment's
 * refund, in the same transaction: the payment records PaymentRefundRequested and the refund is a
 * job sent to the provider after the commit (never under the slot lock). The reservation becomes
 * `refunded` when the provider's refund webhook arrives.
 */
export function cancelReservationCommand(caller: Caller, reservationId: string): Command<{ readonly reservationId: string }> {
  const { principal } = caller;
  return {
    name: 'cancelReservation',
    tenantId: principal.tenantId,
    metadata: metadataFor(caller),
    lock: { ofReservation: reservationId },
    streams: [{ aggregate: 'reservation', id: reservationId }],
    thenStreams: (loaded) => {
      const reservation = loaded.reservation(reservationId);
      return reservation.status === 'paid' ? [{ aggregate: 'payment', id: reservation.paymentId }] : [];
    },
    decide: (loaded) => {
      const before = loaded.reservation(reservationId);
      if (before.status === 'none' || !mayReadReservation(principal, before.ownerSub)) return notFound(`reservation ${reservationId}`);
      if (!mayCancelReservation(principal, before.ownerSub)) {
        return forbidden('only the customer who booked it or an admin may cancel a reservation');
      }
      if (!loaded.slot) throw new Error(`reservation ${reservationId} points at missing slot ${before.slotId}`);
      const events = decideReservation({ type: 'CancelReservation', now: loaded.now, by: principal.sub }, before);
      if (isDomainError(events)) return events;
      const changes = reservationChange(reservationId, before, events, loaded.slot);
      if (isDomainError(changes)) return changes;
      const refund: Change[] = [];
      const jobs: FollowUpJob[] = [];
      if (before.status === 'paid') {
        const paymentEvents = decidePayment(
          { type: 'RequestRefund', now: loaded.now, by: principal.sub },
          loaded.payment(before.paymentId),
        );
        if (isDomainError(paymentEvents)) return paymentEvents;
        refund.push({ aggregate: 'payment', id: before.paymentId, events: paymentEvents });
        if (paymentEvents.some((event) => event.type === 'PaymentRefundRequested'))
          jobs.push(sendRefundJob(principal.tenantId, before.paymentId));
      }
      return { changes: [...changes, ...refund], jobs, result: { reservationId } };
    },
  };
}

export async function cancelReservation(
  deps: AppDeps,
  caller: Caller,
  reservationId: string,
): Promise<Outcome<{ readonly reservationId: string }>> {
  return decidedResult(await runCommand(deps, cancelReservationCommand(caller, reservationId)));
}
