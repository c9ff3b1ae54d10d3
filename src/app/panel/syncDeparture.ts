import { isDomainError } from '../../domain/errors.js';
import { decideSlot, evolveSlot, initialSlotState, seatsOverCapacity, type SlotEvent, type SlotState } from '../../domain/slot.js';
import type { PanelDeparture } from '../../panel/panel.js';
import { type LiveReservation, type PanelConflict, readLiveReservations, webhookApplied } from '../../../projections/panelSync.js';
import type { Command } from '../command/command.js';
import { type PanelChangeOutcome, type PanelChangeSource, panelChangeRows, panelMetadata, slotIdOfDeparture } from './panelChange.js';

type Facts = { readonly applied: boolean; readonly liveReservations: readonly LiveReservation[] };

/**
 * A panel departure into its slot `panel-<departureId>` (capacity, unit price, time, status), under
 * the slot's lock. The conflict rules (ADR 0046): a capacity lowered below the seats taken opens a
 * `capacity_conflict` and the slot takes no new holds; a departure that becomes cancelled lists every
 * live reservation on it as a `departure_cancelled` conflict. No reservation is touched.
 */
export function syncDepartureCommand(
  tenantId: string,
  departure: PanelDeparture,
  source: PanelChangeSource,
): Command<PanelChangeOutcome, Facts> {
  const slotId = slotIdOfDeparture(departure.departureId);
  return {
    name: 'syncPanelDeparture',
    tenantId,
    metadata: panelMetadata(source),
    lock: { slotId },
    factsBehindLock: async (tx) => ({
      applied: source.via === 'webhook' ? await webhookApplied(tx, tenantId, source.eventId) : false,
      liveReservations: departure.status === 'cancelled' ? await readLiveReservations(tx, tenantId, slotId) : [],
    }),
    decide: ({ slot, facts, now }) => {
      if (facts.applied) return { changes: [], result: 'duplicate' };
      const before: SlotState = slot ?? initialSlotState;
      const events = decideSlot(
        {
          type: 'SyncDeparture',
          slotId,
          activityId: departure.activityId,
          startsAt: departure.startsAt,
          capacity: departure.capacity,
          unitPrice: departure.price,
          status: departure.status,
        },
        before,
      );
      if (isDomainError(events)) return events;
      const after = events.reduce(evolveSlot, before);
      const conflicts = conflictsOf(slotId, before, after, events, facts.liveReservations);
      return {
        changes: [{ aggregate: 'slot', id: slotId, events }],
        rows: panelChangeRows(tenantId, source, conflicts, now),
        result: events.length > 0 ? 'applied' : 'unchanged',
      };
    },
  };
}

function conflictsOf(
  slotId: string,
  before: SlotState,
  after: SlotState,
  events: readonly SlotEvent[],
  live: readonly LiveReservation[],
): PanelConflict[] {
  if (after.status !== 'open') return [];
  const conflicts: PanelConflict[] = [];
  const lowered = before.status === 'open' && after.capacity < before.capacity;
  if (lowered && seatsOverCapacity(after) > 0) {
    conflicts.push({
      kind: 'capacity_conflict',
      slotId,
      detail: `the panel lowered the capacity to ${after.capacity}, below the ${after.held + after.sold} seat(s) held and sold: the departure takes no new holds`,
    });
  }
  const cancelledNow = events.some((event) => event.type === 'DepartureStatusChanged' && event.data.status === 'cancelled');
  if (cancelledNow) {
    for (const reservation of live) {
      conflicts.push({
        kind: 'departure_cancelled',
        slotId,
        reservationId: reservation.reservation_id,
        detail: `the panel cancelled the departure; reservation ${reservation.reservation_id} is ${reservation.status} with ${reservation.seats} seat(s)`,
      });
    }
  }
  return conflicts;
}
