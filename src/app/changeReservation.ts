import type { Queries } from '../db/queries.js';
import type { DomainError } from '../domain/errors.js';
import { isDomainError } from '../domain/errors.js';
import {
  evolveReservation,
  initialReservationState,
  type ReservationEvent,
  type ReservationState,
} from '../domain/reservation.js';
import { decideSlot, evolveSlot, type SlotEvent, type SlotState } from '../domain/slot.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { readStreams } from '../ledger/readStreams.js';
import { headAfter, type StreamHead } from '../ledger/streamHead.js';
import { readReservationView, reservationRowKey, reservationViewUpsert } from '../../projections/reservationView.js';
import { lockSlot, slotAvailabilityUpsert, slotRowKey } from '../../projections/slotAvailability.js';
import { notFound, refuse } from './outcome.js';
import { seatMovesFor } from './seatMoves.js';
import { type EventMetadata, reservationStreamId, slotStreamId } from './streams.js';
import type { WriteSet } from './writeSet.js';

export type ReservationChange = {
  readonly before: ReservationState;
  readonly after: Exclude<ReservationState, { status: 'none' }>;
  readonly version: number;
  readonly slotEvents: readonly SlotEvent[];
};

/** Streams read beside the reservation's, after the lock, in the same round trip. */
export type StreamsRead = ReadonlyMap<string, readonly RecordedEvent[]>;

/**
 * Every transition of an existing reservation, inside the caller's transaction: lock its slot
 * (found through the reservation, in the same statement), read the reservation's stream (and any
 * `alsoRead` streams) in one round trip, decide, move the seats that transition frees or sells, and
 * put both streams' events and both read models into the caller's write set — the caller adds its
 * own writes and flushes them together. Holding the slot lock serialises this with every hold,
 * payment and expiry of the same slot, so two of them never decide on the same stale state.
 */
export async function changeReservation(
  tx: Queries,
  writes: WriteSet,
  input: {
    readonly tenantId: string;
    readonly reservationId: string;
    readonly now: string;
    readonly metadata: EventMetadata;
    readonly alsoRead?: readonly string[];
    /** Runs after the slot lock is taken, so facts it reads (payments in flight) cannot change under it. */
    readonly decide: (
      reservation: ReservationState,
      slot: SlotState,
      streams: StreamsRead,
    ) => ReservationEvent[] | DomainError | Promise<ReservationEvent[] | DomainError>;
  },
): Promise<ReservationChange> {
  const { tenantId, reservationId, now, metadata } = input;
  const slot = await lockSlot(tx, tenantId, { ofReservation: reservationId });
  if (!slot) {
    // Rare: tell a reservation that does not exist from one whose slot row is missing (a bug).
    const view = await readReservationView(tx, tenantId, reservationId);
    if (!view) refuse(notFound(`reservation ${reservationId}`));
    throw new Error(`reservation ${reservationId} points at missing slot ${view.slot_id}`);
  }
  // Read after the lock, in a statement of its own: its snapshot sees everything committed before the lock was granted.
  const reservationStream = reservationStreamId(reservationId);
  const streams = await readStreams(tx, tenantId, [reservationStream, ...(input.alsoRead ?? [])]);
  const recorded = streams.get(reservationStream) ?? [];
  const before = recorded.reduce(
    (state, e) => evolveReservation(state, { type: e.type, data: e.data } as ReservationEvent),
    initialReservationState,
  );
  const events = await input.decide(before, slot.state, streams);
  if (isDomainError(events)) refuse(events);
  const after = events.reduce(evolveReservation, before);
  if (after.status === 'none') throw new Error('a decided reservation cannot be none');

  const slotEvents: SlotEvent[] = [];
  let slotState: SlotState = slot.state;
  for (const move of seatMovesFor(reservationId, before, after)) {
    const moved = decideSlot(move, slotState);
    if (isDomainError(moved)) refuse(moved);
    slotEvents.push(...moved);
    slotState = moved.reduce(evolveSlot, slotState);
  }

  let head: StreamHead = headAfter(recorded);
  if (events.length > 0) {
    head = writes.append({ tenantId, streamId: reservationStream, head, events, recordedAt: now, metadata });
    writes.save(reservationRowKey(tenantId, reservationId), reservationViewUpsert(tenantId, after, head.version, now));
  }
  if (slotEvents.length > 0) {
    if (slotState.status !== 'open') throw new Error('a slot with seats must be open');
    const slotId = slotState.slotId;
    const slotHead = writes.append({
      tenantId, streamId: slotStreamId(slotId), head: slot.head, events: slotEvents, recordedAt: now, metadata,
    });
    writes.save(slotRowKey(tenantId, slotId), slotAvailabilityUpsert(tenantId, { state: slotState, head: slotHead }, now));
  }
  return { before, after, version: head.version, slotEvents };
}
