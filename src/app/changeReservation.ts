import type { CommonQueryMethods } from 'slonik';
import type { DomainError } from '../domain/errors.js';
import { isDomainError } from '../domain/errors.js';
import {
  evolveReservation,
  initialReservationState,
  type ReservationEvent,
  type ReservationState,
} from '../domain/reservation.js';
import { decideSlot, evolveSlot, type SlotEvent, type SlotState } from '../domain/slot.js';
import { readReservationView, saveReservationView } from '../../projections/reservationView.js';
import { lockSlot, saveSlotAvailability } from '../../projections/slotAvailability.js';
import { notFound, refuse } from './outcome.js';
import { seatMovesFor } from './seatMoves.js';
import { type EventMetadata, loadAggregate, recordEvents, reservationStreamId, slotStreamId } from './streams.js';

export type ReservationChange = {
  readonly before: ReservationState;
  readonly after: Exclude<ReservationState, { status: 'none' }>;
  readonly version: number;
  readonly slotEvents: readonly SlotEvent[];
};

/**
 * Every transition of an existing reservation, inside the caller's transaction: lock its slot,
 * fold the reservation, decide, move the seats that transition frees or sells, append both streams
 * and update both read models. Holding the slot lock serialises this with every hold, payment and
 * expiry of the same slot, so two of them never decide on the same stale state.
 */
export async function changeReservation(
  tx: CommonQueryMethods,
  input: {
    readonly tenantId: string;
    readonly reservationId: string;
    readonly now: string;
    readonly metadata: EventMetadata;
    /** Runs after the slot lock is taken, so facts it reads (payments in flight) cannot change under it. */
    readonly decide: (
      reservation: ReservationState,
      slot: SlotState,
    ) => ReservationEvent[] | DomainError | Promise<ReservationEvent[] | DomainError>;
  },
): Promise<ReservationChange> {
  const { tenantId, reservationId, now, metadata } = input;
  const view = await readReservationView(tx, tenantId, reservationId);
  if (!view) refuse(notFound(`reservation ${reservationId}`));
  const slot = await lockSlot(tx, tenantId, view.slot_id);
  if (!slot) throw new Error(`reservation ${reservationId} points at missing slot ${view.slot_id}`);
  const loaded = await loadAggregate(
    tx, tenantId, reservationStreamId(reservationId), evolveReservation, initialReservationState,
  );
  const events = await input.decide(loaded.state, slot.state);
  if (isDomainError(events)) refuse(events);
  const after = events.reduce(evolveReservation, loaded.state);
  if (after.status === 'none') throw new Error('a decided reservation cannot be none');

  const slotEvents: SlotEvent[] = [];
  let slotState: SlotState = slot.state;
  for (const move of seatMovesFor(reservationId, loaded.state, after)) {
    const moved = decideSlot(move, slotState);
    if (isDomainError(moved)) refuse(moved);
    slotEvents.push(...moved);
    slotState = moved.reduce(evolveSlot, slotState);
  }

  let version = loaded.version;
  if (events.length > 0) {
    version = await recordEvents(tx, {
      tenantId, streamId: reservationStreamId(reservationId), expectedVersion: loaded.version,
      events, recordedAt: now, metadata,
    });
    await saveReservationView(tx, tenantId, after, version, now);
  }
  if (slotEvents.length > 0) {
    if (slotState.status !== 'open') throw new Error('a slot with seats must be open');
    const slotVersion = await recordEvents(tx, {
      tenantId, streamId: slotStreamId(view.slot_id), expectedVersion: slot.version,
      events: slotEvents, recordedAt: now, metadata,
    });
    await saveSlotAvailability(tx, tenantId, { state: slotState, version: slotVersion }, now);
  }
  return { before: loaded.state, after, version, slotEvents };
}
