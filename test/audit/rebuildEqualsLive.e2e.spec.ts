import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyReportsConsumer, resetDailyReports } from '../../projections/reports/dailyReports.js';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { drain } from '../consumers/logFixtures.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';

// Issue 5: after a random workload through the real server (holds, slot changes, payments with
// Stripe and Pix webhooks, cancels with refunds, expiries, two tenants), rebuilding every
// projection from the log yields exactly the rows the live path wrote.

let h: PaymentsHarness;
let otherAdmin: string;
let otherCustomer: string;

type World = {
  slots: { slotId: string; token: string; customer: string }[];
  reservations: { reservationId: string; customer: string }[];
  payments: { provider: 'stripe' | 'pix'; providerPaymentId: string }[];
};
const world: World = { slots: [], reservations: [], payments: [] };

const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

/** Every inline and report table, row by row, in key order: what "the live rows" are. */
const TABLES = {
  slot_availability: 'tenant_id, slot_id',
  reservations_view: 'tenant_id, reservation_id',
  customer_slot_holds: 'tenant_id, slot_id, owner_sub',
  payments_view: 'tenant_id, payment_id',
  activity_view: 'tenant_id, activity_id',
  report_slot_occupancy: 'tenant_id, slot_id',
  report_payments: 'tenant_id, payment_id',
  report_revenue_daily: 'tenant_id, day, provider, currency',
} as const;

async function snapshot(tables: readonly (keyof typeof TABLES)[]): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const { rows } = await h.ledger.db.asOwner<{ row: unknown }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${TABLES[table]}`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

const INLINE = ['slot_availability', 'reservations_view', 'customer_slot_holds', 'payments_view', 'activity_view'] as const;
const REPORTS = ['report_slot_occupancy', 'report_payments', 'report_revenue_daily'] as const;

type Action =
  | { kind: 'defineSlot'; tenant: 0 | 1; capacity: number; day: number }
  | { kind: 'changeSlot'; n: number; capacity: number; day: number }
  | { kind: 'hold'; n: number; seats: number }
  | { kind: 'startPayment'; n: number; provider: 'stripe' | 'pix' }
  | { kind: 'signal'; n: number; signal: 'processing' | 'succeeded' | 'payment_failed' | 'canceled' | 'approved' | 'rejected' }
  | { kind: 'cancel'; n: number }
  | { kind: 'refunded'; n: number }
  | { kind: 'tick'; seconds: number }
  | { kind: 'defineActivity'; tenant: 0 | 1; activity: number; timeZone: string };

async function run(action: Action): Promise<void> {
  const call = h.ledger.call.bind(h.ledger);
  switch (action.kind) {
    case 'defineSlot': {
      const slotId = `slot-${randomUUID().slice(0, 8)}`;
      const [token, customer] = action.tenant === 0 ? [h.admin, h.customer] : [otherAdmin, otherCustomer];
      const res = await call('PUT', `/v1/slots/${slotId}`, {
        token,
        body: {
          activityId: `act-${action.day % 3}`,
          startsAt: `2027-03-${String(1 + action.day).padStart(2, '0')}T09:00:00Z`,
          capacity: action.capacity,
          unitPrice: { amount: 2500, currency: action.tenant === 0 ? 'EUR' : 'BRL' },
        },
      });
      expect(res.status).toBe(201);
      world.slots.push({ slotId, token, customer });
      return;
    }
    case 'changeSlot': {
      const slot = pick(world.slots, action.n);
      if (!slot) return;
      const res = await call('PUT', `/v1/slots/${slot.slotId}`, {
        token: slot.token,
        body: {
          activityId: 'act-moved',
          startsAt: `2027-04-${String(1 + action.day).padStart(2, '0')}T10:00:00Z`,
          capacity: action.capacity,
          unitPrice: { amount: 2500, currency: slot.token === h.admin ? 'EUR' : 'BRL' },
        },
      });
      expect([200, 409]).toContain(res.status);
      return;
    }
    case 'hold': {
      const slot = pick(world.slots, action.n);
      if (!slot) return;
      const res = await call('POST', '/v1/reservations', {
        token: slot.customer,
        headers: { 'idempotency-key': randomUUID() },
        body: { slotId: slot.slotId, seats: action.seats, customer: { name: 'Rita', email: `rita${action.n}@example.com` } },
      });
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) world.reservations.push({ reservationId: res.body.reservationId, customer: slot.customer });
      return;
    }
    case 'startPayment': {
      const reservation = pick(world.reservations, action.n);
      if (!reservation) return;
      const res = await h.startPayment(reservation.reservationId, action.provider, randomUUID(), reservation.customer);
      // 200: the reservation already has an open payment with this provider, which is answered again.
      expect([200, 201, 409]).toContain(res.status);
      if (res.status === 201 && res.body.providerPaymentId)
        world.payments.push({ provider: action.provider, providerPaymentId: res.body.providerPaymentId });
      return;
    }
    case 'signal': {
      const payment = pick(world.payments, action.n);
      if (!payment) return;
      if (payment.provider === 'stripe') {
        const signal = action.signal === 'approved' ? 'succeeded' : action.signal === 'rejected' ? 'payment_failed' : action.signal;
        expect((await h.deliverStripe(h.stripe.transition(payment.providerPaymentId, signal))).status).toBe(200);
      } else {
        const status = ['succeeded', 'approved'].includes(action.signal)
          ? 'approved'
          : action.signal === 'processing'
            ? 'in_process'
            : 'rejected';
        h.mp.setStatus(Number(payment.providerPaymentId), status);
        expect((await h.deliverMp(payment.providerPaymentId)).status).toBe(200);
      }
      return;
    }
    case 'cancel': {
      const reservation = pick(world.reservations, action.n);
      if (!reservation) return;
      const res = await call('POST', `/v1/reservations/${reservation.reservationId}/cancel`, { token: reservation.customer });
      expect([200, 409]).toContain(res.status);
      await h.jobsDone();
      return;
    }
    case 'refunded': {
      const payment = pick(world.payments, action.n);
      if (payment?.provider !== 'stripe' || !h.stripe.intent(payment.providerPaymentId).latest_charge) return;
      expect((await h.deliverStripe(h.stripe.refundedEvent(payment.providerPaymentId))).status).toBe(200);
      return;
    }
    case 'defineActivity': {
      // An activity's zone moves its departures' report day (slots start at 09:00 or 10:00 UTC).
      const activityId = action.activity === 3 ? 'act-moved' : `act-${action.activity}`;
      const token = action.tenant === 0 ? h.admin : otherAdmin;
      const res = await call('PUT', `/v1/activities/${activityId}`, { token, body: { name: activityId, timeZone: action.timeZone } });
      expect([200, 201]).toContain(res.status);
      return;
    }
    case 'tick':
      h.ledger.clock.advance(action.seconds);
      await expireDueHolds(h.ledger.deps, h.ledger.composed.providers);
      return;
  }
}

const day = fc.nat(27);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('defineSlot' as const),
      tenant: fc.constantFrom(0 as const, 1 as const),
      capacity: fc.integer({ min: 1, max: 6 }),
      day,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('changeSlot' as const), n: fc.nat(9), capacity: fc.integer({ min: 0, max: 8 }), day }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('hold' as const), n: fc.nat(9), seats: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('startPayment' as const),
      n: fc.nat(9),
      provider: fc.constantFrom('stripe' as const, 'pix' as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('signal' as const),
      n: fc.nat(9),
      signal: fc.constantFrom(
        'processing' as const,
        'succeeded' as const,
        'succeeded' as const,
        'payment_failed' as const,
        'canceled' as const,
        'approved' as const,
        'rejected' as const,
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), n: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refunded' as const), n: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.constantFrom(60, 700) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('defineActivity' as const),
      tenant: fc.constantFrom(0 as const, 1 as const),
      activity: fc.integer({ min: 0, max: 3 }),
      timeZone: fc.constantFrom('UTC', 'America/Sao_Paulo', 'Pacific/Pago_Pago', 'Pacific/Kiritimati'),
    }),
  },
);

const richWorkload: Action[] = [
  { kind: 'defineActivity', tenant: 1, activity: 0, timeZone: 'Pacific/Pago_Pago' },
  { kind: 'defineSlot', tenant: 1, capacity: 6, day: 3 },
  { kind: 'hold', n: 0, seats: 1 },
  { kind: 'hold', n: 1, seats: 2 },
  { kind: 'hold', n: 0, seats: 1 },
  { kind: 'hold', n: 1, seats: 1 },
  { kind: 'startPayment', n: 0, provider: 'stripe' },
  { kind: 'signal', n: 0, signal: 'processing' },
  { kind: 'signal', n: 0, signal: 'succeeded' },
  { kind: 'startPayment', n: 1, provider: 'pix' },
  { kind: 'signal', n: 1, signal: 'approved' },
  { kind: 'startPayment', n: 2, provider: 'stripe' },
  { kind: 'signal', n: 2, signal: 'canceled' },
  { kind: 'cancel', n: 0 },
  { kind: 'refunded', n: 0 },
  { kind: 'changeSlot', n: 0, capacity: 8, day: 5 },
  { kind: 'defineActivity', tenant: 0, activity: 3, timeZone: 'Pacific/Kiritimati' },
  { kind: 'defineActivity', tenant: 1, activity: 0, timeZone: 'America/Sao_Paulo' },
  // Last, so this run ends with a departure whose local day is not its UTC day (09:00Z is 22:00 the day before).
  { kind: 'defineActivity', tenant: 1, activity: 0, timeZone: 'Pacific/Pago_Pago' },
  { kind: 'tick', seconds: 700 },
];

beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600 });
  otherAdmin = h.ledger.token({ groups: ['admin'], sub: 'admin-b', tenantId: 'tenant-b' });
  otherCustomer = h.ledger.token({ sub: 'customer-b', tenantId: 'tenant-b', email: 'bia@example.com' });
}, 120_000);
afterAll(async () => {
  await h.close();
});

/**
 * Until the report consumer has taken every event: the test cluster is shared with other test files,
 * whose open transactions can hold the gap-safe read horizon back for a moment (ADR 0010).
 */
const catchUpReports = () => drain(h.ledger.deps.systemPool, dailyReportsConsumer);

/** The daily reports, rebuilt the way an operator does it: empty them, rewind the consumer, catch up. */
async function rebuildReports(): Promise<void> {
  await withSystemTransaction(h.ledger.deps.systemPool, (tx) => resetDailyReports(tx, h.ledger.clock.now()));
  await catchUpReports();
}

describe('rebuilding every projection from the log', () => {
  it('yields exactly the live rows after any workload', { timeout: 240_000 }, async () => {
    const countedOnAnotherDay = () =>
      h.ledger.db.asOwner<{ n: string }>(
        "SELECT count(*) AS n FROM report_slot_occupancy WHERE day <> (starts_at AT TIME ZONE 'UTC')::date",
      );
    let sawLocalDays = false;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 30 }), async (actions) => {
        await run({ kind: 'defineSlot', tenant: 0, capacity: 5, day: 0 });
        for (const step of actions) await run(step);
        await catchUpReports();
        const live = await snapshot([...INLINE, ...REPORTS]);
        if (Number((await countedOnAnotherDay()).rows[0]!.n) > 0) sawLocalDays = true;

        const verified = await verifyLedger(h.ledger.deps.systemPool);
        expect(verified.projectionMismatches).toEqual([]);
        expect(verified.brokenChains).toEqual([]);

        const report = await rebuildProjections(h.ledger.deps.systemPool);
        expect(report.events).toBeGreaterThan(0);
        await rebuildReports();
        const rebuilt = await snapshot([...INLINE, ...REPORTS]);
        for (const table of [...INLINE, ...REPORTS]) expect(rebuilt[table], table).toEqual(live[table]);
      }),
      // The first run is this full life cycle, so every kind of row is covered whatever else is drawn.
      { numRuns: 8, endOnFailure: true, examples: [[richWorkload]] },
    );
    // The workload reached every kind of row the projections hold.
    const statuses = await h.ledger.db.asOwner<{ status: string }>(
      'SELECT DISTINCT status FROM reservations_view UNION SELECT DISTINCT status FROM payments_view',
    );
    expect(statuses.rows.length).toBeGreaterThan(3);
    // and, in some run, departures counted on a local day other than their UTC day (an activity's zone).
    expect(sawLocalDays).toBe(true);
  });

  it('fails when a live row no longer matches its events, and the rebuild repairs it', async () => {
    for (let i = 0; i < 3; i++) await run({ kind: 'defineSlot', tenant: 0, capacity: 4, day: i });
    await run({ kind: 'hold', n: world.slots.length - 1, seats: 2 });
    const before = await snapshot(INLINE);
    const { rows } = await h.ledger.db.asOwner<{ reservation_id: string }>(
      `UPDATE reservations_view SET seats = seats + 1 WHERE reservation_id = (SELECT reservation_id FROM reservations_view ORDER BY created_at DESC LIMIT 1) RETURNING reservation_id::text`,
    );
    await h.ledger.db.asOwner(`DELETE FROM slot_availability WHERE slot_id = $1`, [world.slots[world.slots.length - 2]!.slotId]);
    const corrupted = await snapshot(INLINE);
    expect(corrupted).not.toEqual(before);

    const verified = await verifyLedger(h.ledger.deps.systemPool);
    expect(verified.ok).toBe(false);
    expect(verified.projectionMismatches).toEqual(
      expect.arrayContaining([
        {
          projection: 'reservations_view',
          kind: 'differs',
          key: { tenant_id: expect.any(String), reservation_id: rows[0]!.reservation_id },
        },
        {
          projection: 'slot_availability',
          kind: 'only_rebuilt',
          key: { tenant_id: expect.any(String), slot_id: world.slots[world.slots.length - 2]!.slotId },
        },
      ]),
    );
    await rebuildProjections(h.ledger.deps.systemPool);
    expect(await snapshot(INLINE)).toEqual(before);
    expect((await verifyLedger(h.ledger.deps.systemPool)).projectionMismatches).toEqual([]);
  });
});
