import { describe, expect, it } from 'vitest';
import { initialPaymentState, type PaymentEvent } from '../../domain/payment.js';
import { initialReservationState, type ReservationEvent } from '../../domain/reservation.js';
import type { StreamChange } from '../command/reactions.js';
import { customerEmailReaction } from './customerEmailReaction.js';

const TENANT = 'acme';
const RESERVATION = '6f1c1a52-0000-4000-8000-000000000001';
const PAYMENT = '6f1c1a52-0000-4000-8000-000000000002';
const NOW = '2027-01-01T10:00:00.000Z';
const header = { tenantId: TENANT, version: 2, now: NOW, metadata: { actor: 'sub-1' } } as const;

function reservationChange(events: ReservationEvent[]): StreamChange {
  // The reaction reads only the change's aggregate, ids and events; the states are not its business.
  return { ...header, aggregate: 'reservation', id: RESERVATION, before: initialReservationState, after: initialReservationState, events };
}

function paymentChange(events: PaymentEvent[]): StreamChange {
  return { ...header, aggregate: 'payment', id: PAYMENT, before: initialPaymentState, after: initialPaymentState, events };
}

const money = { amount: 9000, currency: 'BRL' };

describe('the customer e-mail reaction', () => {
  it('names no e-mail for the hold itself: how to pay exists only once a payment starts', () => {
    const held: ReservationEvent = {
      type: 'ReservationHeld',
      data: {
        reservationId: RESERVATION,
        slotId: 's-1',
        seats: 2,
        total: money,
        expiresAt: NOW,
        customer: { name: 'Ana', email: 'ana@example.com' },
        ownerSub: 'sub-1',
        heldAt: NOW,
      },
    };
    const extended: ReservationEvent = { type: 'HoldExtendedForPayment', data: { paymentId: PAYMENT, expiresAt: NOW, extendedAt: NOW } };
    expect(customerEmailReaction(reservationChange([held, extended]))).toEqual([]);
  });

  it('names the hold e-mail, keyed per reservation and kind, when a payment starts, with that payment', () => {
    const started: PaymentEvent = {
      type: 'PaymentStarted',
      data: {
        paymentId: PAYMENT,
        reservationId: RESERVATION,
        provider: 'pix',
        amount: money,
        checkout: { pixQrCode: '000201' },
        startedAt: NOW,
      },
    };
    expect(customerEmailReaction(paymentChange([started]))).toEqual([
      {
        task: 'sendCustomerEmail',
        payload: { tenantId: TENANT, reservationId: RESERVATION, kind: 'hold', paymentId: PAYMENT },
        jobKey: `email:${TENANT}:${RESERVATION}:hold`,
      },
    ]);
  });

  it.each([
    [{ type: 'ReservationPaid', data: { paymentId: PAYMENT, amount: money, paidAt: NOW } }, 'paid'],
    [{ type: 'ReservationCancelled', data: { cancelledAt: NOW, by: 'sub-1', refundPending: false } }, 'cancelled'],
    [{ type: 'ReservationRefunded', data: { paymentId: PAYMENT, refundedAt: NOW } }, 'refunded'],
    [{ type: 'ReservationExpired', data: { expiredAt: NOW } }, 'expired'],
  ] satisfies [ReservationEvent, string][])('names the %s e-mail', (event, kind) => {
    expect(customerEmailReaction(reservationChange([event]))).toEqual([
      {
        task: 'sendCustomerEmail',
        payload: { tenantId: TENANT, reservationId: RESERVATION, kind },
        jobKey: `email:${TENANT}:${RESERVATION}:${kind}`,
      },
    ]);
  });

  it('names nothing for payment events other than a start', () => {
    const succeeded: PaymentEvent = {
      type: 'PaymentSucceeded',
      data: { providerEventId: 'evt_1', source: 'webhook', amount: money, succeededAt: NOW },
    };
    expect(customerEmailReaction(paymentChange([succeeded]))).toEqual([]);
  });
});
