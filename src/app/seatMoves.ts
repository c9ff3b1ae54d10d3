import { type ReservationState, seatsNowCommitted } from '../domain/reservation.js';
import type { SlotCommand } from '../domain/slot.js';

/**
 * The slot commands that keep a slot's seat counts equal to what its reservations occupy, derived
 * from the seats a reservation held or sold before and after one of its transitions.
 */
export function seatMovesFor(reservationId: string, before: ReservationState, after: ReservationState): SlotCommand[] {
  const was = seatsNowCommitted(before);
  const is = seatsNowCommitted(after);
  const moves: SlotCommand[] = [];
  if (was.held > 0 && is.sold > was.sold) {
    moves.push({ type: 'SellHeldSeats', reservationId, seats: was.held });
  } else if (is.sold > was.sold) {
    moves.push({ type: 'SellSeatsDirectly', reservationId, seats: is.sold - was.sold });
  } else if (was.held > is.held) {
    const reason = after.status === 'expired' ? 'expired' : 'cancelled';
    moves.push({ type: 'ReleaseHeldSeats', reservationId, seats: was.held - is.held, reason });
  }
  if (was.sold > is.sold) {
    const reason = after.status === 'refunded' ? 'refunded' : 'cancelled';
    moves.push({ type: 'ReleaseSoldSeats', reservationId, seats: was.sold - is.sold, reason });
  }
  return moves;
}
