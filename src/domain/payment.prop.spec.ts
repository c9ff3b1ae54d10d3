import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { foldEvents } from './decider.js';
import { isDomainError } from './errors.js';
import { paymentDecider, type PaymentCommand, type PaymentSignal, type PaymentStatus } from './payment.js';
import { runCommands } from './testing/run.js';

// Written from the contract (API.md, DESIGN.md), not from payment.ts: the statuses a payment may
// move to in one step. failed and cancelled are terminal; refunded has nothing after it.
const next: Record<PaymentStatus, readonly PaymentStatus[]> = {
  none: ['none', 'pending'],
  pending: ['pending', 'processing', 'succeeded', 'failed', 'cancelled'],
  processing: ['processing', 'pending', 'succeeded', 'failed', 'cancelled'],
  succeeded: ['succeeded', 'refunded', 'disputed'],
  disputed: ['disputed', 'refunded'],
  refunded: ['refunded'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};

const AMOUNT = { amount: 9000, currency: 'EUR' };
const BASE = Date.parse('2030-05-01T10:00:00.000Z');
const SIGNALS: PaymentSignal[] = ['processing', 'succeeded', 'declined', 'failed', 'cancelled', 'refunded', 'disputed'];

const now = fc.integer({ min: 0, max: 86_400 }).map((s) => new Date(BASE + s * 1000).toISOString());

// A few ids recur, so anomalies get resolved (and resolved twice, or never recorded) in the same run.
const providerEventId = fc.oneof(
  fc.constantFrom('evt_a', 'evt_b', 'evt_c'),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => `evt_${s}`),
);

const command: fc.Arbitrary<PaymentCommand> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record(
      {
        type: fc.constant('StartPayment' as const),
        paymentId: fc.constant('p1'),
        reservationId: fc.constant('r1'),
        provider: fc.constantFrom('stripe' as const, 'mercadopago' as const, 'pix' as const),
        amount: fc.constant(AMOUNT),
        providerPaymentId: fc.constantFrom('pi_1', '1234'),
        now,
      },
      { requiredKeys: ['type', 'paymentId', 'reservationId', 'provider', 'amount', 'now'] },
    ),
  },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        type: fc.constant('ApplyProviderSignal' as const),
        signal: fc.constantFrom(...SIGNALS),
        providerEventId,
        source: fc.constantFrom('webhook' as const, 'reconciliation' as const),
        amount: fc.oneof(
          { weight: 6, arbitrary: fc.constant(AMOUNT) },
          { weight: 1, arbitrary: fc.constant({ amount: 4500, currency: 'EUR' }) },
          { weight: 1, arbitrary: fc.constant({ amount: 9000, currency: 'BRL' }) },
        ),
        reason: fc.constantFrom('card_declined', 'cc_rejected_other_reason'),
        providerPaymentId: fc.constantFrom('pi_1', '1234'),
        now,
      },
      { requiredKeys: ['type', 'signal', 'providerEventId', 'source', 'now'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RequestRefund' as const), now, by: fc.constant('user-1') }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        type: fc.constant('ResolveAnomaly' as const),
        providerEventId,
        action: fc.constantFrom('refund' as const, 'dismiss' as const),
        note: fc.constantFrom('refunded in the Stripe dashboard', 'customer paid twice'),
        by: fc.constant('admin-1'),
        now,
      },
      { requiredKeys: ['type', 'providerEventId', 'action', 'by', 'now'] },
    ),
  },
);

const sameAmount = (m: { amount: number; currency: string } | undefined) => m?.amount === AMOUNT.amount && m.currency === AMOUNT.currency;

describe('payment decider over random command sequences', () => {
  test.prop([fc.array(command, { maxLength: 30 })], { numRuns: 1000 })(
    'never takes an illegal transition and never un-fails a payment',
    (cmds) => {
      const run = runCommands(paymentDecider, cmds);
      let endedAs: PaymentStatus | undefined;
      for (const { command: cmd, before, result, after } of run.steps) {
        expect(Array.isArray(result) || isDomainError(result)).toBe(true);
        expect(next[before.status]).toContain(after.status);

        if (cmd.type === 'ApplyProviderSignal') {
          // A webhook is always acknowledged: only a payment we never started refuses it.
          expect(isDomainError(result)).toBe(before.status === 'none');
        }
        if (Array.isArray(result)) {
          if (cmd.type !== 'ResolveAnomaly') expect(result.length).toBeLessThanOrEqual(1);
          expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
          for (const event of result) {
            if (cmd.type === 'ApplyProviderSignal') {
              expect(event.data).toMatchObject({ providerEventId: cmd.providerEventId, source: cmd.source });
            }
            if (event.type === 'PaymentSucceeded') {
              expect(endedAs).toBeUndefined();
              expect(cmd).toMatchObject({ type: 'ApplyProviderSignal', signal: 'succeeded' });
              expect(sameAmount((cmd as { amount?: { amount: number; currency: string } }).amount)).toBe(true);
              expect(['pending', 'processing']).toContain(before.status);
            }
            if (event.type === 'PaymentAnomalyRecorded') {
              // The status and facts stay; only the to-do list grows by this anomaly.
              expect({ ...after, openAnomalies: [] }).toStrictEqual({ ...before, openAnomalies: [] });
              if (before.status !== 'none' && after.status !== 'none') {
                expect(after.openAnomalies).toStrictEqual([
                  ...before.openAnomalies,
                  { providerEventId: event.data.providerEventId, kind: event.data.anomaly },
                ]);
              }
            }
          }
        }
        if (endedAs !== undefined) expect(after.status).toBe(endedAs);
        if (after.status === 'failed' || after.status === 'cancelled') endedAs ??= after.status;
        if (before.status === 'refunded') expect(after.status).toBe('refunded');
      }
      expect(run.events.filter((e) => e.type === 'PaymentStarted')).toHaveLength(run.final.status === 'none' ? 0 : 1);
      expect(foldEvents(paymentDecider.evolve, paymentDecider.initialState, run.events)).toStrictEqual(run.final);
    },
  );

  test.prop([fc.array(command, { maxLength: 40 })], { numRuns: 1000 })(
    'an anomaly is resolved only while open, once, without moving the payment; a refund only of money it holds',
    (cmds) => {
      const run = runCommands(paymentDecider, cmds);
      for (const { command: cmd, before, result, after } of run.steps) {
        if (cmd.type !== 'ResolveAnomaly') continue;
        const wasOpen = before.status !== 'none' && before.openAnomalies.some((a) => a.providerEventId === cmd.providerEventId);
        const refundable = cmd.action === 'dismiss' || before.status === 'succeeded';
        const explained = cmd.action === 'refund' || cmd.note !== undefined;
        expect(isDomainError(result)).toBe(!(wasOpen && refundable && explained));
        if (isDomainError(result)) {
          expect(after).toStrictEqual(before);
          continue;
        }
        expect(after.status).toBe(before.status);
        if (after.status !== 'none') expect(after.openAnomalies.some((a) => a.providerEventId === cmd.providerEventId)).toBe(false);
        const types = result.map((event) => event.type);
        expect(types[types.length - 1]).toBe('PaymentAnomalyResolved');
        const askedBefore = before.status === 'succeeded' && before.refundRequested;
        expect(types.includes('PaymentRefundRequested')).toBe(cmd.action === 'refund' && !askedBefore);
        if (cmd.action === 'refund') expect(after).toMatchObject({ status: 'succeeded', refundRequested: true });
      }
    },
  );

  test.prop([fc.array(command, { maxLength: 30 })], { numRuns: 300 })(
    'a success after failed or cancelled is always recorded as an anomaly',
    (cmds) => {
      const run = runCommands(paymentDecider, cmds);
      for (const { command: cmd, before, result } of run.steps) {
        if (cmd.type !== 'ApplyProviderSignal' || cmd.signal !== 'succeeded') continue;
        if (before.status !== 'failed' && before.status !== 'cancelled') continue;
        // An event about another provider payment than this one's is that anomaly instead, whatever its state.
        const otherPayment =
          cmd.providerPaymentId !== undefined &&
          before.providerPaymentId !== undefined &&
          cmd.providerPaymentId !== before.providerPaymentId;
        const anomaly = otherPayment ? 'ProviderPaymentMismatch' : 'SuccessAfterTerminal';
        expect(result).toMatchObject([{ type: 'PaymentAnomalyRecorded', data: { anomaly } }]);
      }
    },
  );
});
