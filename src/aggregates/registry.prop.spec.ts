import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { PaymentCommand, PaymentSignal } from '../domain/payment.js';
import type { ReservationCommand } from '../domain/reservation.js';
import type { SlotCommand } from '../domain/slot.js';
import {
  aggregateOf,
  EventSchemaError,
  inlineProjections,
  parseRecordedEvent,
  paymentAggregate,
  reservationAggregate,
  slotAggregate,
  UnknownStreamError,
} from './index.js';
import { paymentEventSchema } from './paymentEvents.js';
import { reservationEventSchema } from './reservationEvents.js';
import { slotEventSchema } from './slotEvents.js';

// Every event the deciders can write must come back from the log (JSON in a jsonb column) as the
// same event: the schemas may not refuse, drop or change anything the deciders produce. Commands are
// random and mostly nonsense; the deciders refuse most, and what they accept is what is checked.

const BASE = Date.parse('2030-05-01T10:00:00.000Z');
const now = fc.integer({ min: -86_400 * 400, max: 86_400 * 400 }).map((s) => new Date(BASE + s * 1000).toISOString());
// Offsets other than Z, as a client may send a slot's start.
const instant = fc.oneof(now, fc.constantFrom('2030-05-01T12:00:00+02:00', '2031-02-28T23:59:59.123456-03:00'));
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('a', 'é 🎟', ' x '));
const currency = fc.constantFrom('EUR', 'BRL', 'USD');
const money = fc.record({ amount: fc.oneof(fc.nat({ max: 100_000 }), fc.constant(Number.MAX_SAFE_INTEGER)), currency });
const reported = fc.oneof(money, fc.record({ amount: fc.integer({ min: -5, max: 5 }), currency: fc.constantFrom('eur', 'XX') }));

const slotCommand: fc.Arbitrary<SlotCommand> = fc.oneof(
  fc.record({
    type: fc.constant('DefineSlot' as const),
    slotId: fc.constant('s1'),
    activityId: text,
    startsAt: instant,
    capacity: fc.nat({ max: 20 }),
    unitPrice: money,
  }),
  fc.record({
    type: fc.constant('HoldSeats' as const),
    reservationId: text,
    seats: fc.integer({ min: 0, max: 6 }),
    now: instant,
    allowance: fc.option(fc.record({ heldByCustomer: fc.nat({ max: 8 }), maxSeatsPerCustomer: fc.integer({ min: 1, max: 8 }) })),
  }),
  fc.record({
    type: fc.constantFrom('SellHeldSeats' as const, 'SellSeatsDirectly' as const),
    reservationId: text,
    seats: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    type: fc.constant('ReleaseHeldSeats' as const),
    reservationId: text,
    seats: fc.integer({ min: 1, max: 6 }),
    reason: fc.constantFrom('expired' as const, 'cancelled' as const),
  }),
  fc.record({
    type: fc.constant('ReleaseSoldSeats' as const),
    reservationId: text,
    seats: fc.integer({ min: 1, max: 6 }),
    reason: fc.constantFrom('cancelled' as const, 'refunded' as const),
  }),
  fc.record({
    type: fc.constant('SyncDeparture' as const),
    slotId: fc.constant('s1'),
    activityId: text,
    startsAt: instant,
    capacity: fc.nat({ max: 20 }),
    unitPrice: money,
    // Mostly open: a closed or cancelled departure refuses the holds and sales the other kinds need.
    status: fc.constantFrom('open' as const, 'open' as const, 'open' as const, 'closed' as const, 'cancelled' as const),
  }),
  fc.record({
    type: fc.constant('TakePanelBooking' as const),
    bookingId: fc.constantFrom('b1', 'b2'),
    seats: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({ type: fc.constant('ReleasePanelBooking' as const), bookingId: fc.constantFrom('b1', 'b2') }),
);

const reservationCommand: fc.Arbitrary<ReservationCommand> = fc.oneof(
  fc.record({
    type: fc.constant('PlaceHold' as const),
    reservationId: fc.uuid(),
    slotId: text,
    seats: fc.integer({ min: 1, max: 6 }),
    unitPrice: fc.constantFrom({ amount: 4500, currency: 'EUR' }, { amount: 0, currency: 'BRL' }),
    customer: fc.record({ name: text, email: text }),
    ownerSub: text,
    now,
    holdTtlSeconds: fc.integer({ min: 1, max: 3600 }),
  }),
  fc.record({
    type: fc.constant('PayReservation' as const),
    paymentId: fc.constantFrom('p1', 'p2'),
    amount: fc.constantFrom({ amount: 4500, currency: 'EUR' }, { amount: 9000, currency: 'EUR' }, { amount: 0, currency: 'BRL' }),
    now,
    seatsRetaken: fc.boolean(),
  }),
  fc.record({ type: fc.constant('ExpireHold' as const), now, paymentOpen: fc.boolean() }),
  fc.record({
    type: fc.constant('ExtendHoldForPayment' as const),
    paymentId: fc.constantFrom('p1', 'p2'),
    now,
    graceSeconds: fc.integer({ min: 0, max: 3600 }),
  }),
  fc.record({ type: fc.constant('CancelReservation' as const), now, by: text }),
  fc.record({ type: fc.constant('ConfirmRefund' as const), paymentId: fc.constantFrom('p1', 'p2'), now }),
  fc.record({ type: fc.constant('EraseCustomerData' as const), now }),
);

const SIGNALS: PaymentSignal[] = ['processing', 'succeeded', 'declined', 'failed', 'cancelled', 'refunded', 'disputed'];
const AMOUNT = { amount: 9000, currency: 'EUR' };
const providerEventId = fc.oneof(fc.constantFrom('evt_a', 'evt_b'), text);
/** Mostly the payment's own provider id: an event about another one is only an anomaly, and the runs must reach every event. */
const providerPaymentId = fc.oneof({ weight: 4, arbitrary: fc.constant('pi_1') }, { weight: 1, arbitrary: text });

const startPayment = fc.record(
  {
    type: fc.constant('StartPayment' as const),
    paymentId: fc.constant('p1'),
    reservationId: fc.constant('r1'),
    provider: fc.constantFrom('stripe' as const, 'mercadopago' as const, 'pix' as const),
    amount: fc.constant(AMOUNT),
    providerPaymentId: fc.constant('pi_1'),
    checkout: fc.record({ checkoutUrl: text, pixQrCode: text }, { requiredKeys: [] }),
    now,
  },
  { requiredKeys: ['type', 'paymentId', 'reservationId', 'provider', 'amount', 'now'] },
);
const applyProviderSignal = fc.record(
  {
    type: fc.constant('ApplyProviderSignal' as const),
    signal: fc.constantFrom(...SIGNALS),
    providerEventId,
    source: fc.constantFrom('webhook' as const, 'reconciliation' as const),
    amount: fc.oneof({ weight: 4, arbitrary: fc.constant(AMOUNT) }, { weight: 1, arbitrary: reported }),
    reason: text,
    providerPaymentId,
    now,
  },
  { requiredKeys: ['type', 'signal', 'providerEventId', 'source', 'now'] },
);
const resolveAnomaly = fc.record(
  {
    type: fc.constant('ResolveAnomaly' as const),
    providerEventId,
    action: fc.constantFrom('refund' as const, 'dismiss' as const),
    note: text,
    by: text,
    now,
  },
  { requiredKeys: ['type', 'providerEventId', 'action', 'by', 'now'] },
);
// Mostly signals, so that runs reach the later statuses (refunded, disputed) and their anomalies.
const paymentCommand: fc.Arbitrary<PaymentCommand> = fc.oneof(
  { weight: 1, arbitrary: startPayment },
  { weight: 6, arbitrary: applyProviderSignal },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RequestRefund' as const), now, by: text }) },
  { weight: 2, arbitrary: resolveAnomaly },
);

/** Runs commands through the registry's decider, keeping every event it accepts. */
function decided<C, E, S>(
  aggregate: { decide(command: C, state: S): E[] | object; evolve(state: S, event: E): S; readonly initialState: S },
  commands: readonly C[],
): { events: E[]; final: S } {
  const events: E[] = [];
  let state = aggregate.initialState;
  for (const command of commands) {
    const result = aggregate.decide(command, state);
    if (!Array.isArray(result)) continue;
    for (const event of result as E[]) {
      events.push(event);
      state = aggregate.evolve(state, event);
    }
  }
  return { events, final: state };
}

/** As the log stores an event and gives it back: JSON text in a jsonb column. */
const throughTheLog = (event: { type: string; data: unknown }, streamId: string, version: number) => {
  const stored = JSON.parse(JSON.stringify({ type: event.type, data: event.data })) as { type: string; data: unknown };
  return { ...stored, streamId, version };
};

describe('the registry parses back every event the deciders write', () => {
  test.prop([fc.array(slotCommand, { maxLength: 40 })], { numRuns: 500 })('slot', (commands) => {
    const { events, final } = decided(slotAggregate, commands);
    const recorded = events.map((event, i) => throughTheLog(event, 'slot-s1', i + 1));
    recorded.forEach((event, i) => expect(parseRecordedEvent(event)).toStrictEqual(events[i]));
    expect(slotAggregate.fold(recorded)).toStrictEqual(final);
  });

  test.prop([fc.array(reservationCommand, { maxLength: 30 })], { numRuns: 500 })('reservation', (commands) => {
    const { events, final } = decided(reservationAggregate, commands);
    const recorded = events.map((event, i) => throughTheLog(event, 'reservation-r1', i + 1));
    recorded.forEach((event, i) => expect(parseRecordedEvent(event)).toStrictEqual(events[i]));
    expect(reservationAggregate.fold(recorded)).toStrictEqual(final);
  });

  test.prop([fc.array(paymentCommand, { maxLength: 40 })], { numRuns: 500 })('payment', (commands) => {
    const { events, final } = decided(paymentAggregate, commands);
    const recorded = events.map((event, i) => throughTheLog(event, 'payment-p1', i + 1));
    recorded.forEach((event, i) => expect(parseRecordedEvent(event)).toStrictEqual(events[i]));
    expect(paymentAggregate.fold(recorded)).toStrictEqual(final);
  });

  it('sees every kind of event of every aggregate in those runs', () => {
    // Guards the generators above: a schema no run reaches is a schema not tested.
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(slotCommand, { maxLength: 40 }),
        fc.array(reservationCommand, { maxLength: 30 }),
        fc.array(paymentCommand, { maxLength: 40 }),
        (s, r, p) => {
          for (const event of [
            ...decided(slotAggregate, s).events,
            ...decided(reservationAggregate, r).events,
            ...decided(paymentAggregate, p).events,
          ]) {
            seen.add(event.type);
          }
        },
      ),
      // Enough runs that the rarest kind (a held seat sold, after a matching hold on an open slot) shows in every seed.
      { numRuns: 6000 },
    );
    const every = [
      ...slotEventSchema.options.map((option) => option.shape.type.value),
      ...reservationEventSchema.options.map((option) => option.shape.type.value),
      ...paymentEventSchema.options.map((option) => option.shape.type.value),
    ];
    expect([...seen].sort()).toEqual([...every].sort());
  });
});

describe('an event the schema refuses', () => {
  const held = { type: 'SeatsHeld', data: { reservationId: 'r1', seats: 2 } };

  it('names its stream, version and type, and what is wrong', () => {
    const bad = { ...held, data: { reservationId: 'r1', seats: 'two' }, streamId: 'slot-s1', version: 7 };
    expect(() => parseRecordedEvent(bad)).toThrow(EventSchemaError);
    try {
      parseRecordedEvent(bad);
    } catch (error) {
      expect(error).toMatchObject({
        name: 'EventSchemaError',
        code: 'EVENT_SCHEMA_MISMATCH',
        streamId: 'slot-s1',
        version: 7,
        type: 'SeatsHeld',
      });
      expect((error as Error).message).toMatch(/^event SeatsHeld at slot-s1 version 7 does not match its schema: data\.seats: /);
    }
  });

  it.each([
    ['an unknown type', { type: 'SeatsTeleported', data: { reservationId: 'r1', seats: 2 } }],
    ['another aggregate’s event', { type: 'ReservationExpired', data: { expiredAt: '2030-01-01T00:00:00Z' } }],
    ['a missing field', { type: 'SeatsHeld', data: { reservationId: 'r1' } }],
    ['no data', { type: 'SeatsHeld', data: null }],
    ['seats that are not a positive integer', { type: 'SeatsHeld', data: { reservationId: 'r1', seats: 1.5 } }],
    [
      'money in a float',
      {
        type: 'SlotDefined',
        data: { slotId: 's', activityId: 'a', startsAt: '2030-01-01T00:00:00Z', capacity: 2, unitPrice: { amount: 1.5, currency: 'EUR' } },
      },
    ],
    [
      'a date that is not an instant',
      {
        type: 'SlotDefined',
        data: { slotId: 's', activityId: 'a', startsAt: '2030-02-30', capacity: 2, unitPrice: { amount: 1, currency: 'EUR' } },
      },
    ],
    ['a reason no decider writes', { type: 'HeldSeatsReleased', data: { reservationId: 'r1', seats: 1, reason: 'lost' } }],
  ])('is refused: %s', (_, event) => {
    expect(() => slotAggregate.fold([held, event], { streamId: 'slot-s1' })).toThrow(
      new RegExp(`^event ${event.type} at slot-s1 version 2 does not match its schema`),
    );
  });

  it('is refused by the payment and reservation schemas too', () => {
    expect(() => parseRecordedEvent({ type: 'PaymentStarted', data: { paymentId: 'p' }, streamId: 'payment-p', version: 1 })).toThrow(
      EventSchemaError,
    );
    expect(() =>
      parseRecordedEvent({
        type: 'ReservationCancelled',
        data: { cancelledAt: '2030-01-01T00:00:00Z', by: 'u', refundPending: true },
        streamId: 'reservation-r',
        version: 3,
      }),
    ).toThrow(/ReservationCancelled at reservation-r version 3/);
  });

  it('of a stream of no aggregate cannot be parsed at all', () => {
    expect(() => parseRecordedEvent({ ...held, streamId: 'order-1' })).toThrow(UnknownStreamError);
  });
});

describe('the registry', () => {
  it('finds each aggregate by its stream prefix and lists each inline projection once', () => {
    expect(aggregateOf(slotAggregate.streamId('s1'))).toBe(slotAggregate);
    expect(aggregateOf(reservationAggregate.streamId('r1'))).toBe(reservationAggregate);
    expect(aggregateOf(paymentAggregate.streamId('p1'))).toBe(paymentAggregate);
    expect(aggregateOf('order-1')).toBeUndefined();
    expect(inlineProjections.map((projection) => projection.table)).toEqual([
      'slot_availability',
      'reservations_view',
      'payments_view',
      'activity_view',
    ]);
  });
});
