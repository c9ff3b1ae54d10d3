import { aggregateOfEvolve } from '../aggregates/index.js';
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
 * Folds recorded events into their aggregate's state. Each event is parsed by the schema of the
 * aggregate `evolve` belongs to (src/aggregates), so one the schema refuses throws
 * `EventSchemaError` instead of being folded as a guess. Callers can fold through the registry
 * directly (`slotAggregate.fold(events)`); this keeps the (evolve, initial) form working.
 */
export function foldRecorded<State, Event extends DomainEventShape>(
  events: readonly DomainEventShape[],
  evolve: (state: State, event: Event) => State,
  initial: State,
): State {
  const aggregate = aggregateOfEvolve(evolve);
  if (!aggregate) throw new Error('foldRecorded: this evolve belongs to no aggregate of src/aggregates');
  const streamId = `${aggregate.streamPrefix}?`;
  // The registry found the aggregate by this very evolve, so the parsed event is of its union.
  return events.reduce((s, e, index) => evolve(s, aggregate.parseEvent(e, { streamId, version: index + 1 }) as Event), initial);
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
