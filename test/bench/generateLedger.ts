import { randomUUID } from 'node:crypto';
import type { DatabasePool } from '../../src/db/pool.js';
import { seatMovesFor } from '../../src/app/seatMoves.js';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import { isDomainError } from '../../src/domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type PaymentCommand,
  type PaymentState,
  type Provider,
} from '../../src/domain/payment.js';
import {
  decideReservation,
  evolveReservation,
  initialReservationState,
  type ReservationCommand,
  type ReservationState,
} from '../../src/domain/reservation.js';
import { decideSlot, evolveSlot, initialSlotState, type SlotCommand, type SlotState } from '../../src/domain/slot.js';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import { eventHash, GENESIS_HASH } from '../../src/ledger/hashChain.js';

/**
 * A realistic ledger for the backoffice bench, made without the HTTP path (its speed is not what
 * is measured): every event comes from the pure deciders, so the streams are ones the application
 * could have written, with correct versions and hash chains, bulk-inserted in large batches.
 */

export type GeneratedLedger = { readonly events: number; readonly reservations: number; readonly payments: number; readonly slots: number };

/** Seeded (mulberry32), so every run makes the same choices and measures the same shape of ledger (ids differ). */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = [string, string, number, string, string, string, string, string, string, string];
const INSERT_BATCH = 10_000;

function decided<C, E, S>(decide: (c: C, s: S) => E[] | { kind: string; message?: string }, command: C, state: S): E[] {
  const events = decide(command, state);
  if (isDomainError(events)) throw new Error(`generator asked for a refused command: ${JSON.stringify(events)}`);
  return events as E[];
}

/** Appends decided events to in-memory streams with their hash chain, flushing rows in batches. */
function createLog(pool: DatabasePool) {
  const heads = new Map<string, { version: number; hash: string }>();
  let rows: Row[] = [];
  let total = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    // Appended as the application appends, tenant by tenant under row-level security (ADR 0014).
    for (const tenantId of new Set(batch.map((row) => row[0]))) {
      const ofTenant = batch.filter((row) => row[0] === tenantId);
      await withTransaction(
        pool,
        (tx) =>
          tx.query(sql.typeAlias('void')`
            INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
            SELECT * FROM ${sql.unnest(ofTenant, ['text', 'text', 'int4', 'uuid', 'text', 'jsonb', 'jsonb', 'timestamptz', 'text', 'text'])}`),
        { tenantId },
      );
    }
  };
  return {
    get total() {
      return total;
    },
    async append(tenantId: string, streamId: string, events: readonly { type: string; data: unknown }[], recordedAt: string) {
      const key = `${tenantId}\u0000${streamId}`;
      let head = heads.get(key) ?? { version: 0, hash: GENESIS_HASH };
      for (const event of events) {
        const version = head.version + 1;
        const eventId = randomUUID();
        const metadata = { actor: 'bench-generator' };
        const hash = eventHash(head.hash, {
          tenantId,
          streamId,
          version,
          eventId,
          type: event.type,
          data: event.data,
          metadata,
          recordedAt,
        });
        rows.push([
          tenantId,
          streamId,
          version,
          eventId,
          event.type,
          canonicalJson(event.data),
          canonicalJson(metadata),
          recordedAt,
          head.hash,
          hash,
        ]);
        head = { version, hash };
        total += 1;
      }
      heads.set(key, head);
      if (rows.length >= INSERT_BATCH) await flush();
    },
    flush,
  };
}

export type GenerateOptions = {
  readonly events: number;
  readonly tenants: readonly { readonly tenantId: string; readonly share: number; readonly currency: string }[];
  readonly slotsPerTenant: number;
  readonly activities: number;
  readonly customers: number;
  readonly seed?: number;
  readonly onProgress?: (events: number) => void;
};

export const customerEmail = (n: number) => `customer-${n}@example.com`;
export const activityOf = (n: number) => `activity-${n}`;

/**
 * Reservations one after another, two minutes apart, each living its whole life before the next:
 * held, then paid (Stripe, Mercado Pago or Pix, sometimes through `processing`, sometimes refunded
 * after a cancel), expired (some after a failed payment), cancelled while held, or still held.
 */
export async function generateLedger(pool: DatabasePool, options: GenerateOptions): Promise<GeneratedLedger> {
  const next = random(options.seed ?? 20_260_701);
  const log = createLog(pool);
  const providers: Provider[] = ['stripe', 'mercadopago', 'pix'];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const at = (offsetSeconds = 0) => new Date(clock + offsetSeconds * 1000).toISOString();
  const counts = { reservations: 0, payments: 0, slots: 0 };

  type OpenSlot = { tenantId: string; slotId: string; state: SlotState };
  const slots: OpenSlot[][] = [];
  for (const tenant of options.tenants) {
    const own: OpenSlot[] = [];
    for (let i = 0; i < options.slotsPerTenant; i++) {
      const slotId = `slot-${String(i).padStart(5, '0')}`;
      // Departures through 2026 and 2027, a few per day, 09:00 to 17:00 UTC.
      const departure =
        Date.parse('2026-01-15T09:00:00Z') + Math.floor((i / options.slotsPerTenant) * 700) * 86_400_000 + (i % 5) * 7_200_000;
      const command: SlotCommand = {
        type: 'DefineSlot',
        slotId,
        activityId: activityOf(i % options.activities),
        startsAt: new Date(departure).toISOString(),
        capacity: 100_000,
        unitPrice: { amount: 2_500 + (i % 7) * 500, currency: tenant.currency },
      };
      const events = decided(decideSlot, command, initialSlotState);
      await log.append(tenant.tenantId, `slot-${slotId}`, events, at());
      own.push({ tenantId: tenant.tenantId, slotId, state: events.reduce(evolveSlot, initialSlotState) });
      counts.slots += 1;
    }
    slots.push(own);
  }

  const shares = options.tenants.map((t) => t.share);
  while (log.total < options.events) {
    clock += 120_000;
    let roll = next() * shares.reduce((a, b) => a + b, 0);
    let tenantIndex = 0;
    while (roll > shares[tenantIndex]! && tenantIndex < shares.length - 1) roll -= shares[tenantIndex++]!;
    const tenantId = options.tenants[tenantIndex]!.tenantId;
    const slot = slots[tenantIndex]![Math.floor(next() * options.slotsPerTenant)]!;
    const slotStream = `slot-${slot.slotId}`;
    const reservationId = randomUUID();
    const reservationStream = `reservation-${reservationId}`;
    let reservation: ReservationState = initialReservationState;

    const moveSeats = async (before: ReservationState, after: ReservationState, offset: number) => {
      for (const command of seatMovesFor(reservationId, before, after)) {
        const events = decided(decideSlot, command, slot.state);
        slot.state = events.reduce(evolveSlot, slot.state);
        await log.append(tenantId, slotStream, events, at(offset));
      }
    };
    const changeReservation = async (command: ReservationCommand, offset: number) => {
      const events = decided(decideReservation, command, reservation);
      const after = events.reduce(evolveReservation, reservation);
      await log.append(tenantId, reservationStream, events, at(offset));
      await moveSeats(reservation, after, offset);
      reservation = after;
    };

    // The hold: seats first, as holdSeats decides them under the slot lock.
    if (slot.state.status !== 'open') throw new Error('slots are defined first');
    const unitPrice = slot.state.unitPrice;
    const seats = 1 + Math.floor(next() * 4);
    // Reservations land on random departures, some already past on the generated clock: each hold is
    // decided as if placed before its departure (a closed slot takes none), with no customer allowance.
    const decidedAt = new Date(Math.min(clock, Date.parse(slot.state.startsAt) - 86_400_000)).toISOString();
    const held = decided(decideSlot, { type: 'HoldSeats', reservationId, seats, now: decidedAt, allowance: null }, slot.state);
    slot.state = held.reduce(evolveSlot, slot.state);
    await log.append(tenantId, slotStream, held, at());
    const customer = Math.floor(next() * options.customers);
    const placed = decided(
      decideReservation,
      {
        type: 'PlaceHold',
        reservationId,
        slotId: slot.slotId,
        seats,
        unitPrice,
        customer: { name: `Customer ${customer}`, email: customerEmail(customer) },
        ownerSub: `sub-${customer}`,
        now: at(),
        holdTtlSeconds: 60,
      },
      reservation,
    );
    reservation = placed.reduce(evolveReservation, reservation);
    await log.append(tenantId, reservationStream, placed, at());
    counts.reservations += 1;
    if (reservation.status !== 'held') throw new Error('a hold must leave a held reservation');
    const total = reservation.total;

    const startPayment = async (offset: number) => {
      const paymentId = randomUUID();
      const provider = providers[Math.floor(next() * providers.length)]!;
      let payment: PaymentState = initialPaymentState;
      const stream = `payment-${paymentId}`;
      const apply = async (command: PaymentCommand, seconds: number) => {
        const events = decided(decidePayment, command, payment);
        payment = events.reduce(evolvePayment, payment);
        await log.append(tenantId, stream, events, at(seconds));
      };
      const providerPaymentId =
        provider === 'stripe' ? `pi_${paymentId.replaceAll('-', '').slice(0, 24)}` : String(1_000_000_000 + counts.payments);
      await apply(
        {
          type: 'StartPayment',
          paymentId,
          reservationId,
          provider,
          amount: total,
          now: at(offset),
          ...(provider === 'mercadopago'
            ? { checkout: { checkoutUrl: `https://mp.example/checkout/${paymentId}` } }
            : { providerPaymentId }),
          ...(provider === 'pix' ? { checkout: { pixQrCode: `00020126580014br.gov.bcb.pix${paymentId}` } } : {}),
        },
        offset,
      );
      counts.payments += 1;
      const signal = (signal: 'processing' | 'succeeded' | 'failed' | 'refunded', seconds: number) =>
        apply(
          {
            type: 'ApplyProviderSignal',
            signal,
            providerEventId: `evt_${randomUUID()}`,
            source: 'webhook',
            amount: total,
            providerPaymentId,
            now: at(seconds),
          },
          seconds,
        );
      return {
        paymentId,
        signal,
        requestRefund: (seconds: number) => apply({ type: 'RequestRefund', now: at(seconds), by: 'sub-staff' }, seconds),
      };
    };

    const fate = next();
    if (fate < 0.55) {
      const payment = await startPayment(10);
      if (next() < 0.3) await payment.signal('processing', 15);
      await payment.signal('succeeded', 20);
      await changeReservation(
        { type: 'PayReservation', paymentId: payment.paymentId, amount: total, now: at(20), seatsRetaken: false },
        20,
      );
      if (next() < 0.06) {
        await changeReservation({ type: 'CancelReservation', now: at(40), by: 'sub-staff' }, 40);
        await payment.requestRefund(40);
        await payment.signal('refunded', 90);
        await changeReservation({ type: 'ConfirmRefund', paymentId: payment.paymentId, now: at(90) }, 90);
      }
    } else if (fate < 0.8) {
      if (next() < 0.3) await (await startPayment(10)).signal('failed', 30);
      await changeReservation({ type: 'ExpireHold', now: at(60), paymentOpen: false }, 60);
    } else if (fate < 0.95) {
      await changeReservation({ type: 'CancelReservation', now: at(30), by: `sub-${customer}` }, 30);
    }
    if (counts.reservations % 5_000 === 0) options.onProgress?.(log.total);
  }
  await log.flush();
  return { events: log.total, ...counts };
}
