import { assertNever } from './assertNever.js';
import { formatMoney, sameMoney, type Money } from './money.js';
import type { ApplyProviderSignal, PaymentAnomalyKind, PaymentEvent, PaymentFacts, PaymentState, SignalOrigin } from './paymentTypes.js';

// How a normalised provider signal lands on a payment. Webhooks arrive late, twice and out of order,
// and must always be acknowledged, so a signal never yields an error here: it is applied, ignored as
// stale (nothing new), or kept as an anomaly when the provider and the ledger disagree about money.

type Existing = Exclude<PaymentState, { status: 'none' }>;
type Signal = {
  readonly cmd: ApplyProviderSignal;
  readonly state: Existing;
  readonly origin: SignalOrigin;
};

function originOf(cmd: ApplyProviderSignal, state: PaymentFacts): SignalOrigin {
  // Only a provider id we did not know yet is worth recording; the first one learned stays.
  const learned = state.providerPaymentId === undefined ? cmd.providerPaymentId : undefined;
  return {
    providerEventId: cmd.providerEventId,
    source: cmd.source,
    ...(learned !== undefined ? { providerPaymentId: learned } : {}),
  };
}

function copyMoney(m: Money): Money {
  return { amount: m.amount, currency: m.currency };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
}

function anomaly({ cmd, state, origin }: Signal, kind: PaymentAnomalyKind, reason: string): PaymentEvent[] {
  return [
    {
      type: 'PaymentAnomalyRecorded',
      data: {
        ...origin,
        anomaly: kind,
        reason,
        signal: cmd.signal,
        paymentStatus: state.status,
        ...optional('amount', cmd.amount && copyMoney(cmd.amount)),
        ...optional('providerReason', cmd.reason),
        recordedAt: cmd.now,
      },
    },
  ];
}

function mismatch(s: Signal, reported: Money, what: string): PaymentEvent[] {
  const expected = s.state.amount;
  const reason = `the ${what} is for ${formatMoney(reported)} but the payment is for ${formatMoney(expected)}`;
  return anomaly(s, 'AmountMismatch', reason);
}

function fromOpen(s: Signal & { state: { status: 'pending' | 'processing' } }): PaymentEvent[] {
  const { cmd, state, origin } = s;
  switch (cmd.signal) {
    case 'processing':
      if (state.status === 'processing') return [];
      return [{ type: 'PaymentProcessingStarted', data: { ...origin, processingAt: cmd.now } }];
    case 'succeeded':
      // Contract: a success is applied only if its amount and currency equal the payment's.
      if (cmd.amount === undefined) {
        const reason = `the success carries no amount to check against ${formatMoney(state.amount)}`;
        return anomaly(s, 'AmountMismatch', reason);
      }
      if (!sameMoney(cmd.amount, state.amount)) return mismatch(s, cmd.amount, 'success');
      return [{ type: 'PaymentSucceeded', data: { ...origin, amount: copyMoney(cmd.amount), succeededAt: cmd.now } }];
    case 'declined':
      // Stripe returns the intent to requires_payment_method: the customer may still pay it.
      return [{ type: 'PaymentDeclined', data: { ...origin, reason: cmd.reason ?? 'declined by the provider', declinedAt: cmd.now } }];
    case 'failed':
      return [{ type: 'PaymentFailed', data: { ...origin, reason: cmd.reason ?? 'failed at the provider', failedAt: cmd.now } }];
    case 'cancelled':
      return [{ type: 'PaymentCancelled', data: { ...origin, ...optional('reason', cmd.reason), cancelledAt: cmd.now } }];
    case 'refunded':
      return anomaly(s, 'RefundWithoutSuccess', 'a refund for a payment that never succeeded');
    case 'disputed':
      return anomaly(s, 'DisputeWithoutSuccess', 'a dispute for a payment that never succeeded');
    default:
      return assertNever(cmd.signal);
  }
}

// A success we already hold, delivered again, adds nothing unless it contradicts the amount.
function repeatedSuccess(s: Signal): PaymentEvent[] {
  const { amount } = s.cmd;
  if (amount === undefined || sameMoney(amount, s.state.amount)) return [];
  return mismatch(s, amount, 'success');
}

function fromSucceeded(s: Signal & { state: { status: 'succeeded' | 'disputed' } }): PaymentEvent[] {
  const { cmd, state, origin } = s;
  switch (cmd.signal) {
    case 'processing':
    case 'declined':
      return [];
    case 'succeeded':
      return repeatedSuccess(s);
    case 'failed':
    case 'cancelled':
      return anomaly(s, 'EndedAfterSuccess', `the provider reports ${cmd.signal} for a payment that succeeded`);
    case 'refunded':
      // Only a full refund is modelled (Stripe charge.refunded for the full amount); a partial one is
      // left to reconciliation.
      if (cmd.amount !== undefined && !sameMoney(cmd.amount, state.amount)) return mismatch(s, cmd.amount, 'refund');
      return [
        {
          type: 'PaymentRefunded',
          data: { ...origin, ...optional('amount', cmd.amount && copyMoney(cmd.amount)), refundedAt: cmd.now },
        },
      ];
    case 'disputed':
      // Mercado Pago reports in_mediation and then charged_back: the second adds nothing.
      if (state.status === 'disputed') return [];
      return [{ type: 'PaymentDisputed', data: { ...origin, ...optional('reason', cmd.reason), disputedAt: cmd.now } }];
    default:
      return assertNever(cmd.signal);
  }
}

function fromRefunded(s: Signal): PaymentEvent[] {
  const { cmd } = s;
  switch (cmd.signal) {
    case 'processing':
    case 'declined':
    case 'refunded':
      return [];
    case 'succeeded':
      return repeatedSuccess(s);
    case 'failed':
    case 'cancelled':
      return anomaly(s, 'EndedAfterSuccess', `the provider reports ${cmd.signal} for a payment that was refunded`);
    case 'disputed':
      return anomaly(s, 'DisputeAfterRefund', 'a dispute for a payment that was already refunded');
    default:
      return assertNever(cmd.signal);
  }
}

function fromEnded(s: Signal): PaymentEvent[] {
  const { cmd, state } = s;
  switch (cmd.signal) {
    case 'processing':
    case 'declined':
    case 'failed':
    case 'cancelled':
      return [];
    case 'succeeded':
      // Never failed/cancelled → succeeded (a retry is a new payment), yet the money was taken.
      return anomaly(s, 'SuccessAfterTerminal', `the provider reports a success for a payment that is ${state.status}`);
    case 'refunded':
      return anomaly(s, 'RefundWithoutSuccess', `a refund for a payment that is ${state.status}`);
    case 'disputed':
      return anomaly(s, 'DisputeWithoutSuccess', `a dispute for a payment that is ${state.status}`);
    default:
      return assertNever(cmd.signal);
  }
}

export function decideProviderSignal(cmd: ApplyProviderSignal, state: Existing): PaymentEvent[] {
  const origin = originOf(cmd, state);
  // Contract: once the payment has a provider id, an event must name that one too. Our id alone can be
  // copied into another payment's metadata, so a mismatch changes no status: it is kept for a person.
  if (cmd.providerPaymentId !== undefined && state.providerPaymentId !== undefined && cmd.providerPaymentId !== state.providerPaymentId) {
    const reason = `the event is about provider payment ${cmd.providerPaymentId}, but this payment is ${state.providerPaymentId} at the provider`;
    return anomaly({ cmd, state, origin }, 'ProviderPaymentMismatch', reason);
  }
  switch (state.status) {
    case 'pending':
    case 'processing':
      return fromOpen({ cmd, state, origin });
    case 'succeeded':
    case 'disputed':
      return fromSucceeded({ cmd, state, origin });
    case 'refunded':
      return fromRefunded({ cmd, state, origin });
    case 'failed':
    case 'cancelled':
      return fromEnded({ cmd, state, origin });
    default:
      return assertNever(state);
  }
}
