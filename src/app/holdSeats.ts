import { randomUUID } from 'node:crypto';
import { isDomainError } from '../domain/errors.js';
import { decideReservation, evolveReservation, initialReservationState, type Customer } from '../domain/reservation.js';
import { decideSlot, evolveSlot } from '../domain/slot.js';
import { EMPTY_STREAM_HEAD } from '../ledger/streamHead.js';
import { reservationRowKey, reservationViewUpsert } from '../../projections/reservationView.js';
import { slotAvailabilityUpsert, slotRowKey } from '../../projections/slotAvailability.js';
import { claimKeyAndLockSlot } from './claimKeyAndLockSlot.js';
import { inCommandTransaction } from './commandTransaction.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { idempotencyRowKey, type IdempotentRequest, type StoredResponse, storeResponseStatement } from './idempotency.js';
import { notFound, type Outcome, refuse, runRefusable } from './outcome.js';
import { reservationStreamId, slotStreamId } from './streams.js';
import { createWriteSet } from './writeSet.js';

export type HoldSeatsInput = {
  readonly slotId: string;
  readonly seats: number;
  readonly customer: Customer;
};

export type IdempotentResult = { readonly response: StoredResponse; readonly replayed: boolean };

/**
 * Places a hold in two round trips of the command pool: BEGIN with one statement that sets the
 * tenant, claims the idempotency key and locks the slot's availability row; the deciders (slot and
 * new reservation) in TypeScript; then one statement that writes everything the hold produces —
 * both streams' events, both read models and the stored response (the write set) — with the
 * COMMIT. Holds on one slot queue on its lock, which is held for that last round trip only; other
 * slots are untouched.
 */
export async function holdSeats(
  deps: AppDeps,
  caller: Caller,
  request: IdempotentRequest,
  input: HoldSeatsInput,
): Promise<Outcome<IdempotentResult>> {
  const tenantId = caller.principal.tenantId;
  return runRefusable(() =>
    // The first statement (claimKeyAndLockSlot) sets the tenant itself.
    inCommandTransaction(deps, async (tx) => {
      const now = deps.clock().toISOString();
      const claimed = await claimKeyAndLockSlot(tx, request, input.slotId, now);
      if (claimed.kind === 'replay') return { response: claimed.response, replayed: true };
      const slot = claimed.slot;
      if (!slot) refuse(notFound(`slot ${input.slotId}`));

      const reservationId = randomUUID();
      const slotEvents = decideSlot({ type: 'HoldSeats', reservationId, seats: input.seats }, slot.state);
      if (isDomainError(slotEvents)) refuse(slotEvents);
      const reservationEvents = decideReservation(
        {
          type: 'PlaceHold',
          reservationId,
          slotId: input.slotId,
          seats: input.seats,
          unitPrice: slot.state.unitPrice,
          customer: input.customer,
          ownerSub: caller.principal.sub,
          now,
          holdTtlSeconds: deps.holdTtlSeconds,
        },
        initialReservationState,
      );
      if (isDomainError(reservationEvents)) refuse(reservationEvents);
      const nextSlot = slotEvents.reduce(evolveSlot, slot.state);
      const reservation = reservationEvents.reduce(evolveReservation, initialReservationState);
      if (nextSlot.status !== 'open' || reservation.status !== 'held') throw new Error('a hold must leave a held reservation');

      const response: StoredResponse = {
        status: 201,
        body: {
          reservationId,
          status: 'held',
          slotId: reservation.slotId,
          seats: reservation.seats,
          total: reservation.total,
          expiresAt: reservation.expiresAt,
        },
      };
      const metadata = metadataFor(caller);
      const writes = createWriteSet();
      const slotHead = writes.append({
        tenantId, streamId: slotStreamId(input.slotId), head: slot.head, events: slotEvents, recordedAt: now, metadata,
      });
      const reservationHead = writes.append({
        tenantId, streamId: reservationStreamId(reservationId), head: EMPTY_STREAM_HEAD, events: reservationEvents,
        recordedAt: now, metadata,
      });
      writes.save(slotRowKey(tenantId, input.slotId), slotAvailabilityUpsert(tenantId, { state: nextSlot, head: slotHead }, now));
      writes.save(
        reservationRowKey(tenantId, reservationId),
        reservationViewUpsert(tenantId, reservation, reservationHead.version, now),
      );
      writes.save(idempotencyRowKey(request), storeResponseStatement(request, response, now));
      await writes.commit(tx);
      return { response, replayed: false };
    }),
  );
}
