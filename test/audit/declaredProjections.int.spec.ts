import fc from 'fast-check';
import type { FragmentSqlToken } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineProjections } from '../../src/aggregates/index.js';
import { sql } from '../../src/db/sql.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import type { PaymentState } from '../../src/domain/payment.js';
import type { ReservationState } from '../../src/domain/reservation.js';
import { activityView } from '../../projections/activityView.js';
import type { Columns } from '../../projections/declaredProjection.js';
import { type PaymentRow, paymentsView } from '../../projections/paymentView.js';
import { customerEmailKey, paymentIdOf, reservationsView } from '../../projections/reservationView.js';
import { type SlotSnapshot, slotAvailability } from '../../projections/slotAvailability.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Each inline projection declares its columns once (projections/declaredProjection.ts). These
 * checks hold the declarations to the tables the migrations made, and the generated upserts to the
 * hand-written ones they replaced (kept below as the oracle): same rows after an insert and after a
 * conflicting update.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('declared projection columns', () => {
  it('are the tables’ columns, in table order, with their types and nullability', async () => {
    const declared: readonly {
      table: string;
      key: readonly string[];
      columnList: readonly (readonly [string, string])[];
      columns: Columns;
    }[] = [slotAvailability, reservationsView, paymentsView, activityView];
    expect(declared.map((projection) => projection.table)).toEqual(inlineProjections.map((projection) => projection.table));
    for (const projection of declared) {
      const { rows } = await db.asOwner<{ column_name: string; udt_name: string; is_nullable: string }>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [projection.table],
      );
      expect(
        rows.map((row) => [row.column_name, row.udt_name]),
        projection.table,
      ).toEqual(projection.columnList);
      expect(
        rows.map((row) => [row.column_name, row.is_nullable === 'YES']),
        projection.table,
      ).toEqual(projection.columnList.map(([name]) => [name, projection.columns[name]!.nullable === true]));
      const { rows: key } = await db.asOwner<{ column_name: string }>(
        `SELECT a.attname AS column_name FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        [projection.table],
      );
      expect(
        key.map((row) => row.column_name),
        projection.table,
      ).toEqual(projection.key);
    }
  });
});

// The live upserts as they were written by hand before the declarations, plus what was asked of them since
// (a reservation's expires_at moves when a payment extends its hold: ADR 0040).
const oracle = {
  slot: (tenantId: string, snapshot: SlotSnapshot, updatedAt: string) => {
    const { state, head } = snapshot;
    return sql.fragment`
      INSERT INTO slot_availability (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
        unit_price_amount, unit_price_currency, version, head_hash, updated_at,
        departure_status, panel_bookings, released_panel_bookings)
      VALUES (${tenantId}, ${state.slotId}, ${state.activityId}, ${state.startsAt}::timestamptz, ${state.capacity},
        ${state.held}, ${state.sold}, ${state.unitPrice.amount}, ${state.unitPrice.currency}, ${head.version},
        ${head.hash}, ${updatedAt}::timestamptz,
        ${state.departure}, ${JSON.stringify(state.panelBookings)}::jsonb, ${JSON.stringify(state.releasedPanelBookings)}::jsonb)
      ON CONFLICT (tenant_id, slot_id) DO UPDATE SET
        activity_id = EXCLUDED.activity_id, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,
        held = EXCLUDED.held, sold = EXCLUDED.sold, unit_price_amount = EXCLUDED.unit_price_amount,
        unit_price_currency = EXCLUDED.unit_price_currency, version = EXCLUDED.version,
        head_hash = EXCLUDED.head_hash, updated_at = EXCLUDED.updated_at, departure_status = EXCLUDED.departure_status,
        panel_bookings = EXCLUDED.panel_bookings, released_panel_bookings = EXCLUDED.released_panel_bookings`;
  },
  reservation: (tenantId: string, state: Exclude<ReservationState, { status: 'none' }>, version: number, updatedAt: string) => {
    return sql.fragment`
      INSERT INTO reservations_view (tenant_id, reservation_id, slot_id, seats, status, total_amount, total_currency,
        expires_at, customer_name, customer_email, owner_sub, payment_id, version, created_at, updated_at, customer_email_key)
      VALUES (${tenantId}, ${state.reservationId}, ${state.slotId}, ${state.seats}, ${state.status},
        ${state.total.amount}, ${state.total.currency}, ${state.expiresAt}::timestamptz, ${state.customer.name},
        ${state.customer.email}, ${state.ownerSub}, ${paymentIdOf(state)}, ${version}, ${state.heldAt}::timestamptz,
        ${updatedAt}::timestamptz, ${customerEmailKey(state.customer.email)})
      ON CONFLICT (tenant_id, reservation_id) DO UPDATE SET
        status = EXCLUDED.status, expires_at = EXCLUDED.expires_at, payment_id = EXCLUDED.payment_id,
        version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`;
  },
  payment: (tenantId: string, row: PaymentRow) => {
    const { state, checkout } = row;
    const refundRequested = state.status === 'succeeded' ? state.refundRequested : false;
    return sql.fragment`
      INSERT INTO payments_view (tenant_id, payment_id, reservation_id, provider, status, amount, currency,
        provider_payment_id, client_secret, checkout_url, pix_qr_code, last_error, version, created_at, updated_at,
        refund_requested, anomalies)
      VALUES (${tenantId}, ${state.paymentId}, ${state.reservationId}, ${state.provider}, ${state.status},
        ${state.amount.amount}, ${state.amount.currency}, ${state.providerPaymentId ?? null}, NULL,
        ${checkout.checkoutUrl ?? null}, ${checkout.pixQrCode ?? null}, ${state.lastError ?? null}, ${row.version},
        ${row.createdAt}::timestamptz, ${row.updatedAt}::timestamptz, ${refundRequested},
        ${JSON.stringify(row.anomalies)}::jsonb)
      ON CONFLICT (tenant_id, payment_id) DO UPDATE SET
        status = EXCLUDED.status, provider_payment_id = EXCLUDED.provider_payment_id,
        checkout_url = EXCLUDED.checkout_url, pix_qr_code = EXCLUDED.pix_qr_code, last_error = EXCLUDED.last_error,
        version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, refund_requested = EXCLUDED.refund_requested,
        anomalies = EXCLUDED.anomalies`;
  },
};

const instant = fc.integer({ min: 0, max: 10 ** 9 }).map((s) => new Date(Date.UTC(2027, 0, 1) + s * 1000).toISOString());
const text = fc.string({ maxLength: 10 }).filter((s) => !s.includes('\u0000'));
const money = fc.record({ amount: fc.nat({ max: 10 ** 12 }), currency: fc.constantFrom('EUR', 'BRL') });
const version = fc.integer({ min: 1, max: 1000 });

const slotSnapshot = (slotId: string): fc.Arbitrary<SlotSnapshot> =>
  fc.record({
    state: fc.record({
      status: fc.constant('open' as const),
      slotId: fc.constant(slotId),
      activityId: text,
      startsAt: fc.oneof(instant, fc.constant('2030-05-01T12:00:00+02:00')),
      capacity: fc.constant(100),
      held: fc.nat({ max: 50 }),
      sold: fc.nat({ max: 50 }),
      unitPrice: money,
      departure: fc.constantFrom('open' as const, 'closed' as const, 'cancelled' as const),
      panelBookings: fc.dictionary(fc.constantFrom('b1', 'b2'), fc.integer({ min: 1, max: 5 })),
      releasedPanelBookings: fc.array(fc.constantFrom('b3', 'b4'), { maxLength: 2 }),
    }),
    head: fc.record({ version, hash: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  });

const reservation = (reservationId: string): fc.Arbitrary<Exclude<ReservationState, { status: 'none' }>> =>
  fc
    .record({
      reservationId: fc.constant(reservationId),
      slotId: text,
      seats: fc.integer({ min: 1, max: 9 }),
      total: money,
      expiresAt: instant,
      customer: fc.record({ name: text, email: fc.constantFrom('A@Example.com', 'b@example.com') }),
      ownerSub: text,
      heldAt: instant,
      paymentId: fc.uuid(),
      at: instant,
      by: text,
      kind: fc.constantFrom('held', 'paid', 'expired', 'cancelled-hold', 'cancelled-paid', 'refunded'),
    })
    .map(({ paymentId, at, by, kind, ...facts }) => {
      switch (kind) {
        case 'held':
          return { ...facts, status: 'held' as const };
        case 'paid':
          return { ...facts, status: 'paid' as const, paymentId, paidAt: at };
        case 'expired':
          return { ...facts, status: 'expired' as const, expiredAt: at };
        case 'cancelled-hold':
          return { ...facts, status: 'cancelled' as const, cancelledAt: at, cancelledBy: by, refundPending: false as const };
        case 'cancelled-paid':
          return { ...facts, status: 'cancelled' as const, cancelledAt: at, cancelledBy: by, refundPending: true as const, paymentId };
        default:
          return { ...facts, status: 'refunded' as const, paymentId, refundedAt: at };
      }
    });

const paymentRow = (paymentId: string): fc.Arbitrary<PaymentRow> =>
  fc
    .record(
      {
        paymentId: fc.constant(paymentId),
        reservationId: fc.uuid(),
        provider: fc.constantFrom('stripe' as const, 'mercadopago' as const, 'pix' as const),
        amount: money,
        startedAt: instant,
        providerPaymentId: text,
        lastError: text,
        status: fc.constantFrom('pending' as const, 'processing' as const, 'succeeded' as const, 'failed' as const),
        refundRequested: fc.boolean(),
        checkout: fc.record({ checkoutUrl: text, pixQrCode: text }, { requiredKeys: [] }),
        anomalies: fc.array(
          fc.record({
            streamVersion: version,
            anomaly: text,
            reason: text,
            signal: text,
            source: text,
            providerEventId: text,
            paymentStatus: text,
            recordedAt: instant,
          }),
          { maxLength: 2 },
        ),
        version,
        createdAt: instant,
        updatedAt: instant,
      },
      {
        requiredKeys: [
          'paymentId',
          'reservationId',
          'provider',
          'amount',
          'startedAt',
          'status',
          'refundRequested',
          'checkout',
          'anomalies',
          'version',
          'createdAt',
          'updatedAt',
        ],
      },
    )
    .map(({ status, refundRequested, checkout, anomalies, version: v, createdAt, updatedAt, ...facts }) => {
      const base = { ...facts, openAnomalies: [] };
      const state: Exclude<PaymentState, { status: 'none' }> =
        status === 'succeeded'
          ? { ...base, status, succeededAt: updatedAt, refundRequested }
          : status === 'failed'
            ? { ...base, status, failedAt: updatedAt }
            : { ...base, status };
      return { state, checkout, anomalies, version: v, createdAt, updatedAt };
    });

/** Runs the two writes with each upsert under its own tenant, and returns both resulting rows without their tenant. */
async function bothWays(
  table: string,
  key: string,
  id: string,
  writes: (tenantId: string, upsert: 'declared' | 'handWritten') => FragmentSqlToken[],
) {
  const rows: Record<string, unknown>[] = [];
  for (const upsert of ['declared', 'handWritten'] as const) {
    const tenantId = `${upsert}-${id}`;
    await withSystemTransaction(db.systemPool, async (tx) => {
      for (const statement of writes(tenantId, upsert)) await tx.query(sql.typeAlias('void')`${statement}`);
    });
    const { rows: found } = await db.asOwner(`SELECT * FROM ${table} WHERE tenant_id = $1 AND ${key}::text = $2`, [tenantId, id]);
    expect(found).toHaveLength(1);
    const { tenant_id: _, ...row } = found[0]!;
    rows.push(row);
  }
  return rows;
}

describe('the declared upserts write what the hand-written ones wrote', () => {
  it('slot_availability, inserted then updated', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(slotSnapshot('s'), slotSnapshot('s'), instant, instant), async ([first, second, at1, at2]) => {
        const id = `slot-${(n += 1)}`;
        const [a, b] = [first, second].map((s) => ({ ...s, state: { ...s.state, slotId: id } }));
        const [declared, handWritten] = await bothWays('slot_availability', 'slot_id', id, (tenantId, upsert) => {
          const write =
            upsert === 'declared'
              ? (t: string, snapshot: SlotSnapshot, updatedAt: string) => slotAvailability.upsert(t, { snapshot, updatedAt })
              : oracle.slot;
          return [write(tenantId, a!, at1), write(tenantId, b!, at2)];
        });
        expect(declared).toEqual(handWritten);
      }),
      { numRuns: 25 },
    );
  });

  it('reservations_view, inserted then updated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), fc.tuple(version, version, instant, instant), async (id, [v1, v2, at1, at2]) => {
        const [first, second] = fc.sample(reservation(id), 2);
        const [declared, handWritten] = await bothWays('reservations_view', 'reservation_id', id, (tenantId, upsert) => {
          const write =
            upsert === 'declared'
              ? (t: string, state: Parameters<typeof oracle.reservation>[1], v: number, updatedAt: string) =>
                  reservationsView.upsert(t, { state, version: v, updatedAt })
              : oracle.reservation;
          return [write(tenantId, first!, v1, at1), write(tenantId, second!, v2, at2)];
        });
        expect(declared).toEqual(handWritten);
      }),
      { numRuns: 25 },
    );
  });

  it('payments_view, inserted then updated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), async (id) => {
        const [first, second] = fc.sample(paymentRow(id), 2);
        const [declared, handWritten] = await bothWays('payments_view', 'payment_id', id, (tenantId, upsert) => {
          const write = upsert === 'declared' ? (t: string, row: PaymentRow) => paymentsView.upsert(t, row) : oracle.payment;
          return [write(tenantId, first!), write(tenantId, second!)];
        });
        expect(declared).toEqual(handWritten);
      }),
      { numRuns: 25 },
    );
  });
});
