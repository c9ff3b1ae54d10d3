import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { foldEvents } from './decider.js';
import { isDomainError } from './errors.js';
import { slotDecider, type SlotCommand, type SlotEvent, type SlotState } from './slot.js';
import { runCommands } from './testing/run.js';

// Written from the specification, not from slot.ts: which events each command may produce in each
// state, and what each event does to the seat counts.
const allowed: Record<SlotState['status'], Partial<Record<SlotCommand['type'], SlotEvent['type']>>> = {
  none: { DefineSlot: 'SlotDefined' },
  open: {
    DefineSlot: 'SlotDetailsChanged',
    HoldSeats: 'SeatsHeld',
    ReleaseHeldSeats: 'HeldSeatsReleased',
    SellHeldSeats: 'HeldSeatsSold',
    SellSeatsDirectly: 'SeatsSoldDirectly',
    ReleaseSoldSeats: 'SoldSeatsReleased',
  },
};
const seatDelta: Record<Exclude<SlotEvent['type'], 'SlotDefined' | 'SlotDetailsChanged'>, { held: number; sold: number }> = {
  SeatsHeld: { held: 1, sold: 0 },
  HeldSeatsReleased: { held: -1, sold: 0 },
  HeldSeatsSold: { held: -1, sold: 1 },
  SeatsSoldDirectly: { held: 0, sold: 1 },
  SoldSeatsReleased: { held: 0, sold: -1 },
  PanelBookingTaken: { held: 0, sold: 1 },
  PanelBookingReleased: { held: 0, sold: -1 },
  DepartureStatusChanged: { held: 0, sold: 0 },
};

type Counts = { capacity: number; held: number; sold: number };
const countsOf = (s: SlotState): Counts =>
  s.status === 'open' ? { capacity: s.capacity, held: s.held, sold: s.sold } : { capacity: 0, held: 0, sold: 0 };

/** Whether the specification lets the command through (valid input and enough seats). */
function legal(cmd: SlotCommand, s: SlotState): boolean {
  const c = countsOf(s);
  if (cmd.type === 'DefineSlot') {
    const valid =
      Number.isInteger(cmd.capacity) && cmd.capacity >= 0 && Number.isInteger(cmd.unitPrice.amount) && cmd.unitPrice.amount >= 0;
    if (!valid || s.status === 'none') return valid;
    const committed = c.held + c.sold;
    const currencyOk = committed === 0 || cmd.unitPrice.currency === s.unitPrice.currency;
    return cmd.slotId === s.slotId && currencyOk && cmd.capacity >= committed;
  }
  // The panel's commands have their own properties (slotPanel.prop.spec.ts); none is generated here.
  if (cmd.type === 'SyncDeparture' || cmd.type === 'TakePanelBooking' || cmd.type === 'ReleasePanelBooking') return false;
  if (s.status === 'none' || !Number.isInteger(cmd.seats) || cmd.seats <= 0 || cmd.reservationId === '') return false;
  const free = c.capacity - c.held - c.sold;
  switch (cmd.type) {
    case 'HoldSeats': {
      const { allowance } = cmd;
      const open = Date.parse(cmd.now) < Date.parse(s.startsAt);
      return open && cmd.seats <= free && (allowance === null || allowance.heldByCustomer + cmd.seats <= allowance.maxSeatsPerCustomer);
    }
    case 'SellSeatsDirectly':
      return cmd.seats <= free;
    case 'ReleaseHeldSeats':
    case 'SellHeldSeats':
      return cmd.seats <= c.held;
    case 'ReleaseSoldSeats':
      return cmd.seats <= c.sold;
  }
}

const seats = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) });
const reservationId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('r1', 'r2', 'r3') }, { weight: 1, arbitrary: fc.constant('') });

const defineSlot: fc.Arbitrary<SlotCommand> = fc.record({
  type: fc.constant('DefineSlot' as const),
  slotId: fc.oneof({ weight: 9, arbitrary: fc.constant('slot-1') }, { weight: 1, arbitrary: fc.constant('slot-2') }),
  activityId: fc.constantFrom('kayak', 'hike'),
  startsAt: fc.constantFrom('2030-06-01T09:00:00.000Z', '2030-06-01T11:00:00+02:00', '2030-06-02T09:00:00Z'),
  capacity: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 14 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 2.5) }),
  unitPrice: fc.record({
    amount: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 4500, 5000) }, { weight: 1, arbitrary: fc.constant(12.5) }),
    currency: fc.constantFrom('EUR', 'USD'),
  }),
});

const seatCommand: fc.Arbitrary<SlotCommand> = fc.oneof(
  fc.record({
    type: fc.constant('HoldSeats' as const),
    reservationId,
    seats,
    // The departures are 2030-06-01T09:00Z and 2030-06-02T09:00Z: before, at, between and after them.
    now: fc.constantFrom('2030-05-01T00:00:00Z', '2030-06-01T09:00:00Z', '2030-06-01T12:00:00+02:00', '2030-06-03T00:00:00Z'),
    allowance: fc.option(fc.record({ heldByCustomer: fc.nat({ max: 8 }), maxSeatsPerCustomer: fc.integer({ min: 1, max: 8 }) })),
  }),
  fc.record({
    type: fc.constant('ReleaseHeldSeats' as const),
    reservationId,
    seats,
    reason: fc.constantFrom('expired' as const, 'cancelled' as const),
  }),
  fc.record({ type: fc.constant('SellHeldSeats' as const), reservationId, seats }),
  fc.record({ type: fc.constant('SellSeatsDirectly' as const), reservationId, seats }),
  fc.record({
    type: fc.constant('ReleaseSoldSeats' as const),
    reservationId,
    seats,
    reason: fc.constantFrom('cancelled' as const, 'refunded' as const),
  }),
);

const commands = fc.array(fc.oneof({ weight: 1, arbitrary: defineSlot }, { weight: 5, arbitrary: seatCommand }), {
  maxLength: 40,
});

describe('slot decider over random command sequences', () => {
  test.prop([commands], { numRuns: 800 })('accepts exactly the legal commands and keeps held + sold <= capacity', (cmds) => {
    const run = runCommands(slotDecider, cmds);
    for (const { command, before, result, after } of run.steps) {
      expect(Array.isArray(result) || isDomainError(result)).toBe(true);
      expect(Array.isArray(result), `${command.type} on ${JSON.stringify(before)}`).toBe(legal(command, before));
      if (Array.isArray(result)) {
        expect(result.length).toBeLessThanOrEqual(1);
        for (const event of result) {
          expect(event.type).toBe(allowed[before.status][command.type]);
          expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
        }
        const event = result[0];
        if (event !== undefined && event.type in seatDelta) {
          const d = seatDelta[event.type as keyof typeof seatDelta];
          const n = (event.data as { seats: number }).seats;
          expect(countsOf(after).held - countsOf(before).held).toBe(d.held * n);
          expect(countsOf(after).sold - countsOf(before).sold).toBe(d.sold * n);
          expect(countsOf(after).capacity).toBe(countsOf(before).capacity);
        }
        if (result.length === 0) expect(after).toStrictEqual(before);
      }
      const { capacity, held, sold } = countsOf(after);
      expect(Number.isInteger(held) && Number.isInteger(sold) && Number.isInteger(capacity)).toBe(true);
      expect(held).toBeGreaterThanOrEqual(0);
      expect(sold).toBeGreaterThanOrEqual(0);
      expect(held + sold).toBeLessThanOrEqual(capacity);
    }
    expect(foldEvents(slotDecider.evolve, slotDecider.initialState, run.events)).toStrictEqual(run.final);
  });
});
