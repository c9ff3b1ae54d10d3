import { describe, expect, it } from 'vitest';
import { foldEvents } from './decider.js';
import { reservationDecider, seatsNowCommitted, type PlaceHold, type ReservationCommand, type ReservationEvent } from './reservation.js';
import { specFor } from './testing/spec.js';

const given = specFor(reservationDecider);

const NOW = '2030-05-01T10:00:00.000Z';
const EXPIRES = '2030-05-01T10:15:00.000Z';
const TOTAL = { amount: 9000, currency: 'EUR' };
const customer = { name: 'Ana', email: 'ana@example.com' };

const placeHold: PlaceHold = {
  type: 'PlaceHold',
  reservationId: 'r1',
  slotId: 'slot-1',
  seats: 2,
  unitPrice: { amount: 4500, currency: 'EUR' },
  customer,
  ownerSub: 'user-1',
  now: NOW,
  holdTtlSeconds: 900,
};

const held: ReservationEvent = {
  type: 'ReservationHeld',
  data: {
    reservationId: 'r1',
    slotId: 'slot-1',
    seats: 2,
    total: TOTAL,
    expiresAt: EXPIRES,
    customer,
    ownerSub: 'user-1',
    heldAt: NOW,
  },
};
const paid: ReservationEvent = {
  type: 'ReservationPaid',
  data: { paymentId: 'p1', amount: TOTAL, paidAt: '2030-05-01T10:05:00.000Z' },
};
const expired: ReservationEvent = { type: 'ReservationExpired', data: { expiredAt: '2030-05-01T10:16:00.000Z' } };
const cancelledHold: ReservationEvent = {
  type: 'ReservationCancelled',
  data: { cancelledAt: '2030-05-01T10:03:00.000Z', by: 'user-1', refundPending: false },
};
const cancelledPaid: ReservationEvent = {
  type: 'ReservationCancelled',
  data: { cancelledAt: '2030-05-01T11:00:00.000Z', by: 'user-1', refundPending: true, paymentId: 'p1' },
};
const refunded: ReservationEvent = {
  type: 'ReservationRefunded',
  data: { paymentId: 'p1', refundedAt: '2030-05-01T11:30:00.000Z' },
};

const history = {
  none: [],
  held: [held],
  paid: [held, paid],
  expired: [held, expired],
  'cancelled hold': [held, cancelledHold],
  'cancelled paid': [held, paid, cancelledPaid],
  refunded: [held, paid, cancelledPaid, refunded],
} satisfies Record<string, ReservationEvent[]>;
type Situation = keyof typeof history;

function statusAfter(events: readonly ReservationEvent[]): string {
  return foldEvents(reservationDecider.evolve, reservationDecider.initialState, events).status;
}

function refusedIn(situations: Situation[], cmd: ReservationCommand): void {
  for (const situation of situations) {
    const events = history[situation];
    given(events)
      .when(cmd)
      .then({ kind: 'IllegalTransition', aggregate: 'reservation', from: statusAfter(events), command: cmd.type });
  }
}

const pay = (patch: Partial<Extract<ReservationCommand, { type: 'PayReservation' }>> = {}): ReservationCommand => ({
  type: 'PayReservation',
  paymentId: 'p1',
  amount: TOTAL,
  now: '2030-05-01T10:05:00.000Z',
  seatsRetaken: false,
  ...patch,
});

describe('reservation: PlaceHold', () => {
  it('holds seats for the TTL at unit price × seats', () => {
    const state = given([]).when(placeHold).then([held]);
    expect(state).toMatchObject({ status: 'held', total: TOTAL, expiresAt: EXPIRES });
    expect(seatsNowCommitted(state)).toEqual({ held: 2, sold: 0 });
  });

  it('computes expiresAt as a UTC instant whatever offset now carries', () => {
    given([])
      .when({ ...placeHold, now: '2030-05-01T12:00:00+02:00' })
      .then([{ ...held, data: { ...held.data, heldAt: '2030-05-01T12:00:00+02:00' } }]);
  });

  it('refuses to hold again a reservation that exists', () => {
    refusedIn(['held', 'paid', 'expired', 'cancelled hold', 'cancelled paid', 'refunded'], placeHold);
  });

  it.each([
    ['zero seats', { seats: 0 }],
    ['fractional seats', { seats: 1.5 }],
    ['an invalid price', { unitPrice: { amount: 10.5, currency: 'EUR' } }],
    ['a customer without email', { customer: { name: 'Ana', email: '' } }],
    ['a customer without name', { customer: { name: '', email: 'ana@example.com' } }],
    ['no owner', { ownerSub: '' }],
    ['a now that is not an instant', { now: 'yesterday' }],
    ['a zero TTL', { holdTtlSeconds: 0 }],
    ['a fractional TTL', { holdTtlSeconds: 1.5 }],
    ['a total past the safe integer range', { unitPrice: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' } }],
    ['an empty reservation id', { reservationId: '' }],
    ['an empty slot id', { slotId: '' }],
  ])('refuses %s', (_name, patch) => {
    given([])
      .when({ ...placeHold, ...patch })
      .then('InvalidCommand');
  });
});

describe('reservation: PayReservation', () => {
  it('pays a held reservation for its exact total', () => {
    const state = given([held]).when(pay()).then([paid]);
    expect(state).toMatchObject({ status: 'paid', paymentId: 'p1' });
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 2 });
  });

  it('pays a held reservation past expiresAt that the sweeper has not expired yet (its seats are still held)', () => {
    given([held])
      .when(pay({ now: '2030-05-01T10:20:00.000Z' }))
      .then([{ type: 'ReservationPaid', data: { paymentId: 'p1', amount: TOTAL, paidAt: '2030-05-01T10:20:00.000Z' } }]);
  });

  it.each([
    ['a smaller amount', { amount: 8999, currency: 'EUR' }],
    ['a larger amount', { amount: 9001, currency: 'EUR' }],
    ['another currency', { amount: 9000, currency: 'USD' }],
  ])('refuses %s, naming both amounts', (_name, amount) => {
    const { result } = given([held]).when(pay({ amount }));
    expect(result).toMatchObject({ kind: 'IllegalTransition', from: 'held', command: 'PayReservation' });
    expect(result).toHaveProperty('message', expect.stringContaining(`${amount.amount} ${amount.currency}`));
    expect(result).toHaveProperty('message', expect.stringContaining('9000 EUR'));
  });

  it('pays an expired reservation when the app retook its seats', () => {
    const state = given([held, expired])
      .when(pay({ now: '2030-05-01T10:30:00.000Z', seatsRetaken: true }))
      .then([{ type: 'ReservationPaid', data: { paymentId: 'p1', amount: TOTAL, paidAt: '2030-05-01T10:30:00.000Z' } }]);
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 2 });
  });

  it('refuses to pay an expired reservation whose seats were not retaken', () => {
    given([held, expired])
      .when(pay({ seatsRetaken: false }))
      .then({ kind: 'IllegalTransition', from: 'expired' });
  });

  it('refuses a wrong amount on an expired reservation even with seats retaken', () => {
    given([held, expired])
      .when(pay({ seatsRetaken: true, amount: { amount: 1, currency: 'EUR' } }))
      .then({ kind: 'IllegalTransition', from: 'expired' });
  });

  it('is idempotent for the payment that already paid it', () => {
    given([held, paid]).when(pay()).then([]);
  });

  it('refuses a second, different payment', () => {
    given([held, paid])
      .when(pay({ paymentId: 'p2' }))
      .then({ kind: 'IllegalTransition', from: 'paid' });
  });

  it('refuses to pay what is not held or expired', () => {
    refusedIn(['none', 'cancelled hold', 'cancelled paid', 'refunded'], pay({ seatsRetaken: true }));
  });

  it.each([
    ['an empty payment id', { paymentId: '' }],
    ['an invalid amount', { amount: { amount: -5, currency: 'EUR' } }],
    ['a now that is not an instant', { now: '' }],
  ])('refuses %s', (_name, patch) => {
    given([held]).when(pay(patch)).then('InvalidCommand');
  });
});

describe('reservation: ExpireHold', () => {
  const expire = (now: string, paymentOpen = false): ReservationCommand => ({ type: 'ExpireHold', now, paymentOpen });

  it('expires a due hold and frees its seats', () => {
    const state = given([held]).when(expire('2030-05-01T10:16:00.000Z')).then([expired]);
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 0 });
  });

  it('expires a hold exactly at expiresAt', () => {
    given([held])
      .when(expire(EXPIRES))
      .then([{ type: 'ReservationExpired', data: { expiredAt: EXPIRES } }]);
  });

  it('refuses to expire a hold before it is due', () => {
    given([held]).when(expire('2030-05-01T10:14:59.999Z')).then({ kind: 'IllegalTransition', from: 'held' });
  });

  it('does not expire a hold with a payment open at the provider', () => {
    given([held]).when(expire('2030-05-01T11:00:00.000Z', true)).then({ kind: 'IllegalTransition', from: 'held' });
  });

  it('refuses to expire what is not held', () => {
    refusedIn(['none', 'paid', 'expired', 'cancelled hold', 'cancelled paid', 'refunded'], expire('2030-06-01T00:00:00Z'));
  });
});

describe('reservation: ExtendHoldForPayment', () => {
  const extend = (now: string, paymentId = 'p1', graceSeconds = 1800): ReservationCommand => ({
    type: 'ExtendHoldForPayment',
    paymentId,
    now,
    graceSeconds,
  });
  const extended: ReservationEvent = {
    type: 'HoldExtendedForPayment',
    data: { paymentId: 'p1', expiresAt: '2030-05-01T10:45:00.000Z', extendedAt: '2030-05-01T10:05:00.000Z' },
  };

  it('extends a hold by the grace past its expiresAt, and the hold then expires only after it', () => {
    const state = given([held]).when(extend('2030-05-01T10:05:00.000Z')).then([extended]);
    expect(state).toMatchObject({ status: 'held', expiresAt: '2030-05-01T10:45:00.000Z', extendedForPayment: 'p1' });
    given([held, extended]).when({ type: 'ExpireHold', now: '2030-05-01T10:44:59.999Z', paymentOpen: false }).then({
      kind: 'IllegalTransition',
      from: 'held',
    });
  });

  it('extends once: a second payment waits for the same deadline', () => {
    given([held, extended]).when(extend('2030-05-01T10:20:00.000Z', 'p2')).then([]);
  });

  it('refuses a hold whose time is up, and what is not held', () => {
    given([held]).when(extend(EXPIRES)).then({ kind: 'IllegalTransition', from: 'held' });
    refusedIn(['none', 'paid', 'expired', 'cancelled hold', 'cancelled paid', 'refunded'], extend('2030-05-01T10:05:00.000Z'));
  });

  it.each([
    ['a negative grace', extend('2030-05-01T10:05:00.000Z', 'p1', -1)],
    ['no payment', extend('2030-05-01T10:05:00.000Z', '')],
    ['a now that is not an instant', extend('')],
  ])('refuses %s', (_name, command) => {
    given([held]).when(command).then('InvalidCommand');
  });
});

describe('reservation: CancelReservation', () => {
  const cancel = (now: string): ReservationCommand => ({ type: 'CancelReservation', now, by: 'user-1' });

  it('cancels a hold with nothing to refund', () => {
    const state = given([held]).when(cancel('2030-05-01T10:03:00.000Z')).then([cancelledHold]);
    expect(state).toMatchObject({ status: 'cancelled', refundPending: false, cancelledBy: 'user-1' });
    expect(state).not.toHaveProperty('paymentId');
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 0 });
  });

  it('cancels a paid reservation and waits for the refund of its payment', () => {
    const state = given([held, paid]).when(cancel('2030-05-01T11:00:00.000Z')).then([cancelledPaid]);
    expect(state).toMatchObject({ status: 'cancelled', refundPending: true, paymentId: 'p1' });
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 0 });
  });

  it('refuses to cancel what is expired, cancelled or refunded', () => {
    refusedIn(['none', 'expired', 'cancelled hold', 'cancelled paid', 'refunded'], cancel('2030-05-01T12:00:00Z'));
  });

  it('refuses a cancel that does not say who', () => {
    given([held]).when({ type: 'CancelReservation', now: NOW, by: '' }).then('InvalidCommand');
  });
});

describe('reservation: ConfirmRefund', () => {
  const confirm = (paymentId = 'p1'): ReservationCommand => ({
    type: 'ConfirmRefund',
    paymentId,
    now: '2030-05-01T11:30:00.000Z',
  });

  it('refunds a cancelled reservation whose refund was pending', () => {
    const state = given([held, paid, cancelledPaid]).when(confirm()).then([refunded]);
    expect(state).toMatchObject({ status: 'refunded', paymentId: 'p1', refundedAt: '2030-05-01T11:30:00.000Z' });
  });

  it('refunds a paid reservation refunded from the provider dashboard', () => {
    const state = given([held, paid]).when(confirm()).then([refunded]);
    expect(seatsNowCommitted(state)).toEqual({ held: 0, sold: 0 });
  });

  it('is idempotent for the same payment', () => {
    given([held, paid, cancelledPaid, refunded]).when(confirm()).then([]);
  });

  it('refuses the refund of another payment', () => {
    given([held, paid]).when(confirm('p2')).then({ kind: 'IllegalTransition', from: 'paid' });
    given([held, paid, cancelledPaid]).when(confirm('p2')).then({ kind: 'IllegalTransition', from: 'cancelled' });
    given([held, paid, cancelledPaid, refunded]).when(confirm('p2')).then({ kind: 'IllegalTransition', from: 'refunded' });
  });

  it('refuses a refund where no money was taken', () => {
    refusedIn(['none', 'held', 'expired', 'cancelled hold'], confirm());
  });
});

describe('reservation: seatsNowCommitted', () => {
  it.each([
    ['none', { held: 0, sold: 0 }],
    ['held', { held: 2, sold: 0 }],
    ['paid', { held: 0, sold: 2 }],
    ['expired', { held: 0, sold: 0 }],
    ['cancelled hold', { held: 0, sold: 0 }],
    ['cancelled paid', { held: 0, sold: 0 }],
    ['refunded', { held: 0, sold: 0 }],
  ] as const)('%s → %o', (situation, expected) => {
    const state = foldEvents(reservationDecider.evolve, reservationDecider.initialState, history[situation]);
    expect(seatsNowCommitted(state)).toEqual(expected);
  });
});
