import { sendsWithoutWaiting } from '../db/commandPool.js';
import type { FragmentSqlToken } from 'slonik';
import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
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
import { lockSlot, type SlotSnapshot, slotAvailabilityUpsert, slotRowKey } from '../../projections/slotAvailability.js';
import { notFound, refuse } from './outcome.js';
import { seatMovesFor } from './seatMoves.js';
import { type EventMetadata, foldRecorded, reservationStreamId, slotStreamId } from './streams.js';
import type { WriteSet } from './writeSet.js';

export type ReservationChange = {
  readonly before: ReservationState;
  readonly after: Exclude<ReservationState, { status: 'none' }>;
  readonly version: number;
  readonly slotEvents: readonly SlotEvent[];
};

/** Streams read beside the reservation's, after the lock, in the same round trip. */
export type StreamsRead = ReadonlyMap<string, readonly RecordedEvent[]>;

/** A reservation's slot, locked, and its stream (with any `alsoRead` streams), read after the lock. */
export type LockedReservation = {
  readonly reservationId: string;
  readonly slot: SlotSnapshot;
  readonly streams: StreamsRead;
};

/** What the lock and the read found; `slot` is null when the lock was not taken. */
export type LockAttempt = { readonly slot: SlotSnapshot | null; readonly streams: StreamsRead };

/**
 * Locks the reservation's slot (found through the reservation, in the same statement), then reads
 * the reservation's stream and any `alsoRead` streams in a statement of its own, whose snapshot sees
 * everything committed before the lock was granted. On the command pool both statements leave
 * together (and may follow a statement of the caller's in the same round trip). The lock is taken
 * only if `onlyIf` holds when its statement runs: a webhook sends its inbox claim first and takes
 * no lock for a repeated event. Pass the attempt to `lockedOrMissing` once the command knows it has work.
 */
export async function lockAndRead(
  tx: Queries,
  tenantId: string,
  reservationId: string,
  alsoRead: readonly string[],
  onlyIf: FragmentSqlToken = sql.fragment`true`,
): Promise<LockAttempt> {
  // Each sends its statement when called, before any await: the call order is the statement order.
  const lock = () => lockSlot(tx, tenantId, { ofReservation: reservationId }, onlyIf);
  const read = () => readStreams(tx, tenantId, [reservationStreamId(reservationId), ...alsoRead]);
  const [slot, streams] = sendsWithoutWaiting(tx) ? await Promise.all([lock(), read()]) : [await lock(), await read()];
  return { slot, streams };
}

/** The locked reservation of an attempt whose lock was due; a missing reservation is refused as not found. */
export async function lockedOrMissing(
  tx: Queries,
  tenantId: string,
  reservationId: string,
  { slot, streams }: LockAttempt,
): Promise<LockedReservation> {
  if (!slot) {
    // Rare: tell a reservation that does not exist from one whose slot row is missing (a bug).
    const view = await readReservationView(tx, tenantId, reservationId);
    if (!view) refuse(notFound(`reservation ${reservationId}`));
    throw new Error(`reservation ${reservationId} points at missing slot ${view.slot_id}`);
  }
  return { reservationId, slot, streams };
}

export type ReservationChangeInput = {
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
};

/**
 * Every transition of an existing reservation, inside the caller's transaction: lock its slot and
 * read its stream (`lockAndRead`), decide, move the seats that transition frees or sells, and
 * put both streams' events and both read models into the caller's write set — the caller adds its
 * own writes and flushes them together. Holding the slot lock serialises this with every hold,
 * payment and expiry of the same slot, so two of them never decide on the same stale state.
 */
export async function changeReservation(tx: Queries, writes: WriteSet, input: ReservationChangeInput): Promise<ReservationChange> {
  const attempt = await lockAndRead(tx, input.tenantId, input.reservationId, input.alsoRead ?? []);
  return changeLockedReservation(writes, await lockedOrMissing(tx, input.tenantId, input.reservationId, attempt), input);
}

/** `changeReservation` for a reservation the caller has locked and read already. */
export async function changeLockedReservation(
  writes: WriteSet,
  locked: LockedReservation,
  input: Omit<ReservationChangeInput, 'alsoRead' | 'reservationId'>,
): Promise<ReservationChange> {
  const { tenantId, now, metadata } = input;
  const { reservationId, slot, streams } = locked;
  const reservationStream = reservationStreamId(reservationId);
  const recorded = streams.get(reservationStream) ?? [];
  const before = foldRecorded(recorded, evolveReservation, initialReservationState);
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
