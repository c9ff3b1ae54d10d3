import type { z } from 'zod';
import type { DomainError } from '../domain/errors.js';
import type {
  Columns,
  DeclaredProjection,
  FoldedStream,
  ProjectionValue,
  StreamEvent,
  StreamProjection,
} from '../../projections/declaredProjection.js';
import { parseStream, type RecordedEventInput } from './eventSchema.js';

/**
 * An inline projection as its aggregate lists it: the declared projection, and how a whole folded
 * stream becomes `rowOf`'s input (null: the stream has no row, e.g. a slot never defined).
 */
export type AggregateProjection<State, Event> = {
  readonly projection: StreamProjection;
  /** The row's values, in column order, for a whole stream (rebuilds and verification). */
  readonly rowValues: (tenantId: string, stream: FoldedStream<State, Event>) => ProjectionValue[] | null;
};

export function inlineProjection<State, Event, C extends Columns, Input>(
  projection: DeclaredProjection<C, Input>,
  inputOf: (stream: FoldedStream<State, Event>) => Input | null,
): AggregateProjection<State, Event> {
  return {
    projection,
    rowValues(tenantId, stream) {
      const input = inputOf(stream);
      return input === null ? null : projection.valuesOf(projection.rowOf(tenantId, input));
    },
  };
}

/** A projection's row for one stream, as a rebuild queues it. */
export type ProjectedRow = { readonly projection: StreamProjection; readonly values: ProjectionValue[] };

export type AggregateParts<Name extends string, Command, Event extends { readonly type: string }, State> = {
  readonly name: Name;
  /** Every stream of this aggregate is `<prefix><id>`. */
  readonly streamPrefix: string;
  readonly initialState: State;
  readonly evolve: (state: State, event: Event) => State;
  /** The domain's pure decider (src/domain), unchanged. */
  decide(command: Command, state: State): Event[] | DomainError;
  /** Every event of the aggregate: a discriminated union on `type`, checked against the domain's union. */
  readonly eventSchema: z.ZodType<Event>;
  readonly parseEvent: (recorded: RecordedEventInput, fallback?: { streamId: string; version: number }) => Event;
  readonly projections: readonly AggregateProjection<State, Event>[];
};

/**
 * One aggregate of the registry: its streams, its decider, its events' schema, its projections.
 * Whatever reads its events from the log folds them through `fold` (or `parseStream`), so each is
 * parsed by the schema before `evolve` sees it: never a cast.
 */
export type Aggregate<Name extends string, Command, Event extends { readonly type: string }, State> = AggregateParts<
  Name,
  Command,
  Event,
  State
> & {
  streamId(id: string): string;
  /** Whether a stream id is one of this aggregate's. */
  owns(streamId: string): boolean;
  /**
   * Parses a stream's events in order; an event that does not say where it was read from is
   * named by `streamId` and its position (versions count from 1).
   */
  parseStream(streamId: string, events: readonly RecordedEventInput[]): Event[];
  /**
   * Parses and folds events read from the log, from `from` (default: the initial state). Throws
   * `EventSchemaError` at the first event its schema refuses.
   */
  fold(events: readonly RecordedEventInput[], options?: { readonly streamId?: string; readonly from?: State }): State;
  /**
   * The state after each event, in order and one at a time (an auditor's replay): parsed like
   * `fold`, so the states before a refused event are yielded before it throws.
   */
  scan(events: readonly RecordedEventInput[], options?: { readonly streamId?: string }): Generator<State, void, undefined>;
  /** A whole stream's rows in this aggregate's projections: what rebuilds and verification write. */
  projectStream(tenantId: string, streamId: string, events: readonly StreamEvent[]): ProjectedRow[];
};

export function defineAggregate<Name extends string, Command, Event extends { readonly type: string }, State>(
  parts: AggregateParts<Name, Command, Event, State>,
): Aggregate<Name, Command, Event, State> {
  const { streamPrefix, evolve, parseEvent } = parts;
  const parseAll = (streamId: string, events: readonly RecordedEventInput[]) => parseStream(parseEvent, streamId, events);
  return {
    ...parts,
    streamId: (id) => `${streamPrefix}${id}`,
    owns: (streamId) => streamId.startsWith(streamPrefix),
    parseStream: parseAll,
    fold(events, options = {}) {
      let state = options.from ?? parts.initialState;
      const streamId = options.streamId ?? `${streamPrefix}?`;
      for (const [index, event] of events.entries()) {
        state = evolve(state, parseEvent(event, { streamId, version: index + 1 }));
      }
      return state;
    },
    *scan(events, options = {}) {
      const streamId = options.streamId ?? `${streamPrefix}?`;
      let state = parts.initialState;
      for (const [index, event] of events.entries()) {
        state = evolve(state, parseEvent(event, { streamId, version: index + 1 }));
        yield state;
      }
    },
    projectStream(tenantId, streamId, recorded) {
      const events = parseAll(streamId, recorded);
      let state = parts.initialState;
      for (const event of events) state = evolve(state, event);
      const stream: FoldedStream<State, Event> = { streamId, state, events, recorded };
      const rows: ProjectedRow[] = [];
      for (const { projection, rowValues } of parts.projections) {
        const values = rowValues(tenantId, stream);
        if (values !== null) rows.push({ projection, values });
      }
      return rows;
    },
  };
}
