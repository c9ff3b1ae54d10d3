import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isDomainError } from './errors.js';
import { decideSlot, evolveSlot, initialSlotState, type SlotCommand, type SlotState } from './slot.js';

// Several customers (and a desk clerk, who has no allowance) hold, let expire, cancel and pay for
// seats of one slot. Each hold is decided as holdSeats decides it: with what the customer holds at
// that moment (their held, unpaid reservations) as the allowance's fact.
const MAX_PER_CUSTOMER = 5;
const CAPACITY = 12;
const STARTS_AT = '2030-06-01T09:00:00.000Z';
const BEFORE = '2030-06-01T08:59:59.999Z';
const AFTER = '2030-06-01T09:00:00.000Z';

type Holder = 'ana' | 'bruno' | 'chen' | 'desk';
type Reservation = { readonly holder: Holder; readonly seats: number; status: 'held' | 'paid' | 'expired' | 'cancelled' };

type Step =
  | { readonly type: 'hold'; readonly holder: Holder; readonly seats: number; readonly departed: boolean }
  | { readonly type: 'expire' | 'cancel' | 'pay'; readonly pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('hold' as const),
      holder: fc.constantFrom<Holder>('ana', 'bruno', 'chen', 'desk'),
      seats: fc.integer({ min: 1, max: 7 }),
      departed: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constantFrom('expire' as const, 'cancel' as const, 'pay' as const), pick: fc.nat() }) },
);

function decided(command: SlotCommand, state: SlotState): SlotState {
  const events = decideSlot(command, state);
  if (isDomainError(events)) throw new Error(`${command.type} refused: ${events.message}`);
  return events.reduce(evolveSlot, state);
}

const heldBy = (reservations: readonly Reservation[], holder: Holder) =>
  reservations.filter((r) => r.holder === holder && r.status === 'held').reduce((sum, r) => sum + r.seats, 0);

describe('hold allowance over random holds, expiries, cancellations and payments of several customers', () => {
  test.prop([fc.array(step, { maxLength: 60 })], { numRuns: 600 })(
    'no customer ever holds more unpaid seats than the allowance, the slot is never overbooked, and only the rules refuse',
    (steps) => {
      let slot = decided(
        {
          type: 'DefineSlot',
          slotId: 's',
          activityId: 'a',
          startsAt: STARTS_AT,
          capacity: CAPACITY,
          unitPrice: { amount: 100, currency: 'EUR' },
        },
        initialSlotState,
      );
      const reservations: Reservation[] = [];
      for (const [index, s] of steps.entries()) {
        if (slot.status !== 'open') throw new Error('the slot was defined');
        if (s.type === 'hold') {
          const already = heldBy(reservations, s.holder);
          const allowance = s.holder === 'desk' ? null : { heldByCustomer: already, maxSeatsPerCustomer: MAX_PER_CUSTOMER };
          const now = s.departed ? AFTER : BEFORE;
          const result = decideSlot({ type: 'HoldSeats', reservationId: `r${index}`, seats: s.seats, now, allowance }, slot);
          const free = slot.capacity - slot.held - slot.sold;
          // Written from the rules, not from slot.ts: closed, then full, then the customer's allowance.
          const expected = s.departed
            ? 'SlotClosed'
            : s.seats > free
              ? 'SlotFull'
              : allowance !== null && already + s.seats > MAX_PER_CUSTOMER
                ? 'HoldLimitReached'
                : 'held';
          if (isDomainError(result)) {
            expect(result.kind).toBe(expected);
          } else {
            expect(expected).toBe('held');
            slot = result.reduce(evolveSlot, slot);
            reservations.push({ holder: s.holder, seats: s.seats, status: 'held' });
          }
        } else {
          const open = reservations.filter((r) => r.status === 'held');
          const target = open[s.pick % Math.max(open.length, 1)];
          if (target !== undefined) {
            const reservationId = `r${reservations.indexOf(target)}`;
            if (s.type === 'pay') {
              slot = decided({ type: 'SellHeldSeats', reservationId, seats: target.seats }, slot);
              target.status = 'paid';
            } else {
              const reason = s.type === 'expire' ? 'expired' : 'cancelled';
              slot = decided({ type: 'ReleaseHeldSeats', reservationId, seats: target.seats, reason }, slot);
              target.status = reason;
            }
          }
        }
        if (slot.status !== 'open') throw new Error('the slot stays defined');
        for (const customer of ['ana', 'bruno', 'chen'] as const) {
          expect(heldBy(reservations, customer)).toBeLessThanOrEqual(MAX_PER_CUSTOMER);
        }
        expect(slot.held + slot.sold).toBeLessThanOrEqual(slot.capacity);
        const occupied = reservations.filter((r) => r.status === 'held' || r.status === 'paid');
        expect(slot.held).toBe(occupied.filter((r) => r.status === 'held').reduce((sum, r) => sum + r.seats, 0));
        expect(slot.sold).toBe(occupied.filter((r) => r.status === 'paid').reduce((sum, r) => sum + r.seats, 0));
      }
    },
  );
});
