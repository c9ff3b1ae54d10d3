import { randomUUID } from 'node:crypto';
import { isDomainError } from '../domain/errors.js';
import { decideReservation, evolveReservation, initialReservationState, type Customer } from '../domain/reservation.js';
import { decideSlot } from '../domain/slot.js';
import { heldSeatsOfCustomer } from '../../projections/customerSlotHolds.js';
import type { Command } from './command/command.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import type { IdempotentRequest, StoredResponse } from './idempotency.js';
import { notFound, type Outcome } from './outcome.js';
import { holdAllowanceApplies } from './policy.js';
import { replayedOrDecided } from './command/commandEnd.js';

export type HoldSeatsInput = {
  readonly slotId: string;
  readonly seats: number;
  /** As the caller sent it to `holdSeats`; sealed (ADR 0048) by the time it reaches `holdSeatsCommand`. */
  readonly customer: Customer;
};

export type IdempotentResult = { readonly response: StoredResponse; readonly replayed: boolean };

export type HoldRules = {
  readonly holdTtlSeconds: number;
  /** HOLD_MAX_SEATS_PER_CUSTOMER: unpaid seats one customer may hold on one slot at a time. */
  readonly maxSeatsPerCustomer: number;
};

/** What the caller already holds on the slot, when a per-customer allowance applies to them. */
type HeldByCaller = { readonly heldByCustomer: number } | null;

/**
 * Places a hold: claims the Idempotency-Key, locks the slot's row and reads what a customer caller
 * already holds on the slot in one statement (its count, read at its newest version; when the
 * statement cannot tell, by a read right behind it, which runs once the lock is granted: two holds of
 * one customer cannot both pass the allowance); decides the slot's and the new reservation's events,
 * and writes both streams, both read models, the count and the stored response with the COMMIT — two
 * round trips, one of them under the slot lock (ADR 0018, ADR 0037, ADR 0051).
 */
export function holdSeatsCommand(
  caller: Caller,
  request: IdempotentRequest,
  input: HoldSeatsInput,
  { holdTtlSeconds, maxSeatsPerCustomer }: HoldRules,
): Command<StoredResponse, HeldByCaller> {
  const { principal } = caller;
  const limited = holdAllowanceApplies(principal);
  return {
    name: 'holdSeats',
    tenantId: principal.tenantId,
    metadata: metadataFor(caller),
    claim: { kind: 'idempotencyKey', request },
    lock: { slotId: input.slotId },
    // Read by the claim-and-lock statement; by a read right behind it when that statement cannot tell (ADR 0051).
    ...(limited ? { heldSeatsWithLock: { ownerSub: principal.sub, asFacts: (heldByCustomer: number) => ({ heldByCustomer }) } } : {}),
    factsBehindLock: async (tx) =>
      limited ? { heldByCustomer: await heldSeatsOfCustomer(tx, principal.tenantId, input.slotId, principal.sub) } : null,
    decide: ({ slot, now, facts }) => {
      if (!slot) return notFound(`slot ${input.slotId}`);
      const reservationId = randomUUID();
      const allowance = facts === null ? null : { heldByCustomer: facts.heldByCustomer, maxSeatsPerCustomer };
      const slotEvents = decideSlot({ type: 'HoldSeats', reservationId, seats: input.seats, now, allowance }, slot);
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
  maxSeatsPerCustomer: number,
): Promise<Outcome<IdempotentResult>> {
  const rules = { holdTtlSeconds: deps.holdTtlSeconds, maxSeatsPerCustomer };
  let keepKey: () => void = () => undefined;
  const outcome = await runCommand(deps, async (tx) => {
    // In the hold's transaction, before the slot's lock: a customer's data key made on first use
    // exists only if the hold commits (a refused hold writes nothing, ADR 0048).
    const { sealed, keep } = await deps.personalData.sealCustomer(tx, caller.principal.tenantId, input.customer);
    keepKey = keep;
    return holdSeatsCommand(caller, request, { ...input, customer: sealed }, rules);
  });
  if (outcome.ok) keepKey();
  return replayedOrDecided(outcome);
}
