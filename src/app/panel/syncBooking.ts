import { isDomainError } from '../../domain/errors.js';
import { decideSlot, evolveSlot, seatsOverCapacity, type SlotCommand } from '../../domain/slot.js';
import type { PanelBooking } from '../../panel/panel.js';
import { type PanelConflict, webhookApplied } from '../../../projections/panelSync.js';
import type { Command } from '../command/command.js';
import { type PanelChangeOutcome, type PanelChangeSource, panelChangeRows, panelMetadata, slotIdOfDeparture } from './panelChange.js';

/**
 * A booking the panel took itself (`source: panel`) into its departure's slot, under the same
 * `FOR UPDATE` lock as any hold: its seats are sold there once per booking, and its cancellation
 * gives them back. Seats that do not fit are still taken (the panel's customer is real) and an
 * `oversold` conflict is opened (ADR 0046). A booking on a departure the ledger has not read yet
 * changes nothing and is not claimed: the pull brings the departure, then the booking.
 */
export function syncBookingCommand(
  tenantId: string,
  booking: PanelBooking,
  source: PanelChangeSource,
): Command<PanelChangeOutcome, boolean> {
  const slotId = slotIdOfDeparture(booking.departureId);
  const command: SlotCommand =
    booking.status === 'cancelled'
      ? { type: 'ReleasePanelBooking', bookingId: booking.bookingId }
      : { type: 'TakePanelBooking', bookingId: booking.bookingId, seats: booking.seats };
  return {
    name: 'syncPanelBooking',
    tenantId,
    metadata: panelMetadata(source),
    lock: { slotId },
    factsBehindLock: (tx) => (source.via === 'webhook' ? webhookApplied(tx, tenantId, source.eventId) : Promise.resolve(false)),
    decide: ({ slot, facts: applied, now }) => {
      if (applied) return { changes: [], result: 'duplicate' };
      if (slot === null) return { changes: [], result: 'ignored' };
      const events = decideSlot(command, slot);
      if (isDomainError(events)) return events;
      const after = events.reduce(evolveSlot, slot);
      const conflicts: PanelConflict[] = [];
      const over = seatsOverCapacity(after);
      if (command.type === 'TakePanelBooking' && events.length > 0 && over > 0) {
        conflicts.push({
          kind: 'oversold',
          slotId,
          bookingId: booking.bookingId,
          detail: `the panel's booking ${booking.bookingId} (${booking.seats} seat(s)) takes the departure ${over} seat(s) past its capacity of ${slot.capacity}`,
        });
      }
      return {
        changes: [{ aggregate: 'slot', id: slotId, events }],
        rows: panelChangeRows(tenantId, source, conflicts, now),
        result: events.length > 0 ? 'applied' : 'unchanged',
      };
    },
  };
}
