import type { ActivityEvent } from '../domain/activity.js';
import type { PaymentEvent } from '../domain/payment.js';
import type { ReservationEvent } from '../domain/reservation.js';
import type { SlotEvent } from '../domain/slot.js';
import type { StreamEvent, StreamProjection } from '../../projections/declaredProjection.js';
import type { ProjectedRow } from './aggregate.js';
import type { RecordedEventInput } from './eventSchema.js';
import { activityAggregate } from './activity.js';
import { paymentAggregate } from './payment.js';
import { reservationAggregate } from './reservation.js';
import { slotAggregate } from './slot.js';

/**
 * The registry: every aggregate of the ledger, each with its stream prefix, decider, event schema
 * and inline projections. Whatever folds events from the log — commands, replay, rebuilds,
 * verification — finds the aggregate here by the stream's id and folds through it, so every event
 * is parsed by its schema before `evolve` sees it.
 */
export const aggregates = [slotAggregate, reservationAggregate, paymentAggregate, activityAggregate] as const;

export type RegisteredAggregate = (typeof aggregates)[number];
export type DomainEvent = SlotEvent | ReservationEvent | PaymentEvent | ActivityEvent;

export { slotAggregate, reservationAggregate, paymentAggregate, activityAggregate };
export { type Aggregate, type AggregateProjection, type ProjectedRow } from './aggregate.js';
export { EventSchemaError, isEventSchemaError, type RecordedEventInput } from './eventSchema.js';

/** The aggregate whose streams are named like `streamId`; undefined for streams of none (a test's, a future one's). */
export function aggregateOf(streamId: string): RegisteredAggregate | undefined {
  for (const aggregate of aggregates) if (aggregate.owns(streamId)) return aggregate;
  return undefined;
}

/** The aggregate `evolve` belongs to: lets callers that still pass (evolve, initial) fold through the registry. */
export function aggregateOfEvolve(evolve: unknown): RegisteredAggregate | undefined {
  for (const aggregate of aggregates) if (aggregate.evolve === evolve) return aggregate;
  return undefined;
}

export class UnknownStreamError extends Error {
  override readonly name = 'UnknownStreamError';
  constructor(readonly streamId: string) {
    super(`stream ${streamId} belongs to no aggregate (${aggregates.map((a) => `${a.streamPrefix}…`).join(', ')})`);
  }
}

/** Parses one event read from the log by its stream's aggregate; throws `EventSchemaError` when it does not match. */
export function parseRecordedEvent(recorded: RecordedEventInput & { readonly streamId: string }): DomainEvent {
  const aggregate = aggregateOf(recorded.streamId);
  if (!aggregate) throw new UnknownStreamError(recorded.streamId);
  return aggregate.parseEvent(recorded);
}

/** Every inline projection, in the order rebuilds and verification process them. */
export const inlineProjections: readonly StreamProjection[] = aggregates.flatMap((aggregate) =>
  aggregate.projections.map(({ projection }) => projection),
);

/** A whole stream's projection rows (none for a stream of no aggregate). */
export function projectStream(tenantId: string, streamId: string, events: readonly StreamEvent[]): ProjectedRow[] {
  return aggregateOf(streamId)?.projectStream(tenantId, streamId, events) ?? [];
}
