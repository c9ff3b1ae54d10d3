import { describe, expect, it } from 'vitest';
import { availableSeats, slotDecider, type DefineSlot, type SlotEvent } from './slot.js';
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
const sold = (seats: number, reservationId = 'r1'): SlotEvent => ({
  type: 'SeatsSoldDirectly',
  data: { reservationId, seats },
});

describe('slot: DefineSlot', () => {
  it('defines a new slot with no seats taken', () => {
    const state = given([]).when(define).then([defined]);
    expect(state).toEqual({ status: 'open', ...defined.data, held: 0, sold: 0 });
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
    ['HoldSeats', { type: 'HoldSeats', reservationId: 'r1', seats: 1 }],
    ['ReleaseHeldSeats', { type: 'ReleaseHeldSeats', reservationId: 'r1', seats: 1, reason: 'expired' }],
    ['SellHeldSeats', { type: 'SellHeldSeats', reservationId: 'r1', seats: 1 }],
    ['SellSeatsDirectly', { type: 'SellSeatsDirectly', reservationId: 'r1', seats: 1 }],
    ['ReleaseSoldSeats', { type: 'ReleaseSoldSeats', reservationId: 'r1', seats: 1, reason: 'cancelled' }],
  ] as const)('refuses %s on a slot that was never defined', (command, cmd) => {
    given([]).when(cmd).then({ kind: 'IllegalTransition', aggregate: 'slot', from: 'none', command });
  });

  it('holds free seats', () => {
    const state = given([defined])
      .when({ type: 'HoldSeats', reservationId: 'r1', seats: 4 })
      .then([held(4)]);
    expect(state).toMatchObject({ held: 4, sold: 0 });
    expect(availableSeats(state)).toBe(6);
  });

  it('holds the very last seats', () => {
    given([defined, held(7)])
      .when({ type: 'HoldSeats', reservationId: 'r2', seats: 3 })
      .then([held(3, 'r2')]);
  });

  it('refuses a hold beyond the free seats, saying how many are free', () => {
    given([defined, held(4), sold(3, 'r2')])
      .when({ type: 'HoldSeats', reservationId: 'r3', seats: 4 })
      .then({ kind: 'SlotFull', requested: 4, available: 3 });
  });

  it.each([0, -2, 1.5, Number.NaN])('refuses to hold %s seats', (seats) => {
    given([defined]).when({ type: 'HoldSeats', reservationId: 'r1', seats }).then('InvalidCommand');
  });

  it('refuses a hold without a reservation id', () => {
    given([defined]).when({ type: 'HoldSeats', reservationId: '', seats: 1 }).then('InvalidCommand');
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
