import {
  decideReservation,
  evolveReservation,
  initialReservationState,
  type ReservationCommand,
  type ReservationEvent,
  type ReservationState,
} from '../domain/reservation.js';
import { reservationsView, reservationViewInputOf } from '../../projections/reservationView.js';
import { defineAggregate, inlineProjection } from './aggregate.js';
import { parseReservationEvent, reservationEventSchema } from './reservationEvents.js';

export { parseReservationEvent, reservationEventSchema } from './reservationEvents.js';

/** The reservation: one customer's seats on one slot (stream `reservation-<reservationId>`), kept in `reservations_view`. */
export const reservationAggregate = defineAggregate<'reservation', ReservationCommand, ReservationEvent, ReservationState>({
  name: 'reservation',
  streamPrefix: 'reservation-',
  initialState: initialReservationState,
  evolve: evolveReservation,
  decide: decideReservation,
  eventSchema: reservationEventSchema,
  parseEvent: parseReservationEvent,
  projections: [inlineProjection(reservationsView, reservationViewInputOf)],
});
