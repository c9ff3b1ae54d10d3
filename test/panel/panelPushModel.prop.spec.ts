import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelStatusOf } from '../../src/domain/panelPush.js';
import { type PushHarness, startPushHarness, TENANT } from './pushHarness.js';

/** Seats of the ledger's slot; the panel's departure has room for these and every desk booking on top. */
const LEDGER_CAPACITY = 8;
const DESK_SEATS_AT_MOST = 6;

type Action =
  | { kind: 'hold'; seats: number }
  | { kind: 'pay'; n: number }
  | { kind: 'cancel'; n: number }
  | { kind: 'expireHolds' }
  | { kind: 'deskBooking'; seats: number }
  | { kind: 'deskCancel'; n: number }
  | { kind: 'panelDown' }
  | { kind: 'panelUp' }
  | { kind: 'panelBusy'; times: number; retryAfterSeconds: number }
  | { kind: 'runJobs' }
  | { kind: 'redeliverFirstPush'; n: number }
  | { kind: 'sweepLater'; seconds: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('hold' as const), seats: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay' as const), n: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), n: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expireHolds' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deskBooking' as const), seats: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deskCancel' as const), n: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'panelDown' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'panelUp' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('panelBusy' as const),
      times: fc.integer({ min: 1, max: 3 }),
      retryAfterSeconds: fc.integer({ min: 0, max: 30 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'runJobs' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliverFirstPush' as const), n: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sweepLater' as const), seconds: fc.integer({ min: 0, max: 3600 }) }) },
);

let h: PushHarness;
beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => {
  await h.close();
});

/** Runs one interleaving on a fresh departure, then lets the panel come back and the queue drain. */
async function runInterleaving(actions: readonly Action[]): Promise<void> {
  const { slotId, departureId } = await h.panelSlot(LEDGER_CAPACITY, LEDGER_CAPACITY + DESK_SEATS_AT_MOST);
  const reservations: string[] = [];
  const desk: { bookingId: string; seats: number; live: boolean }[] = [];
  const nth = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

  for (const step of actions) {
    switch (step.kind) {
      case 'hold': {
        const res = await h.holdResponse(slotId, step.seats);
        // A full slot refuses (409); the panel, down or not, never makes a hold fail.
        expect([201, 409]).toContain(res.status);
        if (res.status === 201) reservations.push(res.body.reservationId as string);
        break;
      }
      case 'pay': {
        const id = nth(reservations, step.n);
        // A hold whose time ran out (not yet swept) cannot be paid: the customer would be refused too.
        const reservation = id === undefined ? undefined : await h.reservation(id);
        if (id !== undefined && reservation?.status === 'held' && Date.parse(reservation.expiresAt) > h.ledger.clock.now().getTime())
          await h.pay(id);
        break;
      }
      case 'cancel': {
        const id = nth(reservations, step.n);
        if (id !== undefined && ['held', 'paid'].includes((await h.reservation(id)).status)) await h.cancel(id);
        break;
      }
      case 'expireHolds':
        h.ledger.clock.advance(901);
        await h.ledger.composed.jobs.expireDueHolds!({});
        break;
      case 'deskBooking': {
        const taken = desk.filter((b) => b.live).reduce((sum, b) => sum + b.seats, 0);
        if (taken + step.seats > DESK_SEATS_AT_MOST) break;
        const bookingId = `desk-${departureId}-${desk.length}`;
        expect(h.panel.bookAtDesk(TENANT, { bookingId, departureId, seats: step.seats })).not.toHaveProperty('refused');
        desk.push({ bookingId, seats: step.seats, live: true });
        break;
      }
      case 'deskCancel': {
        const booking = nth(
          desk.filter((b) => b.live),
          step.n,
        );
        if (booking) {
          h.panel.cancelDeskBooking(TENANT, booking.bookingId);
          booking.live = false;
        }
        break;
      }
      case 'panelDown':
        await h.panel.goDown();
        break;
      case 'panelUp':
        await h.panel.comeBack();
        break;
      case 'panelBusy':
        h.panel.answerBusy(step.times, { retryAfterSeconds: step.retryAfterSeconds });
        break;
      case 'runJobs':
        await h.runJobs();
        break;
      case 'redeliverFirstPush': {
        // A job delivered again (at least once): the reservation's first version, long covered by later ones.
        const id = nth(reservations, step.n);
        if (id !== undefined) await h.ledger.composed.jobs.pushToPanel!({ tenantId: TENANT, reservationId: id, version: 1 });
        break;
      }
      case 'sweepLater':
        h.ledger.clock.advance(step.seconds);
        await h.sweep();
        break;
    }
  }

  await h.panel.comeBack();
  h.panel.answerBusy(0);
  await h.runJobs();
  while (await h.sweepAtNextRetry()) await h.runJobs();
  expect((await h.summary()).queued).toBe(0);

  const atPanel = h.panel.ledgerBookings(TENANT).filter((b) => b.departureId === departureId);
  const { rows } = await h.ledger.db.asOwner<{
    reservation_id: string;
    status: 'held' | 'paid' | 'expired' | 'cancelled' | 'refunded';
    seats: number;
    version: number;
  }>('SELECT reservation_id::text, status, seats, version FROM reservations_view WHERE tenant_id = $1 AND slot_id = $2', [TENANT, slotId]);
  // The panel's ledger bookings are the ledger's reservations, with the status mapping, at a version the ledger reached.
  expect(Object.fromEntries(atPanel.map((b) => [b.externalRef, [b.status, b.seats]]))).toEqual(
    Object.fromEntries(rows.map((r) => [r.reservation_id, [panelStatusOf(r.status), r.seats]])),
  );
  for (const booking of atPanel) {
    const ledger = rows.find((r) => r.reservation_id === booking.externalRef);
    expect(booking.version).toBeLessThanOrEqual(ledger!.version);
  }
  // Every seat counted once on each side: the panel's desk and ledger bookings, the ledger's holds and sales.
  const liveLedgerSeats = rows.filter((r) => r.status === 'held' || r.status === 'paid').reduce((sum, r) => sum + r.seats, 0);
  const liveDeskSeats = desk.filter((b) => b.live).reduce((sum, b) => sum + b.seats, 0);
  expect(h.panel.seatsTaken(TENANT, departureId)).toBe(liveDeskSeats + liveLedgerSeats);
  const slot = await h.ledger.call('GET', `/v1/slots/${slotId}`, { token: h.admin });
  const { held, sold } = slot.body as { held: number; sold: number };
  expect(held + sold).toBe(liveLedgerSeats);
  const { rows: conflicts } = await h.ledger.db.asOwner('SELECT 1 FROM panel_conflicts WHERE slot_id = $1', [slotId]);
  expect(conflicts).toEqual([]);
}

describe('pushes to the panel, model-based', () => {
  it('after any interleaving of desk and ledger bookings, outages and redeliveries, the panel shows the ledger’s reservations once the queue drains', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 16 }), (actions) => runInterleaving(actions)),
      { numRuns: 12 },
    );
  }, 300_000);
});
