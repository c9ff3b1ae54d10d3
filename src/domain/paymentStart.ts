import type { PaymentStatus, Provider } from './paymentTypes.js';

// API.md, Payments: a reservation has at most one open (pending or processing) payment per
// provider; asking again for that provider, with any key, returns the open one.

/** One of a reservation's payments, as a new start for it sees them. */
export type ReservationPayment = { readonly paymentId: string; readonly provider: Provider; readonly status: PaymentStatus };

/**
 * What a payment start does: `join` the provider's open payment, or `create` the provider's
 * `attempt`-th payment of this reservation (counted from 0). The attempt number, not the caller's
 * key, names the new payment, so two starts that see the same payments create the same one.
 */
export type PaymentStartPlan =
  { readonly kind: 'join'; readonly paymentId: string; readonly attempt: number } | { readonly kind: 'create'; readonly attempt: number };

/** Waiting for the customer or the provider: it may still succeed, so a second one could charge twice. */
export function isOpenPayment(status: PaymentStatus): boolean {
  return status === 'pending' || status === 'processing';
}

/**
 * Plans a start with `provider` given the reservation's payments in the order they were started.
 * A held reservation's other payments have ended (failed, cancelled), so the next attempt is
 * their count: it changes only when a new payment is recorded, which then is the open one.
 */
export function planPaymentStart(payments: readonly ReservationPayment[], provider: Provider): PaymentStartPlan {
  const withProvider = payments.filter((payment) => payment.provider === provider);
  const attempt = withProvider.findIndex((payment) => isOpenPayment(payment.status));
  const open = withProvider[attempt];
  return open ? { kind: 'join', paymentId: open.paymentId, attempt } : { kind: 'create', attempt: withProvider.length };
}
