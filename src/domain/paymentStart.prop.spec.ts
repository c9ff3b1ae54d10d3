import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PROVIDERS, type PaymentStatus, type Provider } from './paymentTypes.js';
import { isOpenPayment, planPaymentStart, type ReservationPayment } from './paymentStart.js';

/** A reservation's life as far as its payments go: starts with any provider, and payments ending. */
type Step =
  { readonly kind: 'start'; readonly provider: Provider } | { readonly kind: 'end'; readonly pick: number; readonly to: PaymentStatus };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('start' as const), provider: fc.constantFrom(...PROVIDERS) }),
  fc.record({
    kind: fc.constant('end' as const),
    pick: fc.nat(),
    to: fc.constantFrom<PaymentStatus>('processing', 'failed', 'cancelled'),
  }),
);

/** Plays the steps, naming a created payment by its provider and attempt as the app does. */
function play(steps: readonly Step[]) {
  let payments: ReservationPayment[] = [];
  const answers: { paymentId: string; created: boolean; openBefore: string | undefined }[] = [];
  for (const s of steps) {
    if (s.kind === 'start') {
      const openBefore = payments.find((p) => p.provider === s.provider && isOpenPayment(p.status))?.paymentId;
      const plan = planPaymentStart(payments, s.provider);
      const paymentId = plan.kind === 'join' ? plan.paymentId : `${s.provider}#${plan.attempt}`;
      if (plan.kind === 'create') payments = [...payments, { paymentId, provider: s.provider, status: 'pending' }];
      answers.push({ paymentId, created: plan.kind === 'create', openBefore });
    } else if (payments.length > 0) {
      const target = payments[s.pick % payments.length];
      // failed and cancelled are terminal: only an open payment moves.
      if (target && isOpenPayment(target.status)) {
        payments = payments.map((p) => (p === target ? { ...p, status: s.to } : p));
      }
    }
  }
  return { payments, answers };
}

describe('planPaymentStart', () => {
  test.prop([fc.array(step, { maxLength: 40 })])('leaves at most one open payment per provider', (steps) => {
    const { payments } = play(steps);
    for (const provider of PROVIDERS) {
      expect(payments.filter((p) => p.provider === provider && isOpenPayment(p.status)).length).toBeLessThanOrEqual(1);
    }
  });

  test.prop([fc.array(step, { maxLength: 40 })])('never names a new payment like an earlier one: each attempt is new', (steps) => {
    const { payments } = play(steps);
    expect(new Set(payments.map((p) => p.paymentId)).size).toBe(payments.length);
  });

  test.prop([fc.array(step, { maxLength: 40 })])(
    "answers a start with the provider's open payment, and creates one only when none is open",
    (steps) => {
      for (const answer of play(steps).answers) {
        if (answer.openBefore === undefined) expect(answer.created).toBe(true);
        else expect(answer).toEqual({ paymentId: answer.openBefore, created: false, openBefore: answer.openBefore });
      }
    },
  );
});
