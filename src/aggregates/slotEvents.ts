import { z } from 'zod';
import type { SlotEvent } from '../domain/slot.js';
import { type Assert, eventParser, instant, money, positiveSeats, type SameType } from './eventSchema.js';

// The slot's events as src/domain/slot.ts writes them (stream `slot-<slotId>`).

const details = { activityId: z.string(), startsAt: instant, capacity: z.int().nonnegative(), unitPrice: money };
const seatMove = { reservationId: z.string(), seats: positiveSeats };
const panelBookingSeats = { bookingId: z.string(), seats: positiveSeats };

export const slotEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SlotDefined'), data: z.object({ slotId: z.string(), ...details }) }),
  z.object({ type: z.literal('SlotDetailsChanged'), data: z.object(details) }),
  z.object({ type: z.literal('SeatsHeld'), data: z.object(seatMove) }),
  z.object({ type: z.literal('HeldSeatsReleased'), data: z.object({ ...seatMove, reason: z.enum(['expired', 'cancelled']) }) }),
  z.object({ type: z.literal('HeldSeatsSold'), data: z.object(seatMove) }),
  z.object({ type: z.literal('SeatsSoldDirectly'), data: z.object(seatMove) }),
  z.object({ type: z.literal('SoldSeatsReleased'), data: z.object({ ...seatMove, reason: z.enum(['cancelled', 'refunded']) }) }),
  z.object({ type: z.literal('DepartureStatusChanged'), data: z.object({ status: z.enum(['open', 'closed', 'cancelled']) }) }),
  z.object({ type: z.literal('PanelBookingTaken'), data: z.object(panelBookingSeats) }),
  z.object({ type: z.literal('PanelBookingReleased'), data: z.object(panelBookingSeats) }),
]);

// Fails to compile when the schema and the domain's union part ways (a field, a type, an event).
export const slotSchemaMatchesDomain: Assert<SameType<z.output<typeof slotEventSchema>, SlotEvent>> = true;

export const parseSlotEvent = eventParser<SlotEvent>('slot-', slotEventSchema);
