import { describe, expect, it } from 'vitest';
import { availableSeats, slotDecider, type DefineSlot, type HoldSeats, type SlotEvent } from './slot.js';
import { specFor } from './testing/spec.js';

const given = specFor(slotDecider);

const EUR = { amount: 4500, currency: 'EUR' };
const define: DefineSlot = {
  type: 'DefineSlot',
  slotId: 'slot-1',
  activityId: 'kayak',
  startsAt: '2030-06-01T09:00:00.000Z',
  capacity: 10,
  unitPrice: EUR,
};
const defined: SlotEvent = {
  type: 'SlotDefined',
  data: { slotId: 'slot-1', activityId: 'kayak', startsAt: '2030-06-01T09:00:00.000Z', capacity: 10, unitPrice: EUR },
};
const held = (seats: number, reservationId = 'r1'): SlotEvent => ({ type: 'SeatsHeld', data: { reservationId, seats } });
/** An hour before the departure (2030-06-01T09:00Z). */
const BEFORE_DEPARTURE = '2030-06-01T08:00:00.000Z';
const hold = (seats: number, reservationId = 'r1', patch: Partial<HoldSeats> = {}): HoldSeats => ({
  type: 'HoldSeats',
  reservationId,
  seats,
  now: BEFORE_DEPARTURE,
  allowance: null,
  ...patch,
});
const sold = (seats: number, reservationId = 'r1'): SlotEvent => ({
  type: 'SeatsSoldDirectly',
  data: { reservationId, seats },
});

describe('slot: DefineSlot', () => {
  it('defines a new slot with no seats taken', () => {
    const state = given([]).when(define).then([defined]);
    expect(state).toEqual({
      status: 'open',
      ...defined.data,
      held: 0,
      sold: 0,
      departure: 'open',
      panelBookings: {},
      releasedPanelBookings: [],
    });
    expect(availableSeats(state)).toBe(10);
  });

  it('changes nothing when the same details arrive again (an idempotent PUT)', () => {
    given([defined]).when(define).then([]);
  });

  it('compares startsAt as an instant, not as text', () => {
    given([defined])
      .when({ ...define, startsAt: '2030-06-01T11:00:00+02:00' })
      .then([]);
  });

  it('records changed details', () => {
    const changed = { ...define, capacity: 12, unitPrice: { amount: 5000, currency: 'EUR' } };
    const state = given([defined, held(3)])
      .when(changed)
      .then([
        {
          type: 'SlotDetailsChanged',
          data: { activityId: 'kayak', startsAt: define.startsAt, capacity: 12, unitPrice: { amount: 5000, currency: 'EUR' } },
        },
      ]);
    expect(state).toMatchObject({ capacity: 12, held: 3, sold: 0, unitPrice: { amount: 5000 } });
  });

  it('refuses a capacity below the seats held and sold', () => {
    given([defined, held(3), sold(4, 'r2')])
      .when({ ...define, capacity: 6 })
      .then({ kind: 'CapacityBelowCommitted', capacity: 6, committed: 7 });
  });

  it('accepts a capacity exactly equal to the seats held and sold', () => {
    const state = given([defined, held(3), sold(4, 'r2')])
      .when({ ...define, capacity: 7 })
      .then([{ type: 'SlotDetailsChanged', data: { activityId: 'kayak', startsAt: define.startsAt, capacity: 7, unitPrice: EUR } }]);
    expect(availableSeats(state)).toBe(0);
  });

  it('refuses a currency change while seats are held or sold', () => {
    given([defined, held(1)])
      .when({ ...define, unitPrice: { amount: 4500, currency: 'USD' } })
      .then({ kind: 'IllegalTransition', aggregate: 'slot', from: 'open', command: 'DefineSlot' });
  });

  it('allows a currency change while no seat is taken', () => {
    given([defined])
      .when({ ...define, unitPrice: { amount: 5000, currency: 'USD' } })
      .then([
        {
          type: 'SlotDetailsChanged',
          data: { activityId: 'kayak', startsAt: define.startsAt, capacity: 10, unitPrice: { amount: 5000, currency: 'USD' } },
        },
      ]);
  });

  it('refuses to redefine a slot under another id', () => {
    given([defined])
      .when({ ...define, slotId: 'slot-2' })
      .then('InvalidCommand');
  });

  it.each([
    ['a negative capacity', { capacity: -1 }],
    ['a fractional capacity', { capacity: 2.5 }],
    ['a fractional price', { unitPrice: { amount: 45.5, currency: 'EUR' } }],
    ['a negative price', { unitPrice: { amount: -1, currency: 'EUR' } }],
    ['a lower-case currency', { unitPrice: { amount: 4500, currency: 'eur' } }],
    ['a startsAt that is not an instant', { startsAt: '2030-06-01' }],
    ['an impossible date', { startsAt: '2030-02-30T09:00:00Z' }],
    ['an empty activity', { activityId: '' }],
    ['an empty slot id', { slotId: ' ' }],
  ])('refuses %s', (_name, patch) => {
    given([])
      .when({ ...define, ...patch })
      .then('InvalidCommand');
  });

  it('accepts a capacity of zero (a slot closed for sale)', () => {
    const state = given([])
      .when({ ...define, capacity: 0 })
      .then([{ ...defined, data: { ...defined.data, capacity: 0 } }]);
    expect(availableSeats(state)).toBe(0);
  });
});

describe('slot: seats', () => {
  it.each([
    ['HoldSeats', hold(1)],
    ['ReleaseHeldSeats', { type: 'ReleaseHeldSeats', reservationId: 'r1', seats: 1, reason: 'expired' }],
    ['SellHeldSeats', { type: 'SellHeldSeats', reservationId: 'r1', seats: 1 }],
    ['SellSeatsDirectly', { type: 'SellSeatsDirectly', reservationId: 'r1', seats: 1 }],
    ['ReleaseSoldSeats', { type: 'ReleaseSoldSeats', reservationId: 'r1', seats: 1, reason: 'cancelled' }],
  ] as const)('refuses %s on a slot that was never defined', (command, cmd) => {
    given([]).when(cmd).then({ kind: 'IllegalTransition', aggregate: 'slot', from: 'none', command });
  });

  it('holds free seats', () => {
    const state = given([defined])
      .when(hold(4))
      .then([held(4)]);
    expect(state).toMatchObject({ held: 4, sold: 0 });
    expect(availableSeats(state)).toBe(6);
  });

  it('holds the very last seats', () => {
    given([defined, held(7)])
      .when(hold(3, 'r2'))
      .then([held(3, 'r2')]);
  });

  it('refuses a hold beyond the free seats, saying how many are free', () => {
    given([defined, held(4), sold(3, 'r2')])
      .when(hold(4, 'r3'))
      .then({ kind: 'SlotFull', requested: 4, available: 3 });
  });

  it.each([0, -2, 1.5, Number.NaN])('refuses to hold %s seats', (seats) => {
    given([defined]).when(hold(seats)).then('InvalidCommand');
  });

  it('refuses a hold without a reservation id', () => {
    given([defined]).when(hold(1, '')).then('InvalidCommand');
  });

  it.each([
    ['at the departure', '2030-06-01T09:00:00.000Z'],
    ['at the departure, written with another offset', '2030-06-01T11:00:00+02:00'],
    ['after the departure', '2030-06-02T00:00:00.000Z'],
  ])('refuses a hold %s: the slot is closed', (_name, now) => {
    given([defined])
      .when(hold(1, 'r1', { now }))
      .then({ kind: 'SlotClosed', startsAt: '2030-06-01T09:00:00.000Z' });
  });

  it('takes a hold up to the last millisecond before the departure', () => {
    given([defined])
      .when(hold(1, 'r1', { now: '2030-06-01T08:59:59.999Z' }))
      .then([held(1)]);
  });

  it('refuses a hold without a valid now', () => {
    given([defined])
      .when(hold(1, 'r1', { now: 'soon' }))
      .then('InvalidCommand');
  });

  it('holds up to the customer allowance, counting what they already hold', () => {
    given([defined, held(3, 'r0')])
      .when(hold(2, 'r1', { allowance: { heldByCustomer: 3, maxSeatsPerCustomer: 5 } }))
      .then([held(2)]);
  });

  it('refuses a hold that would take the customer past their allowance, saying what they hold', () => {
    given([defined, held(3, 'r0')])
      .when(hold(3, 'r1', { allowance: { heldByCustomer: 3, maxSeatsPerCustomer: 5 } }))
      .then({ kind: 'HoldLimitReached', requested: 3, alreadyHeld: 3, maxSeats: 5 });
  });

  it('refuses a single hold larger than the allowance', () => {
    given([defined])
      .when(hold(6, 'r1', { allowance: { heldByCustomer: 0, maxSeatsPerCustomer: 5 } }))
      .then({ kind: 'HoldLimitReached', requested: 6, alreadyHeld: 0, maxSeats: 5 });
  });

  it('applies no allowance to a hold without one (a desk booking by staff)', () => {
    given([defined])
      .when(hold(10))
      .then([held(10)]);
  });

  it('says the slot is full before the allowance when both refuse', () => {
    given([defined, held(9, 'r0')])
      .when(hold(2, 'r1', { allowance: { heldByCustomer: 4, maxSeatsPerCustomer: 5 } }))
      .then({ kind: 'SlotFull', requested: 2, available: 1 });
  });

  it('says the slot is closed before anything else', () => {
    given([defined, held(10, 'r0')])
      .when(hold(2, 'r1', { now: '2030-07-01T00:00:00Z', allowance: { heldByCustomer: 5, maxSeatsPerCustomer: 5 } }))
      .then({ kind: 'SlotClosed', startsAt: '2030-06-01T09:00:00.000Z' });
  });

  it.each([
    ['a negative count held', { heldByCustomer: -1, maxSeatsPerCustomer: 5 }],
    ['a fractional count held', { heldByCustomer: 1.5, maxSeatsPerCustomer: 5 }],
    ['an allowance of zero', { heldByCustomer: 0, maxSeatsPerCustomer: 0 }],
  ])('refuses an allowance with %s', (_name, allowance) => {
    given([defined])
      .when(hold(1, 'r1', { allowance }))
      .then('InvalidCommand');
  });

  it('releases held seats when a hold expires or is cancelled', () => {
    const state = given([defined, held(4)])
      .when({ type: 'ReleaseHeldSeats', reservationId: 'r1', seats: 4, reason: 'expired' })
      .then([{ type: 'HeldSeatsReleased', data: { reservationId: 'r1', seats: 4, reason: 'expired' } }]);
    expect(state).toMatchObject({ held: 0, sold: 0 });
    given([defined, held(4)])
      .when({ type: 'ReleaseHeldSeats', reservationId: 'r1', seats: 2, reason: 'cancelled' })
      .then([{ type: 'HeldSeatsReleased', data: { reservationId: 'r1', seats: 2, reason: 'cancelled' } }]);
  });

  it('refuses to release more seats than are held', () => {
    given([defined, held(2), sold(5, 'r2')])
      .when({ type: 'ReleaseHeldSeats', reservationId: 'r1', seats: 3, reason: 'expired' })
      .then({ kind: 'IllegalTransition', from: 'open', command: 'ReleaseHeldSeats' });
  });

  it('sells held seats', () => {
    const state = given([defined, held(4)])
      .when({ type: 'SellHeldSeats', reservationId: 'r1', seats: 4 })
      .then([{ type: 'HeldSeatsSold', data: { reservationId: 'r1', seats: 4 } }]);
    expect(state).toMatchObject({ held: 0, sold: 4 });
    expect(availableSeats(state)).toBe(6);
  });

  it('refuses to sell more seats than are held', () => {
    given([defined, held(1)])
      .when({ type: 'SellHeldSeats', reservationId: 'r1', seats: 2 })
      .then({ kind: 'IllegalTransition', command: 'SellHeldSeats' });
  });

  it('sells free seats directly when a late success retakes them', () => {
    const state = given([
      defined,
      held(2),
      held(1, 'r1'),
      { type: 'HeldSeatsReleased', data: { reservationId: 'r1', seats: 1, reason: 'expired' } },
    ])
      .when({ type: 'SellSeatsDirectly', reservationId: 'r1', seats: 1 })
      .then([sold(1)]);
    expect(state).toMatchObject({ held: 2, sold: 1 });
  });

  it('refuses a direct sale beyond the free seats', () => {
    given([defined, held(9)])
      .when({ type: 'SellSeatsDirectly', reservationId: 'r1', seats: 2 })
      .then({ kind: 'SlotFull', requested: 2, available: 1 });
  });

  it('releases sold seats on a cancel or a refund', () => {
    const state = given([defined, sold(5)])
      .when({ type: 'ReleaseSoldSeats', reservationId: 'r1', seats: 5, reason: 'refunded' })
      .then([{ type: 'SoldSeatsReleased', data: { reservationId: 'r1', seats: 5, reason: 'refunded' } }]);
    expect(state).toMatchObject({ held: 0, sold: 0 });
  });

  it('refuses to release more seats than are sold', () => {
    given([defined, held(5), sold(1)])
      .when({ type: 'ReleaseSoldSeats', reservationId: 'r1', seats: 2, reason: 'cancelled' })
      .then({ kind: 'IllegalTransition', command: 'ReleaseSoldSeats' });
  });

  it('reports no free seats for a slot that does not exist', () => {
    expect(availableSeats(slotDecider.initialState)).toBe(0);
  });
});

describe('slot: the activity panel (ADR 0046)', () => {
  const taken = (bookingId: string, seats: number): SlotEvent => ({ type: 'PanelBookingTaken', data: { bookingId, seats } });

  it('takes a panel booking past the capacity, and shows 0 available, never a negative number', () => {
    const state = given([defined, held(9)])
      .when({ type: 'TakePanelBooking', bookingId: 'desk-1', seats: 3 })
      .then([taken('desk-1', 3)]);
    expect(availableSeats(state)).toBe(0);
  });

  it("a ledger release of sold seats cannot give back a panel booking's seats; only its cancellation does", () => {
    given([defined, taken('desk-1', 2)])
      .when({ type: 'ReleaseSoldSeats', reservationId: 'r1', seats: 1, reason: 'cancelled' })
      .then({ kind: 'IllegalTransition' });
    given([defined, taken('desk-1', 2)])
      .when({ type: 'ReleasePanelBooking', bookingId: 'desk-1' })
      .then([{ type: 'PanelBookingReleased', data: { bookingId: 'desk-1', seats: 2 } }]);
  });

  it('a closed departure refuses holds with SlotClosed; a cancelled booking is not taken again', () => {
    given([defined, { type: 'DepartureStatusChanged', data: { status: 'closed' } }])
      .when(hold(1))
      .then({ kind: 'SlotClosed' });
    given([defined, taken('desk-1', 2), { type: 'PanelBookingReleased', data: { bookingId: 'desk-1', seats: 2 } }])
      .when({ type: 'TakePanelBooking', bookingId: 'desk-1', seats: 2 })
      .then([]);
  });
});
