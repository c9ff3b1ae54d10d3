import { type DomainError, isDomainError } from '../../domain/errors.js';
import { evolveReservation, type ReservationEvent, type ReservationState } from '../../domain/reservation.js';
import { decideSlot, evolveSlot, type SlotEvent, type SlotState } from '../../domain/slot.js';
import { seatMovesFor } from '../seatMoves.js';
import type { Change, OpenSlot } from './command.js';

/**
 * A reservation's new events and the slot events that keep the slot's seat counts equal to what its
 * reservations occupy (released, sold), decided by the slot's own decider: pure, on the locked slot.
 */
export function reservationChange(
  reservationId: string,
  before: ReservationState,
  events: readonly ReservationEvent[],
  slot: OpenSlot,
): Change[] | DomainError {
  const after = events.reduce(evolveReservation, before);
  const slotEvents: SlotEvent[] = [];
  let slotState: SlotState = slot;
  for (const move of seatMovesFor(reservationId, before, after)) {
    const moved = decideSlot(move, slotState);
    if (isDomainError(moved)) return moved;
    slotEvents.push(...moved);
    slotState = moved.reduce(evolveSlot, slotState);
  }
  return [
    { aggregate: 'reservation', id: reservationId, events },
    { aggregate: 'slot', id: slot.slotId, events: slotEvents },
  ];
}
