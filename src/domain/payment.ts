import { assertNever } from './assertNever.js';
import type { Decider } from './decider.js';
import { illegalTransition, invalidCommand, type DomainError } from './errors.js';
import { isNonEmptyString } from './guards.js';
import { isValidMoney, type Money } from './money.js';
import { decideProviderSignal } from './paymentSignal.js';
import {
  ANOMALY_RESOLUTIONS,
  type OpenAnomaly,
  PROVIDERS,
  type PaymentAnomalyRecorded,
  type PaymentAnomalyResolved,
  type PaymentCheckout,
  type PaymentCommand,
  type PaymentEvent,
  type PaymentFacts,
  type PaymentState,
  type RequestRefund,
  type ResolveAnomaly,
  type SignalOrigin,
  type StartPayment,
} from './paymentTypes.js';
import { isIsoInstant } from './time.js';

// The payment stream's states, commands and events live in paymentTypes.ts, which both this decider and
// paymentSignal.ts import: the two deciding modules then depend one way only (payment → paymentSignal).
export * from './paymentTypes.js';

export const initialPaymentState: PaymentState = { status: 'none' };

/** No provider signal moves these any more: failed and cancelled by contract, refunded because nothing follows it. */
export function isTerminalPayment(state: PaymentState): boolean {
  switch (state.status) {
    case 'failed':
    case 'cancelled':
    case 'refunded':
      return true;
    case 'none':
    case 'pending':
    case 'processing':
    case 'succeeded':
    case 'disputed':
      return false;
    default:
      return assertNever(state);
  }
}

function startPayment(cmd: StartPayment, state: PaymentState): PaymentEvent[] | DomainError {
  if (!isNonEmptyString(cmd.paymentId)) return invalidCommand('paymentId must be a non-empty string');
  if (!isNonEmptyString(cmd.reservationId)) return invalidCommand('reservationId must be a non-empty string');
  if (!PROVIDERS.includes(cmd.provider)) return invalidCommand(`provider must be one of ${PROVIDERS.join(', ')}`);
  if (!isValidMoney(cmd.amount)) return invalidCommand('amount must be valid money');
  if (cmd.providerPaymentId !== undefined && !isNonEmptyString(cmd.providerPaymentId)) {
    return invalidCommand('providerPaymentId must be a non-empty string when given');
  }
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (state.status !== 'none') return illegalTransition('payment', state.status, cmd.type, 'it already exists');
  return [
    {
      type: 'PaymentStarted',
      data: {
        paymentId: cmd.paymentId,
        reservationId: cmd.reservationId,
        provider: cmd.provider,
        amount: { amount: cmd.amount.amount, currency: cmd.amount.currency },
        ...(cmd.providerPaymentId !== undefined ? { providerPaymentId: cmd.providerPaymentId } : {}),
        ...(cmd.checkout !== undefined ? { checkout: checkoutOf(cmd.checkout) } : {}),
        startedAt: cmd.now,
      },
    },
  ];
}

function checkoutOf(c: PaymentCheckout): PaymentCheckout {
  return {
    ...(c.checkoutUrl !== undefined ? { checkoutUrl: c.checkoutUrl } : {}),
    ...(c.pixQrCode !== undefined ? { pixQrCode: c.pixQrCode } : {}),
  };
}

/**
 * A success the payment accepted but its reservation refused: the money is real, so the payment
 * keeps its success and this anomaly tells the back office a refund (or a manual fix) is owed.
 */
export function reservationNotPayable(
  state: PaymentState,
  origin: SignalOrigin,
  reason: string,
  amount: Money | undefined,
  now: string,
): PaymentAnomalyRecorded {
  return {
    type: 'PaymentAnomalyRecorded',
    data: {
      providerEventId: origin.providerEventId,
      source: origin.source,
      ...(origin.providerPaymentId !== undefined ? { providerPaymentId: origin.providerPaymentId } : {}),
      anomaly: 'ReservationNotPayable',
      reason,
      signal: 'succeeded',
      paymentStatus: state.status,
      ...(amount !== undefined ? { amount: { amount: amount.amount, currency: amount.currency } } : {}),
      recordedAt: now,
    },
  };
}

function requestRefund(cmd: RequestRefund, state: PaymentState): PaymentEvent[] | DomainError {
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (!isNonEmptyString(cmd.by)) return invalidCommand('by must name who asks for the refund');
  if (state.status !== 'succeeded') return illegalTransition('payment', state.status, cmd.type);
  // Asked once is enough: a retried cancel must not ask the provider twice.
  if (state.refundRequested) return [];
  return [{ type: 'PaymentRefundRequested', data: { requestedAt: cmd.now, by: cmd.by } }];
}

function resolveAnomaly(cmd: ResolveAnomaly, state: PaymentState): PaymentEvent[] | DomainError {
  if (!isNonEmptyString(cmd.providerEventId)) return invalidCommand('providerEventId must be a non-empty string');
  if (!ANOMALY_RESOLUTIONS.includes(cmd.action)) return invalidCommand(`action must be one of ${ANOMALY_RESOLUTIONS.join(', ')}`);
  if (!isNonEmptyString(cmd.by)) return invalidCommand('by must name who resolves the anomaly');
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant');
  if (cmd.note !== undefined && !isNonEmptyString(cmd.note)) return invalidCommand('note must be a non-empty string when given');
  // Dismissing leaves money where it is, so the record must say why.
  if (cmd.action === 'dismiss' && cmd.note === undefined) return invalidCommand('a dismissal needs a note saying how it was settled');
  if (state.status === 'none') return illegalTransition('payment', state.status, cmd.type, 'no such payment');
  const open = state.openAnomalies.find((anomaly) => anomaly.providerEventId === cmd.providerEventId);
  if (!open) return illegalTransition('payment', state.status, cmd.type, `no open anomaly for provider event ${cmd.providerEventId}`);
  const resolved: PaymentAnomalyResolved = {
    type: 'PaymentAnomalyResolved',
    data: {
      providerEventId: cmd.providerEventId,
      anomaly: open.kind,
      action: cmd.action,
      ...(cmd.note !== undefined ? { note: cmd.note } : {}),
      by: cmd.by,
      resolvedAt: cmd.now,
    },
  };
  if (cmd.action === 'dismiss') return [resolved];
  // Only money this payment holds can go back through the provider's refund of this payment.
  if (state.status !== 'succeeded') {
    return illegalTransition('payment', state.status, cmd.type, 'only a succeeded payment can be refunded; dismiss it with a note instead');
  }
  const refund: PaymentEvent[] = state.refundRequested
    ? []
    : [{ type: 'PaymentRefundRequested', data: { requestedAt: cmd.now, by: cmd.by } }];
  return [...refund, resolved];
}

export function decidePayment(command: PaymentCommand, state: PaymentState): PaymentEvent[] | DomainError {
  switch (command.type) {
    case 'StartPayment':
      return startPayment(command, state);
    case 'ApplyProviderSignal':
      if (state.status === 'none') {
        return illegalTransition('payment', state.status, command.type, 'no such payment');
      }
      return decideProviderSignal(command, state);
    case 'RequestRefund':
      return requestRefund(command, state);
    case 'ResolveAnomaly':
      return resolveAnomaly(command, state);
    default:
      return assertNever(command);
  }
}

type FactsSource = Omit<PaymentFacts, 'openAnomalies'> & { readonly openAnomalies?: readonly OpenAnomaly[] };

function factsOf(from: FactsSource, change: { providerPaymentId?: string; lastError?: string } = {}): PaymentFacts {
  const providerPaymentId = change.providerPaymentId ?? from.providerPaymentId;
  const lastError = change.lastError ?? from.lastError;
  const openAnomalies = (from.openAnomalies ?? []).map((anomaly) => ({ providerEventId: anomaly.providerEventId, kind: anomaly.kind }));
  return {
    paymentId: from.paymentId,
    reservationId: from.reservationId,
    provider: from.provider,
    amount: { amount: from.amount.amount, currency: from.amount.currency },
    startedAt: from.startedAt,
    ...(providerPaymentId !== undefined ? { providerPaymentId } : {}),
    ...(lastError !== undefined ? { lastError } : {}),
    openAnomalies,
  };
}

// Events only come from `decide`, so one that does not fit the state cannot be in the log;
// evolve stays total and leaves the state as it is.
export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentStarted':
      return state.status === 'none' ? { status: 'pending', ...factsOf(event.data) } : state;
    case 'PaymentProcessingStarted':
      if (state.status !== 'pending') return state;
      return { status: 'processing', ...factsOf(state, event.data) };
    case 'PaymentDeclined':
      if (state.status !== 'pending' && state.status !== 'processing') return state;
      return { status: 'pending', ...factsOf(state, { ...event.data, lastError: event.data.reason }) };
    case 'PaymentSucceeded':
      if (state.status !== 'pending' && state.status !== 'processing') return state;
      return {
        status: 'succeeded',
        ...factsOf(state, event.data),
        succeededAt: event.data.succeededAt,
        refundRequested: false,
      };
    case 'PaymentFailed':
      if (state.status !== 'pending' && state.status !== 'processing') return state;
      return {
        status: 'failed',
        ...factsOf(state, { ...event.data, lastError: event.data.reason }),
        failedAt: event.data.failedAt,
      };
    case 'PaymentCancelled':
      if (state.status !== 'pending' && state.status !== 'processing') return state;
      return { status: 'cancelled', ...factsOf(state, event.data), cancelledAt: event.data.cancelledAt };
    case 'PaymentRefunded':
      if (state.status !== 'succeeded' && state.status !== 'disputed') return state;
      return {
        status: 'refunded',
        ...factsOf(state, event.data),
        succeededAt: state.succeededAt,
        refundedAt: event.data.refundedAt,
      };
    case 'PaymentDisputed':
      if (state.status !== 'succeeded') return state;
      return {
        status: 'disputed',
        ...factsOf(state, event.data),
        succeededAt: state.succeededAt,
        disputedAt: event.data.disputedAt,
      };
    case 'PaymentAnomalyRecorded':
      if (state.status === 'none') return state;
      return {
        ...state,
        openAnomalies: [...state.openAnomalies, { providerEventId: event.data.providerEventId, kind: event.data.anomaly }],
      };
    case 'PaymentAnomalyResolved':
      if (state.status === 'none') return state;
      return {
        ...state,
        openAnomalies: state.openAnomalies.filter((anomaly) => anomaly.providerEventId !== event.data.providerEventId),
      };
    case 'PaymentRefundRequested':
      return state.status === 'succeeded' ? { ...state, refundRequested: true } : state;
    default:
      return assertNever(event);
  }
}

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = {
  decide: decidePayment,
  evolve: evolvePayment,
  initialState: initialPaymentState,
};
