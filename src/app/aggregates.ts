import { evolvePayment, initialPaymentState, type PaymentEvent } from '../domain/payment.js';
import { evolveReservation, initialReservationState, type ReservationEvent } from '../domain/reservation.js';
import { evolveSlot, initialSlotState, type SlotEvent } from '../domain/slot.js';

/** How to fold a stream, chosen by its id's prefix (`slot-`, `reservation-`, `payment-`). */
export type StreamFold = { readonly initial: unknown; evolve(state: unknown, event: { type: string; data: unknown }): unknown };

const folds: Record<string, StreamFold> = {
  'slot-': { initial: initialSlotState, evolve: (s, e) => evolveSlot(s as never, e as SlotEvent) },
  'payment-': { initial: initialPaymentState, evolve: (s, e) => evolvePayment(s as never, e as PaymentEvent) },
  'reservation-': { initial: initialReservationState, evolve: (s, e) => evolveReservation(s as never, e as ReservationEvent) },
};

export function foldFor(streamId: string): StreamFold | undefined {
  const prefix = Object.keys(folds).find((p) => streamId.startsWith(p));
  return prefix ? folds[prefix] : undefined;
}
