import type { PaymentState } from '../domain/payment.js';
import type { ReservationState } from '../domain/reservation.js';

/** The event types an endpoint may subscribe to (API.md, outgoing webhooks). */
export const WEBHOOK_EVENT_TYPES = [
  'reservation.held',
  'reservation.paid',
  'reservation.cancelled',
  'reservation.expired',
  'reservation.refunded',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'anomaly.opened',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Which log events an operator hears of, and as what; the others (a hold extended, a payment started) stay inside. */
const OF_RESERVATION_EVENT: Readonly<Record<string, WebhookEventType>> = {
  ReservationHeld: 'reservation.held',
  ReservationPaid: 'reservation.paid',
  ReservationCancelled: 'reservation.cancelled',
  ReservationExpired: 'reservation.expired',
  ReservationRefunded: 'reservation.refunded',
};
const OF_PAYMENT_EVENT: Readonly<Record<string, WebhookEventType>> = {
  PaymentSucceeded: 'payment.succeeded',
  PaymentFailed: 'payment.failed',
  PaymentRefunded: 'payment.refunded',
  PaymentAnomalyRecorded: 'anomaly.opened',
};

export type WebhookSource = { readonly aggregate: 'reservation' | 'payment'; readonly type: WebhookEventType };

/** The webhook a log event is told as, or null when operators are not told of it. */
export function webhookSourceOf(aggregate: string, eventType: string): WebhookSource | null {
  if (aggregate === 'reservation') {
    const type = OF_RESERVATION_EVENT[eventType];
    return type ? { aggregate, type } : null;
  }
  if (aggregate === 'payment') {
    const type = OF_PAYMENT_EVENT[eventType];
    return type ? { aggregate, type } : null;
  }
  return null;
}

/** The reservation as the webhook's `data` shows it: the API's fields that its own stream knows. */
export function reservationData(state: Exclude<ReservationState, { status: 'none' }>, version: number) {
  return {
    reservationId: state.reservationId,
    status: state.status,
    slotId: state.slotId,
    seats: state.seats,
    total: state.total,
    expiresAt: state.expiresAt,
    version,
  };
}

/** The payment as the webhook's `data` shows it (the API's fields, without the customer's checkout secrets). */
export function paymentData(state: Exclude<PaymentState, { status: 'none' }>) {
  return {
    paymentId: state.paymentId,
    reservationId: state.reservationId,
    provider: state.provider,
    status: state.status,
    amount: state.amount,
    ...(state.providerPaymentId === undefined ? {} : { providerPaymentId: state.providerPaymentId }),
  };
}
