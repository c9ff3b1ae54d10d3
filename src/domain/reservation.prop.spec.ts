import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { foldEvents } from './decider.js';
import { isDomainError } from './errors.js';
import {
  reservationDecider,
  seatsNowCommitted,
  type ReservationCommand,
  type ReservationState,
  type ReservationStatus,
} from './reservation.js';
import { runCommands } from './testing/run.js';

// Written from the specification, not from reservation.ts: the status each command may lead to.
const allowed: Record<ReservationStatus, Partial<Record<ReservationCommand['type'], ReservationStatus>>> = {
  none: { PlaceHold: 'held' },
  held: { PayReservation: 'paid', ExpireHold: 'expired', ExtendHoldForPayment: 'held', CancelReservation: 'cancelled' },
  expired: { PayReservation: 'paid' },
  paid: { CancelReservation: 'cancelled', ConfirmRefund: 'refunded' },
  cancelled: { ConfirmRefund: 'refunded' },
  refunded: {},
};

const UNIT = { amount: 4500, currency: 'EUR' };
const BASE = Date.parse('2030-05-01T10:00:00.000Z');

type Existing = Exclude<ReservationState, { status: 'none' }>;
const paymentIdOf = (s: ReservationState): string | undefined =>
  s.status === 'paid' || s.status === 'refunded' || s.status === 'cancelled' ? s.paymentId : undefined;
const sameTotal = (s: Existing, m: { amount: number; currency: string }) => m.amount === s.total.amount && m.currency === s.total.currency;

/** Whether the specification accepts the command (with events, or as an idempotent no-op). */
function legal(cmd: ReservationCommand, s: ReservationState): boolean {
  switch (cmd.type) {
    case 'PlaceHold':
      return s.status === 'none' && Number.isInteger(cmd.seats) && cmd.seats > 0;
    case 'PayReservation':
      if (s.status === 'held') return sameTotal(s, cmd.amount);
      if (s.status === 'expired') return cmd.seatsRetaken && sameTotal(s, cmd.amount);
      return s.status === 'paid' && s.paymentId === cmd.paymentId;
    case 'ExpireHold':
      return s.status === 'held' && !cmd.paymentOpen && Date.parse(cmd.now) >= Date.parse(s.expiresAt);
    case 'ExtendHoldForPayment':
      return s.status === 'held' && Date.parse(cmd.now) < Date.parse(s.expiresAt);
    case 'CancelReservation':
      return s.status === 'held' || s.status === 'paid';
    case 'ConfirmRefund':
      if (s.status === 'paid' || s.status === 'refunded') return s.paymentId === cmd.paymentId;
      return s.status === 'cancelled' && s.refundPending && s.paymentId === cmd.paymentId;
    case 'EraseCustomerData':
      return s.status !== 'none';
  }
}

const now = fc.integer({ min: 0, max: 3600 }).map((s) => new Date(BASE + s * 1000).toISOString());
const paymentId = fc.constantFrom('p1', 'p2');

const command: fc.Arbitrary<ReservationCommand> = fc.oneof(
  fc.record({
    type: fc.constant('PlaceHold' as const),
    reservationId: fc.constant('r1'),
    slotId: fc.constant('slot-1'),
    seats: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    unitPrice: fc.constant(UNIT),
    customer: fc.constant({ name: 'Ana', email: 'ana@example.com' }),
    ownerSub: fc.constant('user-1'),
    now,
    holdTtlSeconds: fc.integer({ min: 60, max: 900 }),
  }),
  fc.record({
    type: fc.constant('PayReservation' as const),
    paymentId,
    amount: fc.record({
      amount: fc.integer({ min: 1, max: 4 }).map((n) => n * UNIT.amount),
      currency: fc.oneof({ weight: 5, arbitrary: fc.constant('EUR') }, { weight: 1, arbitrary: fc.constant('USD') }),
    }),
    now,
    seatsRetaken: fc.boolean(),
  }),
  fc.record({ type: fc.constant('ExpireHold' as const), now, paymentOpen: fc.boolean() }),
  fc.record({ type: fc.constant('ExtendHoldForPayment' as const), paymentId, now, graceSeconds: fc.integer({ min: 0, max: 1800 }) }),
  fc.record({ type: fc.constant('CancelReservation' as const), now, by: fc.constant('user-1') }),
  fc.record({ type: fc.constant('ConfirmRefund' as const), paymentId, now }),
  fc.record({ type: fc.constant('EraseCustomerData' as const), now }),
);

describe('reservation decider over random command sequences', () => {
  test.prop([fc.array(command, { maxLength: 25 })], { numRuns: 1000 })('accepts exactly the legal transitions', (cmds) => {
    const run = runCommands(reservationDecider, cmds);
    for (const { command: cmd, before, result, after } of run.steps) {
      expect(Array.isArray(result) || isDomainError(result)).toBe(true);
      expect(Array.isArray(result), `${cmd.type} on ${JSON.stringify(before)}`).toBe(legal(cmd, before));
      if (!Array.isArray(result)) continue;
      if (result.length === 0) {
        expect(after).toStrictEqual(before);
        // A hold is extended once: a second payment start waits for the same deadline.
        if (cmd.type === 'ExtendHoldForPayment') {
          expect(before).toMatchObject({ status: 'held', extendedForPayment: expect.any(String) });
          continue;
        }
        // The other no-ops: the same payment or the same refund delivered again.
        expect(paymentIdOf(before)).toBe((cmd as { paymentId?: string }).paymentId);
        continue;
      }
      expect(result).toHaveLength(1);
      expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
      // Erasing a customer's data changes no status: it only records that their key is gone.
      expect(after.status).toBe(cmd.type === 'EraseCustomerData' ? before.status : allowed[before.status][cmd.type]);
      if (after.status === 'paid') expect(after.total).toEqual({ amount: after.seats * UNIT.amount, currency: 'EUR' });
      if (after.status === 'cancelled' && before.status === 'paid') {
        expect(after).toMatchObject({ refundPending: true, paymentId: before.paymentId });
      }
    }
    for (const { after } of run.steps) {
      const committed = seatsNowCommitted(after);
      const seats = after.status === 'none' ? 0 : after.seats;
      expect(committed.held + committed.sold).toBeLessThanOrEqual(seats);
      expect(committed.held > 0).toBe(after.status === 'held');
      expect(committed.sold > 0).toBe(after.status === 'paid');
    }
    expect(foldEvents(reservationDecider.evolve, reservationDecider.initialState, run.events)).toStrictEqual(run.final);
  });
});
