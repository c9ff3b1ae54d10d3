import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isDomainError } from './errors.js';
import { availableSeats, seatsOverCapacity, slotDecider, type SlotCommand, type SlotState } from './slot.js';
import { runCommands } from './testing/run.js';

// The panel's bookings and departure changes mixed with the ledger's own holds and sales, in any order
// (ADR 0046). Written from PANEL.md: the panel may overfill a departure; the ledger never does.

const NOW = '2030-05-01T09:00:00.000Z';
const STARTS_AT = '2030-06-01T09:00:00.000Z';
const price = { amount: 4500, currency: 'EUR' };

const syncDeparture: fc.Arbitrary<SlotCommand> = fc.record({
  type: fc.constant('SyncDeparture' as const),
  slotId: fc.constant('panel-d1'),
  activityId: fc.constant('kayak'),
  startsAt: fc.constant(STARTS_AT),
  capacity: fc.integer({ min: 0, max: 12 }),
  unitPrice: fc.constant(price),
  status: fc.constantFrom('open' as const, 'closed' as const, 'cancelled' as const),
});
const bookingId = fc.constantFrom('b1', 'b2', 'b3', 'b4');
const panelBooking: fc.Arbitrary<SlotCommand> = fc.oneof(
  fc.record({ type: fc.constant('TakePanelBooking' as const), bookingId, seats: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ type: fc.constant('ReleasePanelBooking' as const), bookingId }),
);
const reservationId = fc.constantFrom('r1', 'r2', 'r3');
const seats = fc.integer({ min: 1, max: 6 });
const ledgerSeats: fc.Arbitrary<SlotCommand> = fc.oneof(
  fc.record({
    type: fc.constant('HoldSeats' as const),
    reservationId,
    seats,
    now: fc.constant(NOW),
    allowance: fc.constant(null),
  }),
  fc.record({ type: fc.constant('SellSeatsDirectly' as const), reservationId, seats }),
  fc.record({ type: fc.constant('SellHeldSeats' as const), reservationId, seats }),
  fc.record({ type: fc.constant('ReleaseHeldSeats' as const), reservationId, seats, reason: fc.constant('expired' as const) }),
  fc.record({ type: fc.constant('ReleaseSoldSeats' as const), reservationId, seats, reason: fc.constant('cancelled' as const) }),
);
const history = fc
  .tuple(
    syncDeparture,
    fc.array(
      fc.oneof({ weight: 1, arbitrary: syncDeparture }, { weight: 3, arbitrary: panelBooking }, { weight: 4, arbitrary: ledgerSeats }),
      {
        maxLength: 40,
      },
    ),
  )
  .map(([first, rest]) => [first, ...rest]);

const taken = (s: SlotState) => (s.status === 'open' ? s.held + s.sold : 0);

describe('slot with the activity panel: properties', () => {
  test.prop([history])('a ledger hold or sale never takes seats the departure does not have', (commands) => {
    for (const step of runCommands(slotDecider, commands).steps) {
      const ledgerTakes = step.command.type === 'HoldSeats' || step.command.type === 'SellSeatsDirectly';
      if (!ledgerTakes || isDomainError(step.result) || step.after.status !== 'open') continue;
      expect(taken(step.after)).toBeLessThanOrEqual(step.after.capacity);
    }
  });

  test.prop([history])('availability is never negative, and 0 exactly when the seats are all taken or more', (commands) => {
    for (const step of runCommands(slotDecider, commands).steps) {
      const { after } = step;
      expect(availableSeats(after)).toBeGreaterThanOrEqual(0);
      if (after.status === 'open') expect(availableSeats(after) === 0).toBe(taken(after) >= after.capacity);
      expect(seatsOverCapacity(after)).toBeGreaterThanOrEqual(0);
    }
  });

  test.prop([history])('sold seats are the ledger sales plus the live panel bookings, never negative', (commands) => {
    const { final, steps } = runCommands(slotDecider, commands);
    for (const { after } of steps) if (after.status === 'open') expect(after.sold).toBeGreaterThanOrEqual(0);
    if (final.status !== 'open') return;
    const panelSeats = Object.values(final.panelBookings).reduce((sum, n) => sum + n, 0);
    expect(final.sold).toBeGreaterThanOrEqual(panelSeats);
  });

  test.prop([history, panelBooking])('a panel booking applied twice changes nothing the second time', (commands, booking) => {
    const once = runCommands(slotDecider, [...commands, booking]);
    const again = slotDecider.decide(booking, once.final);
    expect(again).toEqual([]);
  });

  test.prop([history, syncDeparture])('a departure synced twice changes nothing the second time', (commands, departure) => {
    const once = runCommands(slotDecider, [...commands, departure]);
    expect(slotDecider.decide(departure, once.final)).toEqual([]);
  });

  test.prop([history])('a closed or cancelled departure takes no hold', (commands) => {
    for (const step of runCommands(slotDecider, commands).steps) {
      if (step.command.type !== 'HoldSeats' || step.before.status !== 'open' || step.before.departure === 'open') continue;
      expect(step.result).toMatchObject({ kind: 'SlotClosed' });
    }
  });
});
