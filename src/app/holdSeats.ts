import { randomUUID } from 'node:crypto';
import { isDomainError } from '../domain/errors.js';
import { decideReservation, evolveReservation, initialReservationState, type Customer } from '../domain/reservation.js';
import { decideSlot, evolveSlot } from '../domain/slot.js';
import { withTransaction } from '../db/transaction.js';
import { saveReservationView } from '../../projections/reservationView.js';
import { lockSlot, saveSlotAvailability } from '../../projections/slotAvailability.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { claimIdempotencyKey, type IdempotentRequest, type StoredResponse, storeIdempotentResponse } from './idempotency.js';
import { notFound, type Outcome, refuse, runRefusable } from './outcome.js';
import { recordEvents, reservationStreamId, slotStreamId } from './streams.js';

export type HoldSeatsInput = {
  readonly slotId: string;
  readonly seats: number;
  readonly customer: Customer;
};

export type IdempotentResult = { readonly response: StoredResponse; readonly replayed: boolean };

/**
 * Places a hold: one transaction claims the idempotency key, locks the slot's availability row,
 * decides against the slot and the new reservation, appends both streams' events, updates their
 * read models and stores the response. Holds on one slot queue on its lock; other slots are untouched.
 */
export async function holdSeats(
  deps: AppDeps,
  caller: Caller,
  request: IdempotentRequest,
  input: HoldSeatsInput,
): Promise<Outcome<IdempotentResult>> {
  const tenantId = caller.principal.tenantId;
  return runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx) => {
        const now = deps.clock().toISOString();
        const replay = await claimIdempotencyKey(tx, request, now);
        if (replay) return { response: replay, replayed: true };

        const slot = await lockSlot(tx, tenantId, input.slotId);
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

        const metadata = metadataFor(caller);
        const slotVersion = await recordEvents(tx, {
          tenantId, streamId: slotStreamId(input.slotId), expectedVersion: slot.version,
          events: slotEvents, recordedAt: now, metadata,
        });
        const reservationVersion = await recordEvents(tx, {
          tenantId, streamId: reservationStreamId(reservationId), expectedVersion: 0,
          events: reservationEvents, recordedAt: now, metadata,
        });
        const nextSlot = slotEvents.reduce(evolveSlot, slot.state);
        const reservation = reservationEvents.reduce(evolveReservation, initialReservationState);
        if (nextSlot.status !== 'open' || reservation.status !== 'held') throw new Error('a hold must leave a held reservation');
        await saveSlotAvailability(tx, tenantId, { state: nextSlot, version: slotVersion }, now);
        await saveReservationView(tx, tenantId, reservation, reservationVersion, now);

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
        await storeIdempotentResponse(tx, request, response, now);
        return { response, replayed: false };
      },
      { tenantId },
    ),
  );
}
