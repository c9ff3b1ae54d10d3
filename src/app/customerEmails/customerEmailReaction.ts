import type { CustomerEmailKind } from '../../domain/customerEmail.js';
import type { ReservationEvent } from '../../domain/reservation.js';
import { type FollowUpJob, sendCustomerEmailJob } from '../../jobs/followUpJobs.js';
import type { ChangeReaction } from '../command/reactions.js';

/** The e-mail a reservation event calls for; a hold's own e-mail waits for its first payment (below). */
function kindOf(event: ReservationEvent): CustomerEmailKind | null {
  switch (event.type) {
    case 'ReservationPaid':
      return 'paid';
    case 'ReservationCancelled':
      return 'cancelled';
    case 'ReservationRefunded':
      return 'refunded';
    case 'ReservationExpired':
      return 'expired';
    case 'ReservationHeld':
    case 'HoldExtendedForPayment':
      return null;
    case 'CustomerDataErased':
      // Nothing is sent about an erasure: there is no address left to send it to.
      return null;
  }
}

/**
 * The customer's e-mails follow their reservation's changes. The hold e-mail tells how to pay (the
 * Checkout link or the Pix code), which exists only once a payment has started: so it follows the
 * first payment's start, not the hold itself (ADR 0043). Later payments' starts name the same job
 * key; the e-mail's record sends it once.
 */
export const customerEmailReaction: ChangeReaction = (change) => {
  const jobs: FollowUpJob[] = [];
  if (change.aggregate === 'reservation') {
    for (const event of change.events) {
      const kind = kindOf(event);
      if (kind !== null) jobs.push(sendCustomerEmailJob(change.tenantId, change.id, kind));
    }
  } else if (change.aggregate === 'payment') {
    for (const event of change.events) {
      if (event.type === 'PaymentStarted') {
        jobs.push(sendCustomerEmailJob(change.tenantId, event.data.reservationId, 'hold', event.data.paymentId));
      }
    }
  }
  return jobs;
};
