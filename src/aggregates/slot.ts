import { decideSlot, evolveSlot, initialSlotState, type SlotCommand, type SlotEvent, type SlotState } from '../domain/slot.js';
import { slotAvailability, slotAvailabilityInputOf } from '../../projections/slotAvailability.js';
import { defineAggregate, inlineProjection } from './aggregate.js';
import { parseSlotEvent, slotEventSchema } from './slotEvents.js';

export { parseSlotEvent, slotEventSchema } from './slotEvents.js';

/** The slot: seats of one departure (stream `slot-<slotId>`), kept in `slot_availability`. */
export const slotAggregate = defineAggregate<'slot', SlotCommand, SlotEvent, SlotState>({
  name: 'slot',
  streamPrefix: 'slot-',
  initialState: initialSlotState,
  evolve: evolveSlot,
  decide: decideSlot,
  eventSchema: slotEventSchema,
  parseEvent: parseSlotEvent,
  projections: [inlineProjection(slotAvailability, slotAvailabilityInputOf)],
});
