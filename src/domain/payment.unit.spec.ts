import { describe, expect, it } from 'vitest';
import { foldEvents } from './decider.js';
import {
  isTerminalPayment,
  paymentDecider,
  type ApplyProviderSignal,
  type PaymentAnomalyKind,
  type PaymentEvent,
  type PaymentSignal,
  type PaymentStatus,
  type StartPayment,
} from './payment.js';
import { specFor } from './testing/spec.js';

const given = specFor(paymentDecider);

const AMOUNT = { amount: 9000, currency: 'EUR' };
const T0 = '2030-05-01T10:00:00.000Z';
const T1 = '2030-05-01T10:05:00.000Z';

const start: StartPayment = {
  type: 'StartPayment',
  paymentId: 'p1',
  reservationId: 'r1',
  provider: 'stripe',
  amount: AMOUNT,
  providerPaymentId: 'pi_1',
  now: T0,
};
const started: PaymentEvent = {
  type: 'PaymentStarted',
  data: { paymentId: 'p1', reservationId: 'r1', provider: 'stripe', amount: AMOUNT, providerPaymentId: 'pi_1', startedAt: T0 },
};
const origin = (providerEventId: string) => ({ providerEventId, source: 'webhook' as const });
const processing: PaymentEvent = { type: 'PaymentProcessingStarted', data: { ...origin('evt_p'), processingAt: T0 } };
const declined: PaymentEvent = {
  type: 'PaymentDeclined',
  data: { ...origin('evt_d'), reason: 'card_declined', declinedAt: T0 },
};
const succeeded: PaymentEvent = { type: 'PaymentSucceeded', data: { ...origin('evt_s'), amount: AMOUNT, succeededAt: T0 } };
const failed: PaymentEvent = { type: 'PaymentFailed', data: { ...origin('evt_f'), reason: 'rejected', failedAt: T0 } };
const cancelled: PaymentEvent = { type: 'PaymentCancelled', data: { ...origin('evt_c'), cancelledAt: T0 } };
const refunded: PaymentEvent = { type: 'PaymentRefunded', data: { ...origin('evt_r'), refundedAt: T0 } };
const disputed: PaymentEvent = { type: 'PaymentDisputed', data: { ...origin('evt_x'), disputedAt: T0 } };

const history: Record<Exclude<PaymentStatus, 'none'>, PaymentEvent[]> = {
  pending: [started],
  processing: [started, processing],
  succeeded: [started, succeeded],
  failed: [started, failed],
  cancelled: [started, cancelled],
  refunded: [started, succeeded, refunded],
  disputed: [started, succeeded, disputed],
};

function signal(kind: PaymentSignal, patch: Partial<ApplyProviderSignal> = {}): ApplyProviderSignal {
  const withAmount = kind === 'succeeded' || kind === 'refunded';
  return {
    type: 'ApplyProviderSignal',
    signal: kind,
    providerEventId: 'evt_new',
    source: 'webhook',
    ...(withAmount ? { amount: AMOUNT } : {}),
    now: T1,
    ...patch,
  };
}

const stateOf = (events: readonly PaymentEvent[]) => foldEvents(paymentDecider.evolve, paymentDecider.initialState, events);

describe('payment: StartPayment', () => {
  it('starts a pending payment', () => {
    const state = given([]).when(start).then([started]);
    expect(state).toMatchObject({ status: 'pending', provider: 'stripe', amount: AMOUNT, providerPaymentId: 'pi_1' });
  });

  it('leaves providerPaymentId out when the provider has not given one yet', () => {
    const { providerPaymentId: _none, ...withoutId } = start;
    const { providerPaymentId: _alsoNone, ...data } = started.data;
    given([])
      .when(withoutId)
      .then([{ type: 'PaymentStarted', data }]);
  });

  it.each(Object.keys(history))('refuses to start a payment that is already %s', (status) => {
    given(history[status as keyof typeof history])
      .when(start)
      .then({ kind: 'IllegalTransition', aggregate: 'payment', from: status, command: 'StartPayment' });
  });

  it.each([
    ['an unknown provider', { provider: 'paypal' }],
    ['an invalid amount', { amount: { amount: 1.5, currency: 'EUR' } }],
    ['an empty provider payment id', { providerPaymentId: '' }],
    ['an empty payment id', { paymentId: '' }],
    ['an empty reservation id', { reservationId: '' }],
    ['a now that is not an instant', { now: '1 May' }],
  ])('refuses %s', (_name, patch) => {
    given([])
      .when({ ...start, ...patch } as StartPayment)
      .then('InvalidCommand');
  });
});

type Expected = { applied: PaymentEvent['type']; becomes: PaymentStatus } | 'stale' | { anomaly: PaymentAnomalyKind };
const A = (applied: PaymentEvent['type'], becomes: PaymentStatus): Expected => ({ applied, becomes });
const X = (anomaly: PaymentAnomalyKind): Expected => ({ anomaly });

// The contract's table (API.md "Payments"), written out per state; the code must agree with it.
const table: Record<Exclude<PaymentStatus, 'none'>, Record<PaymentSignal, Expected>> = {
  pending: {
    processing: A('PaymentProcessingStarted', 'processing'),
    succeeded: A('PaymentSucceeded', 'succeeded'),
    declined: A('PaymentDeclined', 'pending'),
    failed: A('PaymentFailed', 'failed'),
    cancelled: A('PaymentCancelled', 'cancelled'),
    refunded: X('RefundWithoutSuccess'),
    disputed: X('DisputeWithoutSuccess'),
  },
  processing: {
    processing: 'stale',
    succeeded: A('PaymentSucceeded', 'succeeded'),
    declined: A('PaymentDeclined', 'pending'),
    failed: A('PaymentFailed', 'failed'),
    cancelled: A('PaymentCancelled', 'cancelled'),
    refunded: X('RefundWithoutSuccess'),
    disputed: X('DisputeWithoutSuccess'),
  },
  succeeded: {
    processing: 'stale',
    succeeded: 'stale',
    declined: 'stale',
    failed: X('EndedAfterSuccess'),
    cancelled: X('EndedAfterSuccess'),
    refunded: A('PaymentRefunded', 'refunded'),
    disputed: A('PaymentDisputed', 'disputed'),
  },
  disputed: {
    processing: 'stale',
    succeeded: 'stale',
    declined: 'stale',
    failed: X('EndedAfterSuccess'),
    cancelled: X('EndedAfterSuccess'),
    refunded: A('PaymentRefunded', 'refunded'),
    disputed: 'stale',
  },
  refunded: {
    processing: 'stale',
    succeeded: 'stale',
    declined: 'stale',
    failed: X('EndedAfterSuccess'),
    cancelled: X('EndedAfterSuccess'),
    refunded: 'stale',
    disputed: X('DisputeAfterRefund'),
  },
  failed: {
    processing: 'stale',
    succeeded: X('SuccessAfterTerminal'),
    declined: 'stale',
    failed: 'stale',
    cancelled: 'stale',
    refunded: X('RefundWithoutSuccess'),
    disputed: X('DisputeWithoutSuccess'),
  },
  cancelled: {
    processing: 'stale',
    succeeded: X('SuccessAfterTerminal'),
    declined: 'stale',
    failed: 'stale',
    cancelled: 'stale',
    refunded: X('RefundWithoutSuccess'),
    disputed: X('DisputeWithoutSuccess'),
  },
};

const cases = Object.entries(table).flatMap(([status, row]) =>
  Object.entries(row).map(([sig, expected]) => [status, sig, expected] as const),
);

describe('payment: every provider signal in every state', () => {
  it.each(cases)('%s + %s → %o', (status, sig, expected) => {
    const events = history[status as keyof typeof history];
    const before = stateOf(events);
    const { result } = given(events).when(signal(sig as PaymentSignal));
    if (!Array.isArray(result)) throw new Error(`a signal was refused: ${result.message}`);
    const after = foldEvents(paymentDecider.evolve, before, result);
    if (expected === 'stale') {
      expect(result).toEqual([]);
    } else if ('anomaly' in expected) {
      expect(result).toHaveLength(1);
      expect(result[0]).toMatchObject({
        type: 'PaymentAnomalyRecorded',
        data: { anomaly: expected.anomaly, signal: sig, paymentStatus: status, providerEventId: 'evt_new', source: 'webhook' },
      });
      // The payment does not move; the anomaly joins its open list for the back office.
      expect({ ...after, openAnomalies: [] }).toEqual({ ...before, openAnomalies: [] });
      expect(after).toMatchObject({ openAnomalies: [{ providerEventId: 'evt_new', kind: expected.anomaly }] });
    } else {
      expect(result).toHaveLength(1);
      expect(result[0]).toMatchObject({ type: expected.applied, data: { providerEventId: 'evt_new', source: 'webhook' } });
      expect(after.status).toBe(expected.becomes);
    }
  });

  it('refuses a signal for a payment that does not exist', () => {
    given([]).when(signal('succeeded')).then({ kind: 'IllegalTransition', from: 'none', command: 'ApplyProviderSignal' });
  });
});

describe('payment: the contract cases', () => {
  it('applies a success for the right amount and currency', () => {
    const state = given([started, processing])
      .when(signal('succeeded', { source: 'reconciliation' }))
      .then([
        {
          type: 'PaymentSucceeded',
          data: { providerEventId: 'evt_new', source: 'reconciliation', amount: AMOUNT, succeededAt: T1 },
        },
      ]);
    expect(state).toMatchObject({ status: 'succeeded', succeededAt: T1, refundRequested: false });
  });

  it('records a success after failed as an anomaly, never as PaymentSucceeded', () => {
    const state = given([started, failed])
      .when(signal('succeeded'))
      .then([
        {
          type: 'PaymentAnomalyRecorded',
          data: {
            providerEventId: 'evt_new',
            source: 'webhook',
            anomaly: 'SuccessAfterTerminal',
            reason: 'the provider reports a success for a payment that is failed',
            signal: 'succeeded',
            paymentStatus: 'failed',
            amount: AMOUNT,
            recordedAt: T1,
          },
        },
      ]);
    expect(state.status).toBe('failed');
  });

  it('records an event about another provider payment than this one as an anomaly, and changes no status', () => {
    const state = given([started, processing])
      .when(signal('succeeded', { providerPaymentId: 'pi_other' }))
      .then([
        {
          type: 'PaymentAnomalyRecorded',
          data: {
            providerEventId: 'evt_new',
            source: 'webhook',
            anomaly: 'ProviderPaymentMismatch',
            reason: 'the event is about provider payment pi_other, but this payment is pi_1 at the provider',
            signal: 'succeeded',
            paymentStatus: 'processing',
            amount: AMOUNT,
            recordedAt: T1,
          },
        },
      ]);
    expect(state.status).toBe('processing');
    // The same event naming this payment's own provider id pays it.
    const { result } = given([started, processing]).when(signal('succeeded', { providerPaymentId: 'pi_1' }));
    expect(result).toMatchObject([{ type: 'PaymentSucceeded' }]);
  });

  it('records a success after cancelled as an anomaly too', () => {
    const { result } = given([started, cancelled]).when(signal('succeeded'));
    expect(result).toMatchObject([{ type: 'PaymentAnomalyRecorded', data: { anomaly: 'SuccessAfterTerminal' } }]);
  });

  it('keeps a declined payment open with the decline as lastError', () => {
    const state = given([started, processing])
      .when(signal('declined', { reason: 'insufficient_funds' }))
      .then([
        {
          type: 'PaymentDeclined',
          data: { providerEventId: 'evt_new', source: 'webhook', reason: 'insufficient_funds', declinedAt: T1 },
        },
      ]);
    expect(state).toMatchObject({ status: 'pending', lastError: 'insufficient_funds' });
    expect(isTerminalPayment(state)).toBe(false);
  });

  it('pays after a decline when the customer retries and succeeds', () => {
    const state = given([started, declined])
      .when(signal('succeeded'))
      .then([{ type: 'PaymentSucceeded', data: { ...origin('evt_new'), amount: AMOUNT, succeededAt: T1 } }]);
    expect(state).toMatchObject({ status: 'succeeded', lastError: 'card_declined' });
  });

  it('ignores a processing that arrives after the success', () => {
    given([started, succeeded]).when(signal('processing')).then([]);
  });

  it('ignores a success delivered twice', () => {
    given([started, succeeded]).when(signal('succeeded')).then([]);
  });

  it.each([
    ['a smaller amount', { amount: 100, currency: 'EUR' }],
    ['another currency', { amount: 9000, currency: 'BRL' }],
  ])('records a success for %s as an anomaly and stays open', (_name, amount) => {
    const state = given([started])
      .when(signal('succeeded', { amount }))
      .then([
        {
          type: 'PaymentAnomalyRecorded',
          data: {
            ...origin('evt_new'),
            anomaly: 'AmountMismatch',
            reason: `the success is for ${amount.amount} ${amount.currency} but the payment is for 9000 EUR`,
            signal: 'succeeded',
            paymentStatus: 'pending',
            amount,
            recordedAt: T1,
          },
        },
      ]);
    expect(state.status).toBe('pending');
  });

  it('records a success without an amount as an anomaly', () => {
    const { amount: _none, ...withoutAmount } = signal('succeeded');
    given([started])
      .when(withoutAmount)
      .then([
        {
          type: 'PaymentAnomalyRecorded',
          data: {
            ...origin('evt_new'),
            anomaly: 'AmountMismatch',
            reason: 'the success carries no amount to check against 9000 EUR',
            signal: 'succeeded',
            paymentStatus: 'pending',
            recordedAt: T1,
          },
        },
      ]);
  });

  it('records a repeated success with another amount as an anomaly', () => {
    const { result } = given([started, succeeded]).when(signal('succeeded', { amount: { amount: 1, currency: 'EUR' } }));
    expect(result).toMatchObject([{ type: 'PaymentAnomalyRecorded', data: { anomaly: 'AmountMismatch' } }]);
  });

  it('records a partial refund as an anomaly and stays succeeded', () => {
    const state = given([started, succeeded])
      .when(signal('refunded', { amount: { amount: 4500, currency: 'EUR' } }))
      .then([
        {
          type: 'PaymentAnomalyRecorded',
          data: {
            ...origin('evt_new'),
            anomaly: 'AmountMismatch',
            reason: 'the refund is for 4500 EUR but the payment is for 9000 EUR',
            signal: 'refunded',
            paymentStatus: 'succeeded',
            amount: { amount: 4500, currency: 'EUR' },
            recordedAt: T1,
          },
        },
      ]);
    expect(state.status).toBe('succeeded');
  });

  it('refunds on a refund signal without an amount', () => {
    const state = given([started, succeeded])
      .when(signal('refunded', { amount: undefined }))
      .then([{ type: 'PaymentRefunded', data: { ...origin('evt_new'), refundedAt: T1 } }]);
    expect(state).toMatchObject({ status: 'refunded', succeededAt: T0, refundedAt: T1 });
    expect(isTerminalPayment(state)).toBe(true);
  });

  it('refunds a disputed payment', () => {
    const state = given([started, succeeded, disputed])
      .when(signal('refunded'))
      .then([{ type: 'PaymentRefunded', data: { ...origin('evt_new'), amount: AMOUNT, refundedAt: T1 } }]);
    expect(state.status).toBe('refunded');
  });

  it('records failure with its reason and never changes after it', () => {
    const state = given([started])
      .when(signal('failed', { reason: 'cc_rejected_other_reason' }))
      .then([{ type: 'PaymentFailed', data: { ...origin('evt_new'), reason: 'cc_rejected_other_reason', failedAt: T1 } }]);
    expect(state).toMatchObject({ status: 'failed', lastError: 'cc_rejected_other_reason' });
    expect(isTerminalPayment(state)).toBe(true);
  });

  it('records a cancel after success as an anomaly: the provider and the ledger disagree', () => {
    const { result } = given([started, succeeded]).when(signal('cancelled'));
    expect(result).toMatchObject([{ type: 'PaymentAnomalyRecorded', data: { anomaly: 'EndedAfterSuccess' } }]);
  });

  it('learns the provider payment id from the first signal that carries it', () => {
    const { providerPaymentId: _none, ...mpStart } = { ...start, provider: 'mercadopago' as const };
    const [first] = given([]).when(mpStart).result as PaymentEvent[];
    const learned = given([first!])
      .when(signal('processing', { providerPaymentId: '1234567' }))
      .then([
        {
          type: 'PaymentProcessingStarted',
          data: { ...origin('evt_new'), providerPaymentId: '1234567', processingAt: T1 },
        },
      ]);
    expect(learned).toMatchObject({ providerPaymentId: '1234567' });
    // An id already known is never replaced: a later signal naming another one is an anomaly (see above).
    const { result } = given([started]).when(signal('processing', { providerPaymentId: 'pi_other' }));
    expect(result).toMatchObject([{ type: 'PaymentAnomalyRecorded', data: { anomaly: 'ProviderPaymentMismatch' } }]);
  });
});

describe('payment: RequestRefund', () => {
  const request = { type: 'RequestRefund', now: T1, by: 'user-1' } as const;

  it('remembers that a refund was asked of the provider', () => {
    const state = given([started, succeeded])
      .when(request)
      .then([{ type: 'PaymentRefundRequested', data: { requestedAt: T1, by: 'user-1' } }]);
    expect(state).toMatchObject({ status: 'succeeded', refundRequested: true });
  });

  it('does not ask twice', () => {
    given([started, succeeded, { type: 'PaymentRefundRequested', data: { requestedAt: T1, by: 'user-1' } }])
      .when(request)
      .then([]);
  });

  it.each(['pending', 'processing', 'failed', 'cancelled', 'refunded', 'disputed'] as const)(
    'refuses a refund request on a payment that is %s',
    (status) => {
      given(history[status]).when(request).then({ kind: 'IllegalTransition', from: status, command: 'RequestRefund' });
    },
  );

  it('refuses a refund request on a payment that does not exist', () => {
    given([]).when(request).then({ kind: 'IllegalTransition', from: 'none' });
  });

  it('refuses a refund request that does not say who', () => {
    given([started, succeeded])
      .when({ ...request, by: '' })
      .then('InvalidCommand');
  });
});

describe('payment: isTerminalPayment', () => {
  it.each([
    ['pending', false],
    ['processing', false],
    ['succeeded', false],
    ['disputed', false],
    ['failed', true],
    ['cancelled', true],
    ['refunded', true],
  ] as const)('%s → %s', (status, terminal) => {
    expect(isTerminalPayment(stateOf(history[status]))).toBe(terminal);
  });

  it('none → false', () => {
    expect(isTerminalPayment(paymentDecider.initialState)).toBe(false);
  });
});

describe('payment: ResolveAnomaly', () => {
  const notPayable: PaymentEvent = {
    type: 'PaymentAnomalyRecorded',
    data: {
      ...origin('evt_late'),
      anomaly: 'ReservationNotPayable',
      reason: 'the hold expired and its seats are gone',
      signal: 'succeeded',
      paymentStatus: 'succeeded',
      amount: AMOUNT,
      recordedAt: T0,
    },
  };
  const afterFailure: PaymentEvent = {
    type: 'PaymentAnomalyRecorded',
    data: {
      ...origin('evt_s2'),
      anomaly: 'SuccessAfterTerminal',
      reason: 'the provider reports a success for a payment that is failed',
      signal: 'succeeded',
      paymentStatus: 'failed',
      amount: AMOUNT,
      recordedAt: T0,
    },
  };
  const resolve = (action: 'refund' | 'dismiss', patch: Record<string, unknown> = {}) =>
    ({ type: 'ResolveAnomaly', providerEventId: 'evt_late', action, by: 'admin-1', now: T1, ...patch }) as const;

  it('lists an anomaly as open until it is resolved', () => {
    expect(stateOf([started, succeeded, notPayable])).toMatchObject({
      status: 'succeeded',
      openAnomalies: [{ providerEventId: 'evt_late', kind: 'ReservationNotPayable' }],
    });
  });

  it('refunds the money a succeeded payment holds, and closes the anomaly', () => {
    const state = given([started, succeeded, notPayable])
      .when(resolve('refund'))
      .then([
        { type: 'PaymentRefundRequested', data: { requestedAt: T1, by: 'admin-1' } },
        {
          type: 'PaymentAnomalyResolved',
          data: { providerEventId: 'evt_late', anomaly: 'ReservationNotPayable', action: 'refund', by: 'admin-1', resolvedAt: T1 },
        },
      ]);
    expect(state).toMatchObject({ status: 'succeeded', refundRequested: true, openAnomalies: [] });
  });

  it('does not ask the provider twice when a refund is already on its way', () => {
    given([started, succeeded, { type: 'PaymentRefundRequested', data: { requestedAt: T0, by: 'user-1' } }, notPayable])
      .when(resolve('refund'))
      .then([
        {
          type: 'PaymentAnomalyResolved',
          data: { providerEventId: 'evt_late', anomaly: 'ReservationNotPayable', action: 'refund', by: 'admin-1', resolvedAt: T1 },
        },
      ]);
  });

  it('dismisses with a note saying how it was settled, and never without one', () => {
    given([started, failed, afterFailure])
      .when(resolve('dismiss', { providerEventId: 'evt_s2', note: 'refunded in the Mercado Pago panel' }))
      .then([
        {
          type: 'PaymentAnomalyResolved',
          data: {
            providerEventId: 'evt_s2',
            anomaly: 'SuccessAfterTerminal',
            action: 'dismiss',
            note: 'refunded in the Mercado Pago panel',
            by: 'admin-1',
            resolvedAt: T1,
          },
        },
      ]);
    given([started, failed, afterFailure])
      .when(resolve('dismiss', { providerEventId: 'evt_s2' }))
      .then('InvalidCommand');
  });

  it('cannot refund through a payment that holds no money', () => {
    given([started, failed, afterFailure])
      .when(resolve('refund', { providerEventId: 'evt_s2' }))
      .then({ kind: 'IllegalTransition', from: 'failed', command: 'ResolveAnomaly' });
  });

  it('refuses an anomaly that is unknown or already resolved', () => {
    given([started, succeeded]).when(resolve('refund')).then({ kind: 'IllegalTransition', from: 'succeeded' });
    const resolved: PaymentEvent = {
      type: 'PaymentAnomalyResolved',
      data: { providerEventId: 'evt_late', anomaly: 'ReservationNotPayable', action: 'dismiss', note: 'n', by: 'a', resolvedAt: T1 },
    };
    given([started, succeeded, notPayable, resolved]).when(resolve('refund')).then({ kind: 'IllegalTransition' });
    given([])
      .when(resolve('dismiss', { note: 'n' }))
      .then({ kind: 'IllegalTransition', from: 'none' });
  });
});
