import { z } from 'zod';
import { CUSTOMER_LOCALES } from '../domain/customerLocale.js';
import type { ReservationEvent } from '../domain/reservation.js';
import { type Assert, eventParser, instant, money, positiveSeats, type SameType } from './eventSchema.js';

// The reservation's events as src/domain/reservation.ts writes them (stream `reservation-<reservationId>`).

const cancelled = { cancelledAt: instant, by: z.string() };

export const reservationEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ReservationHeld'),
    data: z.object({
      reservationId: z.string(),
      slotId: z.string(),
      seats: positiveSeats,
      total: money,
      expiresAt: instant,
      // Personal data (ADR 0048): name and e-mail stored sealed under the customer's data key (`personalFields` below).
      // Holds from before customers chose a language have no locale: they read as the default (pt-BR).
      customer: z.object({ name: z.string(), email: z.string(), locale: z.enum(CUSTOMER_LOCALES).optional() }),
      ownerSub: z.string(),
      heldAt: instant,
    }),
  }),
  z.object({
    type: z.literal('HoldExtendedForPayment'),
    data: z.object({ paymentId: z.string(), expiresAt: instant, extendedAt: instant }),
  }),
  z.object({ type: z.literal('ReservationPaid'), data: z.object({ paymentId: z.string(), amount: money, paidAt: instant }) }),
  z.object({ type: z.literal('ReservationExpired'), data: z.object({ expiredAt: instant }) }),
  z.object({
    type: z.literal('ReservationCancelled'),
    // A cancelled hold took no money; a cancelled paid reservation names the payment whose refund it awaits.
    data: z.discriminatedUnion('refundPending', [
      z.object({ ...cancelled, refundPending: z.literal(false), paymentId: z.undefined().optional() }),
      z.object({ ...cancelled, refundPending: z.literal(true), paymentId: z.string() }),
    ]),
  }),
  z.object({ type: z.literal('ReservationRefunded'), data: z.object({ paymentId: z.string(), refundedAt: instant }) }),
  // No personal data: only when the customer's data key was destroyed.
  z.object({ type: z.literal('CustomerDataErased'), data: z.object({ erasedAt: instant }) }),
]);

/**
 * The reservation events' personal fields, by event type and path in `data`: stored sealed
 * (src/privacy/sealedText.ts), opened at the read edge, `[erased]` once the customer is erased.
 */
export const reservationPersonalFields = {
  ReservationHeld: [
    ['customer', 'name'],
    ['customer', 'email'],
  ],
} as const satisfies Partial<Record<z.output<typeof reservationEventSchema>['type'], readonly (readonly string[])[]>>;

// Fails to compile when the schema and the domain's union part ways (a field, a type, an event).
export const reservationSchemaMatchesDomain: Assert<SameType<z.output<typeof reservationEventSchema>, ReservationEvent>> = true;

export const parseReservationEvent = eventParser<ReservationEvent>('reservation-', reservationEventSchema);
