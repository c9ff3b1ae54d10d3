import type { Queries } from '../db/queries.js';
import { readStream } from '../ledger/readStream.js';

export const slotStreamId = (slotId: string) => `slot-${slotId}`;
export const reservationStreamId = (reservationId: string) => `reservation-${reservationId}`;
export const paymentStreamId = (paymentId: string) => `payment-${paymentId}`;

export type DomainEventShape = { readonly type: string; readonly data: unknown };

/** Who did it and why, recorded beside every event for auditors. */
export type EventMetadata = {
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly source?: string;
  readonly providerEventId?: string;
};

/**
 * Folds recorded events into their aggregate's state. Events come from our own log, written only by
 * our deciders, so their `type`/`data` are trusted to be the decider's event union.
 */
export function foldRecorded<State, Event extends DomainEventShape>(
  events: readonly DomainEventShape[],
  evolve: (state: State, event: Event) => State,
  initial: State,
): State {
  return events.reduce((s, e) => evolve(s, { type: e.type, data: e.data } as Event), initial);
}

export type Loaded<State> = { readonly state: State; readonly version: number };

/** Reads one stream and folds it into its aggregate's state. */
export async function loadAggregate<State, Event extends DomainEventShape>(
  db: Queries,
  tenantId: string,
  streamId: string,
  evolve: (state: State, event: Event) => State,
  initial: State,
  options: { recordedUpTo?: string } = {},
): Promise<Loaded<State>> {
  const events = await readStream(db, tenantId, streamId, options);
  return { state: foldRecorded(events, evolve, initial), version: events.length };
}
