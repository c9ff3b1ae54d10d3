import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isDomainError } from '../../src/domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type PaymentEvent,
  type PaymentSignal,
  type PaymentState,
  type Provider,
  reservationNotPayable,
} from '../../src/domain/payment.js';
import { isOpenPayment } from '../../src/domain/paymentStart.js';
import {
  decideReservation,
  evolveReservation,
  initialReservationState,
  type ReservationCommand,
  type ReservationState,
  seatsNowCommitted,
} from '../../src/domain/reservation.js';

// The payment-waiting rules over random interleavings of a hold, payment starts (claim, then the
// provider's answer recorded), customers paying at the provider, provider signals (webhooks and
// reconciliation), the clock, other customers taking seats, and expiry sweeps that close open
// payments at the provider first. Driven through the pure deciders, wired as the app wires them
// (startPayment, applyProviderEvent, closeOpenPayments, expireHoldCommand).

const BASE = Date.parse('2030-05-01T10:00:00.000Z');
const TTL = 600;
const UNIT = { amount: 4500, currency: 'BRL' };
const SEATS = 2;
const CAPACITY = 3;
const PROVIDERS: readonly Provider[] = ['stripe', 'pix'];

type AtProvider = 'open' | 'succeeded' | 'cancelled';
type Payment = { readonly provider: Provider; ledger: PaymentState; atProvider: AtProvider; recorded: boolean; refundsAsked: number };

type Action =
  | { readonly kind: 'claim'; readonly provider: Provider }
  | { readonly kind: 'record'; readonly n: number }
  | { readonly kind: 'customerPays'; readonly n: number }
  | { readonly kind: 'signal'; readonly n: number }
  | { readonly kind: 'tick'; readonly seconds: number }
  | { readonly kind: 'othersTakeSeats' }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'providersDown'; readonly down: boolean }
  | { readonly kind: 'refundUnpayable' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), provider: fc.constantFrom(...PROVIDERS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('record' as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('customerPays' as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('signal' as const), n: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 900 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'othersTakeSeats' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refundUnpayable' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('providersDown' as const), down: fc.boolean() }) },
);

function run(actions: readonly Action[], graceSeconds: number) {
  let now = BASE;
  const iso = () => new Date(now).toISOString();
  let reservation: ReservationState = initialReservationState;
  let othersSeats = 0;
  const payments: Payment[] = [];
  let expiredAt: number | undefined;
  let providersDown = false;
  let events = 0;

  const current = (): ReservationState => reservation;
  const reserve = (cmd: ReservationCommand) => {
    const decided = decideReservation(cmd, reservation);
    if (isDomainError(decided)) return decided;
    reservation = decided.reduce(evolveReservation, reservation);
    return decided;
  };
  const pay = (payment: Payment, decided: readonly PaymentEvent[]) => {
    payment.ledger = decided.reduce(evolvePayment, payment.ledger);
    payment.refundsAsked += decided.filter((e) => e.type === 'PaymentRefundRequested').length;
  };
  const free = () => {
    const mine = seatsNowCommitted(reservation);
    return CAPACITY - othersSeats - mine.held - mine.sold;
  };
  /** applyProviderEvent: the payment's events, and a success pays the reservation (taking its seats again if it expired) or is an anomaly. */
  const applySignal = (payment: Payment, signal: PaymentSignal, eventId: string) => {
    const decided = decidePayment(
      {
        type: 'ApplyProviderSignal',
        signal,
        providerEventId: eventId,
        source: 'reconciliation',
        now: iso(),
        amount: { ...UNIT, amount: UNIT.amount * SEATS },
      },
      payment.ledger,
    );
    if (isDomainError(decided)) throw new Error(decided.message);
    if (decided.some((e) => e.type === 'PaymentSucceeded')) {
      const seatsRetaken = reservation.status === 'expired' && reservation.seats <= free();
      const paid = reserve({
        type: 'PayReservation',
        paymentId: payment.ledger.status === 'none' ? '' : payment.ledger.paymentId,
        amount: { ...UNIT, amount: UNIT.amount * SEATS },
        now: iso(),
        seatsRetaken,
      });
      if (isDomainError(paid)) {
        const after = decided.reduce(evolvePayment, payment.ledger);
        pay(payment, [
          ...decided,
          reservationNotPayable(after, { providerEventId: eventId, source: 'reconciliation' }, paid.message, undefined, iso()),
        ]);
        return;
      }
    }
    pay(payment, decided);
  };
  const signalOf = (p: Payment): PaymentSignal => (p.atProvider === 'open' ? 'processing' : p.atProvider);

  reserve({
    type: 'PlaceHold',
    reservationId: 'r1',
    slotId: 's1',
    seats: SEATS,
    unitPrice: UNIT,
    customer: { name: 'Ana', email: 'ana@example.com' },
    ownerSub: 'ana',
    now: iso(),
    holdTtlSeconds: TTL,
  });
  const heldUntil = now + TTL * 1000;

  for (const step of actions) {
    switch (step.kind) {
      case 'claim': {
        // startPayment's claim: only a held, unexpired reservation; one open payment per provider.
        if (reservation.status !== 'held' || now >= Date.parse(reservation.expiresAt)) break;
        if (
          payments.some(
            (p) => p.provider === step.provider && (!p.recorded || isOpenPayment(p.ledger.status === 'none' ? 'failed' : p.ledger.status)),
          )
        )
          break;
        const extended = reserve({ type: 'ExtendHoldForPayment', paymentId: `p${payments.length}`, now: iso(), graceSeconds });
        expect(isDomainError(extended)).toBe(false);
        payments.push({ provider: step.provider, ledger: initialPaymentState, atProvider: 'open', recorded: false, refundsAsked: 0 });
        break;
      }
      case 'record': {
        // The provider answered the create: PaymentStarted, whatever the reservation became meanwhile.
        const unrecorded = payments.filter((q) => !q.recorded);
        const p = unrecorded[step.n % Math.max(1, unrecorded.length)];
        if (!p) break;
        const decided = decidePayment(
          {
            type: 'StartPayment',
            paymentId: `p${payments.indexOf(p)}`,
            reservationId: 'r1',
            provider: p.provider,
            amount: { ...UNIT, amount: UNIT.amount * SEATS },
            now: iso(),
          },
          p.ledger,
        );
        if (isDomainError(decided)) throw new Error(decided.message);
        pay(p, decided);
        p.recorded = true;
        break;
      }
      case 'customerPays': {
        const p = payments[step.n % Math.max(1, payments.length)];
        if (p?.atProvider === 'open') p.atProvider = 'succeeded';
        break;
      }
      case 'signal': {
        // A webhook or reconciliation: what the provider says now.
        const p = payments[step.n % Math.max(1, payments.length)];
        if (p?.recorded) applySignal(p, signalOf(p), `${payments.indexOf(p)}:${p.atProvider}`);
        break;
      }
      case 'tick':
        now += step.seconds * 1000;
        break;
      case 'othersTakeSeats':
        othersSeats += Math.max(0, free());
        break;
      case 'sweep': {
        if (reservation.status !== 'held' || now < Date.parse(reservation.expiresAt)) break;
        // closeOpenPayments: cancel at the provider; it answers cancelled, or the success that came first.
        for (const p of payments) {
          // A provider that does not answer closes nothing: the hold waits for the next sweep.
          if (providersDown || !p.recorded || p.ledger.status === 'none' || !isOpenPayment(p.ledger.status)) continue;
          if (p.atProvider === 'open') p.atProvider = 'cancelled';
          applySignal(p, signalOf(p), `${payments.indexOf(p)}:${p.atProvider}`);
        }
        const paymentOpen = payments.some((p) => p.recorded && p.ledger.status !== 'none' && isOpenPayment(p.ledger.status));
        // Read through a call: closing the payments above may have paid it, which narrowing cannot see.
        const before = current();
        const expired = reserve({ type: 'ExpireHold', now: iso(), paymentOpen });
        if (!isDomainError(expired)) {
          expiredAt = now;
          // Never while a payment is open, and never before the grace of a hold extended for one ran out.
          expect(paymentOpen).toBe(false);
          if (before.status === 'held' && before.extendedForPayment !== undefined) {
            expect(now).toBeGreaterThanOrEqual(heldUntil + graceSeconds * 1000);
          }
        }
        break;
      }
      case 'providersDown':
        providersDown = step.down;
        break;
      case 'refundUnpayable': {
        // refundUnpayableSuccesses: each open ReservationNotPayable anomaly resolved by a refund.
        for (const p of payments) {
          if (p.ledger.status === 'none') continue;
          for (const anomaly of p.ledger.openAnomalies.filter((a) => a.kind === 'ReservationNotPayable')) {
            const decided = decidePayment(
              { type: 'ResolveAnomaly', providerEventId: anomaly.providerEventId, action: 'refund', by: 'reconciliation', now: iso() },
              p.ledger,
            );
            if (!isDomainError(decided)) pay(p, decided);
          }
        }
        break;
      }
    }
    events += 1;
    // No seat is both released and paid: the slot never sells or holds more than it has.
    const mine = seatsNowCommitted(reservation);
    expect(othersSeats + mine.held + mine.sold).toBeLessThanOrEqual(CAPACITY);
    // A hold waits at most one grace past its first deadline, however many payments start.
    if (reservation.status === 'held') expect(Date.parse(reservation.expiresAt)).toBeLessThanOrEqual(heldUntil + graceSeconds * 1000);
    // A cancelled payment at the provider took no money; a success the ledger knows about is one the provider has.
    for (const p of payments) if (p.ledger.status === 'succeeded') expect(p.atProvider).toBe('succeeded');
  }
  return { reservation, payments, expiredAt, events };
}

describe('payments that wait for the provider', () => {
  test.prop(
    [fc.array(action, { minLength: 8, maxLength: 40, size: 'large' }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3600 }))],
    { numRuns: 1500 },
  )('no seat is both released and paid, a late success is refunded once, and the hold waits for open payments', (actions, grace) => {
    const { reservation, payments } = run([...actions, { kind: 'refundUnpayable' }, { kind: 'refundUnpayable' }], grace);
    for (const p of payments) {
      if (p.ledger.status === 'none') continue;
      const paidThis = reservation.status === 'paid' && reservation.paymentId === p.ledger.paymentId;
      // Money the reservation could not take is given back, and asked for once however often the sweep runs.
      if (p.ledger.status === 'succeeded' && !paidThis && p.ledger.openAnomalies.length === 0) {
        expect(p.refundsAsked).toBe(1);
      }
      expect(p.refundsAsked).toBeLessThanOrEqual(1);
    }
  });
});
