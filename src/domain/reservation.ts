import { assertNever } from './assertNever.js';
import type { Decider } from './decider.js';
import { illegalTransition, invalidCommand, type DomainError } from './errors.js';
import { isNonEmptyString, isPositiveInteger } from './guards.js';
import { formatMoney, isValidMoney, multiplyMoney, sameMoney, type Money } from './money.js';
import { addSeconds, isAtOrAfter, isIsoInstant } from './time.js';
import { type CustomerLocale, isCustomerLocale } from './customerLocale.js';

// Stream `reservation-<reservationId>`: held → paid → refunded; held → expired | cancelled;
// expired → paid when a late success retook the seats; paid → cancelled (refund pending) → refunded.
// held → held (extended once for a payment): a hold whose payment the provider may still settle
// waits PAYMENT_GRACE_SECONDS past its first expiresAt (README, payment-waiting rules).

/** `locale` chooses the language of the customer's e-mails; absent (older holds too) means the default. */
export type Customer = { readonly name: string; readonly email: string; readonly locale?: CustomerLocale };

function copyCustomer(customer: Customer): Customer {
  const { name, email, locale } = customer;
  return locale === undefined ? { name, email } : { name, email, locale };
}

/** What a reservation keeps from the moment it was held, whatever happens next. */
export type ReservationFacts = {
  readonly reservationId: string;
  readonly slotId: string;
  readonly seats: number;
  readonly total: Money;
  readonly expiresAt: string;
  readonly customer: Customer;
  readonly ownerSub: string;
  readonly heldAt: string;
};

/** A cancelled paid reservation waits for the provider's refund; a cancelled hold took no money. */
type Cancellation =
  { readonly refundPending: false; readonly paymentId?: undefined } | { readonly refundPending: true; readonly paymentId: string };

export type ReservationState =
  | { readonly status: 'none' }
  | (ReservationFacts & {
      readonly status: 'held';
      /** The payment the hold was extended for; a hold is extended once, so its deadline stays put. */
      readonly extendedForPayment?: string;
    })
  | (ReservationFacts & { readonly status: 'paid'; readonly paymentId: string; readonly paidAt: string })
  | (ReservationFacts & { readonly status: 'expired'; readonly expiredAt: string })
  | (ReservationFacts & {
      readonly status: 'cancelled';
      readonly cancelledAt: string;
      readonly cancelledBy: string;
    } & Cancellation)
  | (ReservationFacts & { readonly status: 'refunded'; readonly paymentId: string; readonly refundedAt: string });

export type ReservationStatus = ReservationState['status'];

export type PlaceHold = {
  readonly type: 'PlaceHold';
  readonly reservationId: string;
  readonly slotId: string;
  readonly seats: number;
  readonly unitPrice: Money;
  readonly customer: Customer;
  readonly ownerSub: string;
  readonly now: string;
  readonly holdTtlSeconds: number;
};
/** Sent only after a verified provider success; `seatsRetaken` says the app took the seats again under the slot lock. */
export type PayReservation = {
  readonly type: 'PayReservation';
  readonly paymentId: string;
  readonly amount: Money;
  readonly now: string;
  readonly seatsRetaken: boolean;
};
/** `paymentOpen`: a payment of the hold is pending or processing at the provider, so it may still pay. */
export type ExpireHold = { readonly type: 'ExpireHold'; readonly now: string; readonly paymentOpen: boolean };
/** A payment of the hold starts: the hold waits `graceSeconds` past its expiresAt for the provider. */
export type ExtendHoldForPayment = {
  readonly type: 'ExtendHoldForPayment';
  readonly paymentId: string;
  readonly now: string;
  readonly graceSeconds: number;
};
export type CancelReservation = { readonly type: 'CancelReservation'; readonly now: string; readonly by: string };
export type ConfirmRefund = { readonly type: 'ConfirmRefund'; readonly paymentId: string; readonly now: string };

/**
 * The customer's data key was destroyed (LGPD/GDPR erasure, ADR 0048): recorded on each of their
 * reservations, without any personal data. Seats, money and status are not personal data, so the
 * reservation goes on as it was; its sealed customer fields now read as `[erased]`.
 */
export type EraseCustomerData = { readonly type: 'EraseCustomerData'; readonly now: string };

export type ReservationCommand =
  PlaceHold | PayReservation | ExpireHold | ExtendHoldForPayment | CancelReservation | ConfirmRefund | EraseCustomerData;

export type ReservationHeld = {
  readonly type: 'ReservationHeld';
  readonly data: ReservationFacts;
};
export type ReservationPaid = {
  readonly type: 'ReservationPaid';
  readonly data: { readonly paymentId: string; readonly amount: Money; readonly paidAt: string };
};
export type ReservationExpired = { readonly type: 'ReservationExpired'; readonly data: { readonly expiredAt: string } };
export type ReservationCancelled = {
  readonly type: 'ReservationCancelled';
  readonly data: { readonly cancelledAt: string; readonly by: string } & Cancellation;
};
export type ReservationRefunded = {
  readonly type: 'ReservationRefunded';
  readonly data: { readonly paymentId: string; readonly refundedAt: string };
};

export type HoldExtendedForPayment = {
  readonly type: 'HoldExtendedForPayment';
  readonly data: { readonly paymentId: string; readonly expiresAt: string; readonly extendedAt: string };
};

export type CustomerDataErased = { readonly type: 'CustomerDataErased'; readonly data: { readonly erasedAt: string } };

export type ReservationEvent =
  | ReservationHeld
  | HoldExtendedForPayment
  | ReservationPaid
  | ReservationExpired
  | ReservationCancelled
  | ReservationRefunded
  | CustomerDataErased;

type Existing = Exclude<ReservationState, { status: 'none' }>;

export const initialReservationState: ReservationState = { status: 'none' };

/** The seats this reservation occupies in its slot, so the app can release or sell exactly those. */
export function seatsNowCommitted(state: ReservationState): { held: number; sold: number } {
  switch (state.status) {
    case 'held':
      return { held: state.seats, sold: 0 };
    case 'paid':
      return { held: 0, sold: state.seats };
    case 'none':
    case 'expired':
    case 'cancelled':
    case 'refunded':
      return { held: 0, sold: 0 };
    default:
      return assertNever(state);
  }
}

function copyMoney(m: Money): Money {
  return { amount: m.amount, currency: m.currency };
}

function placeHold(cmd: PlaceHold, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isNonEmptyString(cmd.reservationId)) return invalidCommand('reservationId must be a non-empty string');
  if (!isNonEmptyString(cmd.slotId)) return invalidCommand('slotId must be a non-empty string');
  if (!isPositiveInteger(cmd.seats)) return invalidCommand('seats must be a positive integer');
  if (!isValidMoney(cmd.unitPrice)) return invalidCommand('unitPrice must be valid money');
  if (!isNonEmptyString(cmd.customer.name) || !isNonEmptyString(cmd.customer.email)) {
    return invalidCommand('customer needs a name and an email');
  }
  if (cmd.customer.locale !== undefined && !isCustomerLocale(cmd.customer.locale))
    return invalidCommand('customer.locale is not a supported language');
  if (!isNonEmptyString(cmd.ownerSub)) return invalidCommand('ownerSub must be a non-empty string');
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (!isPositiveInteger(cmd.holdTtlSeconds)) return invalidCommand('holdTtlSeconds must be a positive integer');
  const total = multiplyMoney(cmd.unitPrice, cmd.seats);
  if (!isValidMoney(total)) return invalidCommand('the total is too large to be a safe amount');
  const expiresAt = addSeconds(cmd.now, cmd.holdTtlSeconds);
  if (expiresAt === undefined) return invalidCommand('the hold would expire outside the representable time range');
  if (state.status !== 'none') return illegalTransition('reservation', state.status, cmd.type, 'it already exists');
  return [
    {
      type: 'ReservationHeld',
      data: {
        reservationId: cmd.reservationId,
        slotId: cmd.slotId,
        seats: cmd.seats,
        total,
        expiresAt,
        customer: copyCustomer(cmd.customer),
        ownerSub: cmd.ownerSub,
        heldAt: cmd.now,
      },
    },
  ];
}

function paidFor(cmd: PayReservation, state: Existing): ReservationEvent[] | DomainError {
  // `paid` requires the full amount in the right currency; a partial or foreign payment is not ours to accept.
  if (!sameMoney(cmd.amount, state.total)) {
    return illegalTransition(
      'reservation',
      state.status,
      cmd.type,
      `the payment amount ${formatMoney(cmd.amount)} differs from the total ${formatMoney(state.total)}`,
    );
  }
  return [{ type: 'ReservationPaid', data: { paymentId: cmd.paymentId, amount: copyMoney(cmd.amount), paidAt: cmd.now } }];
}

function payReservation(cmd: PayReservation, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isNonEmptyString(cmd.paymentId)) return invalidCommand('paymentId must be a non-empty string');
  if (!isValidMoney(cmd.amount)) return invalidCommand('amount must be valid money');
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  switch (state.status) {
    case 'held':
      return paidFor(cmd, state);
    case 'expired':
      if (!cmd.seatsRetaken) {
        return illegalTransition('reservation', state.status, cmd.type, 'its seats could not be taken again');
      }
      return paidFor(cmd, state);
    case 'paid':
      // The same success delivered twice (webhook and reconciliation) pays once.
      if (cmd.paymentId === state.paymentId) return [];
      return illegalTransition('reservation', state.status, cmd.type, `it is already paid by ${state.paymentId}`);
    case 'none':
    case 'cancelled':
    case 'refunded':
      return illegalTransition('reservation', state.status, cmd.type);
    default:
      return assertNever(state);
  }
}

function expireHold(cmd: ExpireHold, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  switch (state.status) {
    case 'held':
      // An open payment may still succeed: it is closed at the provider (cancelled, or its success applied) first.
      if (cmd.paymentOpen) {
        return illegalTransition('reservation', state.status, cmd.type, 'a payment is still open at the provider');
      }
      if (!isAtOrAfter(cmd.now, state.expiresAt)) {
        return illegalTransition('reservation', state.status, cmd.type, `the hold runs until ${state.expiresAt}`);
      }
      return [{ type: 'ReservationExpired', data: { expiredAt: cmd.now } }];
    case 'none':
    case 'paid':
    case 'expired':
    case 'cancelled':
    case 'refunded':
      return illegalTransition('reservation', state.status, cmd.type);
    default:
      return assertNever(state);
  }
}

function extendHoldForPayment(cmd: ExtendHoldForPayment, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isNonEmptyString(cmd.paymentId)) return invalidCommand('paymentId must be a non-empty string');
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (!Number.isSafeInteger(cmd.graceSeconds) || cmd.graceSeconds < 0) return invalidCommand('graceSeconds must be a whole number');
  if (state.status !== 'held') return illegalTransition('reservation', state.status, cmd.type);
  if (isAtOrAfter(cmd.now, state.expiresAt)) {
    return illegalTransition('reservation', state.status, cmd.type, `the hold ended at ${state.expiresAt}`);
  }
  // Once: a second payment (another provider, a retry) waits for the same deadline, so holds cannot be stretched.
  if (state.extendedForPayment !== undefined) return [];
  // The moment the hold gives up on its payment: its expiresAt plus the grace.
  const expiresAt = addSeconds(state.expiresAt, cmd.graceSeconds);
  if (expiresAt === undefined) return invalidCommand('the extended hold would end outside the representable time range');
  return [{ type: 'HoldExtendedForPayment', data: { paymentId: cmd.paymentId, expiresAt, extendedAt: cmd.now } }];
}

function cancelReservation(cmd: CancelReservation, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (!isNonEmptyString(cmd.by)) return invalidCommand('by must name who cancels');
  switch (state.status) {
    case 'held':
      return [{ type: 'ReservationCancelled', data: { cancelledAt: cmd.now, by: cmd.by, refundPending: false } }];
    case 'paid':
      // The money goes back through the provider; the reservation becomes refunded when its webhook says so.
      return [
        {
          type: 'ReservationCancelled',
          data: { cancelledAt: cmd.now, by: cmd.by, refundPending: true, paymentId: state.paymentId },
        },
      ];
    case 'none':
    case 'expired':
    case 'cancelled':
    case 'refunded':
      return illegalTransition('reservation', state.status, cmd.type);
    default:
      return assertNever(state);
  }
}

function confirmRefund(cmd: ConfirmRefund, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isNonEmptyString(cmd.paymentId)) return invalidCommand('paymentId must be a non-empty string');
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  const refunded: ReservationEvent[] = [{ type: 'ReservationRefunded', data: { paymentId: cmd.paymentId, refundedAt: cmd.now } }];
  switch (state.status) {
    case 'paid':
      // A refund made in the provider's dashboard arrives without a cancel from us.
      if (cmd.paymentId !== state.paymentId) {
        return illegalTransition('reservation', state.status, cmd.type, `it was paid by ${state.paymentId}`);
      }
      return refunded;
    case 'cancelled':
      if (!state.refundPending || cmd.paymentId !== state.paymentId) {
        return illegalTransition('reservation', state.status, cmd.type, `no refund of ${cmd.paymentId} is pending`);
      }
      return refunded;
    case 'refunded':
      if (cmd.paymentId === state.paymentId) return [];
      return illegalTransition('reservation', state.status, cmd.type, `it was refunded for ${state.paymentId}`);
    case 'none':
    case 'held':
    case 'expired':
      return illegalTransition('reservation', state.status, cmd.type);
    default:
      return assertNever(state);
  }
}

function eraseCustomerData(cmd: EraseCustomerData, state: ReservationState): ReservationEvent[] | DomainError {
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (state.status === 'none') return illegalTransition('reservation', state.status, cmd.type);
  return [{ type: 'CustomerDataErased', data: { erasedAt: cmd.now } }];
}

export function decideReservation(command: ReservationCommand, state: ReservationState): ReservationEvent[] | DomainError {
  switch (command.type) {
    case 'PlaceHold':
      return placeHold(command, state);
    case 'PayReservation':
      return payReservation(command, state);
    case 'ExpireHold':
      return expireHold(command, state);
    case 'ExtendHoldForPayment':
      return extendHoldForPayment(command, state);
    case 'CancelReservation':
      return cancelReservation(command, state);
    case 'ConfirmRefund':
      return confirmRefund(command, state);
    case 'EraseCustomerData':
      return eraseCustomerData(command, state);
    default:
      return assertNever(command);
  }
}

function factsOf(from: ReservationFacts): ReservationFacts {
  return {
    reservationId: from.reservationId,
    slotId: from.slotId,
    seats: from.seats,
    total: copyMoney(from.total),
    expiresAt: from.expiresAt,
    customer: copyCustomer(from.customer),
    ownerSub: from.ownerSub,
    heldAt: from.heldAt,
  };
}

// Events only come from `decide`, so one that does not fit the state cannot be in the log;
// evolve stays total and leaves the state as it is.
export function evolveReservation(state: ReservationState, event: ReservationEvent): ReservationState {
  switch (event.type) {
    case 'ReservationHeld':
      return state.status === 'none' ? { status: 'held', ...factsOf(event.data) } : state;
    case 'HoldExtendedForPayment':
      if (state.status !== 'held') return state;
      return { ...state, expiresAt: event.data.expiresAt, extendedForPayment: event.data.paymentId };
    case 'ReservationPaid':
      if (state.status !== 'held' && state.status !== 'expired') return state;
      return { status: 'paid', ...factsOf(state), paymentId: event.data.paymentId, paidAt: event.data.paidAt };
    case 'ReservationExpired':
      return state.status === 'held' ? { status: 'expired', ...factsOf(state), expiredAt: event.data.expiredAt } : state;
    case 'ReservationCancelled': {
      if (state.status !== 'held' && state.status !== 'paid') return state;
      const { cancelledAt, by } = event.data;
      const cancellation: Cancellation = event.data.refundPending
        ? { refundPending: true, paymentId: event.data.paymentId }
        : { refundPending: false };
      return { status: 'cancelled', ...factsOf(state), cancelledAt, cancelledBy: by, ...cancellation };
    }
    case 'ReservationRefunded':
      if (state.status !== 'paid' && state.status !== 'cancelled') return state;
      return {
        status: 'refunded',
        ...factsOf(state),
        paymentId: event.data.paymentId,
        refundedAt: event.data.refundedAt,
      };
    case 'CustomerDataErased':
      // The sealed fields stay as they are: without their key they read as `[erased]` at the read edge.
      return state;
    default:
      return assertNever(event);
  }
}

export const reservationDecider: Decider<ReservationCommand, ReservationEvent, ReservationState> = {
  decide: decideReservation,
  evolve: evolveReservation,
  initialState: initialReservationState,
};
