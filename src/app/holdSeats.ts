import { randomUUID } from 'node:crypto';
import { isDomainError } from '../domain/errors.js';
import { decideReservation, evolveReservation, initialReservationState, type Customer } from '../domain/reservation.js';
import { decideSlot } from '../domain/slot.js';
import type { Command } from './command/command.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import type { IdempotentRequest, StoredResponse } from './idempotency.js';
import { notFound, type Outcome } from './outcome.js';
import { replayedOrDecided } from './command/commandEnd.js';

export type HoldSeatsInput = {
  readonly slotId: string;
  readonly seats: number;
  readonly customer: Customer;
};

export type IdempotentResult = { readonly response: StoredResponse; readonly replayed: boolean };

/**
 * Places a hold: claims the Idempotency-Key and locks the slot's row in one statement, decides the
 * slot's and the new reservation's events, and writes both streams, both read models and the stored
 * response with the COMMIT — two round trips, one of them under the slot lock (ADR 0018).
 */
export function holdSeatsCommand(
  caller: Caller,
  request: IdempotentRequest,
  input: HoldSeatsInput,
  holdTtlSeconds: number,
): Command<StoredResponse> {
  return {
    name: 'holdSeats',
    tenantId: caller.principal.tenantId,
    metadata: metadataFor(caller),
    claim: { kind: 'idempotencyKey', request },
    lock: { slotId: input.slotId },
    decide: ({ slot, now }) => {
      if (!slot) return notFound(`slot ${input.slotId}`);
      const reservationId = randomUUID();
      const slotEvents = decideSlot({ type: 'HoldSeats', reservationId, seats: input.seats }, slot);
      if (isDomainError(slotEvents)) return slotEvents;
      const reservationEvents = decideReservation(
        {
          type: 'PlaceHold',
          reservationId,
          slotId: input.slotId,
          seats: input.seats,
          unitPrice: slot.unitPrice,
          customer: input.customer,
          ownerSub: caller.principal.sub,
          now,
          holdTtlSeconds,
        },
        initialReservationState,
      );
      if (isDomainError(reservationEvents)) return reservationEvents;
      const reservation = reservationEvents.reduce(evolveReservation, initialReservationState);
      if (reservation.status !== 'held') throw new Error('a hold must leave a held reservation');
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
      return {
        changes: [
          { aggregate: 'slot', id: input.slotId, events: slotEvents },
          { aggregate: 'reservation', id: reservationId, events: reservationEvents },
        ],
        response,
        result: response,
      };
    },
  };
}

export async function holdSeats(
  deps: AppDeps,
  caller: Caller,
  request: IdempotentRequest,
  input: HoldSeatsInput,
): Promise<Outcome<IdempotentResult>> {
  return replayedOrDecided(await runCommand(deps, holdSeatsCommand(caller, request, input, deps.holdTtlSeconds)));
}
