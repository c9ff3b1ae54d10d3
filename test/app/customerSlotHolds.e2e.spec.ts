import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// The allowance's count (customer_slot_holds, ADR 0051) against real PostgreSQL through the real
// server: after any mix of holds (customers and desk staff, two slots), cancels, expiries and
// rebuilds, every count equals the seats its customer's held reservations of the slot add up to,
// and every hold was refused exactly when a model of the slot and the allowance says so.
const LIMIT = 6;
const CAPACITY = 16;
const HOLD_TTL_SECONDS = 900;

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger({ poolSize: 10, holdMaxSeatsPerCustomer: LIMIT, holdTtlSeconds: HOLD_TTL_SECONDS });
  admin = ledger.token({ groups: ['admin'], sub: 'csh-admin' });
});
afterAll(async () => {
  await ledger.close();
});

type Action =
  | { kind: 'hold'; who: number; desk: boolean; slot: number; seats: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'expire' }
  | { kind: 'rebuild' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      who: fc.nat(2),
      desk: fc.boolean(),
      slot: fc.nat(1),
      seats: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rebuild' as const }) },
);

type Counted = { slot_id: string; owner_sub: string; held_seats: number };

/** The counts of these slots, and what reservations_view says they must be (every customer with a reservation there). */
async function countsAndTruth(slotIds: readonly string[]): Promise<{ counts: Counted[]; truth: Counted[] }> {
  const order = 'ORDER BY slot_id, owner_sub';
  const counts = await ledger.db.asOwner<Counted>(
    `SELECT slot_id, owner_sub, held_seats FROM customer_slot_holds WHERE slot_id = ANY($1::text[]) ${order}`,
    [slotIds],
  );
  const truth = await ledger.db.asOwner<Counted>(
    `SELECT slot_id, owner_sub, coalesce(sum(seats) FILTER (WHERE status = 'held'), 0)::int4 AS held_seats
     FROM reservations_view WHERE slot_id = ANY($1::text[]) GROUP BY slot_id, owner_sub ${order}`,
    [slotIds],
  );
  return { counts: counts.rows, truth: truth.rows };
}

describe('the per-customer count of held seats', () => {
  it(
    "equals the sum over the customer's held reservations of the slot, and refuses exactly the holds the allowance refuses",
    { timeout: 240_000 },
    async () => {
      let refusedByAllowance = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 16 }), async (actions) => {
          const run = randomUUID().slice(0, 8);
          const slotIds = [`csh-${run}-a`, `csh-${run}-b`];
          const startsAt = new Date(ledger.clock.now().getTime() + 30 * 24 * 3_600_000).toISOString();
          for (const slotId of slotIds) {
            const defined = await ledger.call('PUT', `/v1/slots/${slotId}`, {
              token: admin,
              body: { activityId: 'csh', startsAt, capacity: CAPACITY, unitPrice: { amount: 1000, currency: 'EUR' } },
            });
            expect(defined.status).toBe(201);
          }
          const subs = [0, 1, 2].map((n) => `csh-${run}-${n}`);
          // The model: each live hold's slot, owner, seats and whether the allowance counts it.
          let held: { id: string; slot: number; owner: string; seats: number; limited: boolean }[] = [];
          const placed: string[] = [];
          for (const step of actions) {
            switch (step.kind) {
              case 'hold': {
                const owner = step.desk ? `${subs[step.who]}-desk` : subs[step.who]!;
                const token = step.desk ? ledger.token({ groups: ['staff'], sub: owner }) : ledger.token({ sub: owner });
                const onSlot = held.filter((h) => h.slot === step.slot);
                const free = CAPACITY - onSlot.reduce((sum, h) => sum + h.seats, 0);
                const mine = onSlot.filter((h) => h.owner === owner && h.limited).reduce((sum, h) => sum + h.seats, 0);
                const expected = step.seats > free ? 'slot_full' : !step.desk && mine + step.seats > LIMIT ? 'hold_limit_reached' : 'held';
                const res = await ledger.call('POST', '/v1/reservations', {
                  token,
                  headers: { 'idempotency-key': randomUUID() },
                  body: { slotId: slotIds[step.slot], seats: step.seats, customer: { name: 'Ines', email: 'ines@example.com' } },
                });
                expect(res.status === 201 ? 'held' : res.body.code).toBe(expected);
                if (expected === 'hold_limit_reached') refusedByAllowance += 1;
                if (res.status === 201) {
                  const id = res.body.reservationId as string;
                  held.push({ id, slot: step.slot, owner, seats: step.seats, limited: !step.desk });
                  placed.push(id);
                }
                break;
              }
              case 'cancel': {
                if (placed.length === 0) break;
                const id = placed[step.pick % placed.length]!;
                const res = await ledger.call('POST', `/v1/reservations/${id}/cancel`, { token: admin });
                const wasHeld = held.some((h) => h.id === id);
                expect(res.status).toBe(wasHeld ? 200 : 409);
                held = held.filter((h) => h.id !== id);
                break;
              }
              case 'expire': {
                ledger.clock.advance(HOLD_TTL_SECONDS + 1);
                await expireDueHolds(ledger.deps, ledger.composed.providers);
                held = [];
                break;
              }
              case 'rebuild':
                await rebuildProjections(ledger.deps.systemPool);
                break;
            }
          }
          const { counts, truth } = await countsAndTruth(slotIds);
          expect(counts).toEqual(truth);
        }),
        // The first run reaches the allowance whatever else is drawn.
        {
          numRuns: 12,
          endOnFailure: true,
          examples: [
            [
              [
                { kind: 'hold', who: 0, desk: false, slot: 0, seats: 4 },
                { kind: 'hold', who: 0, desk: false, slot: 0, seats: 3 },
                { kind: 'hold', who: 0, desk: true, slot: 0, seats: 4 },
                { kind: 'cancel', pick: 0 },
                { kind: 'hold', who: 0, desk: false, slot: 0, seats: 3 },
              ],
            ],
          ],
        },
      );
      // The workload reached the allowance, not only the counts.
      expect(refusedByAllowance).toBeGreaterThan(0);
    },
  );
});
