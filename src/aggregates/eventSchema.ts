import { z } from 'zod';
import { isIsoInstant } from '../domain/time.js';

/**
 * What the log gives a fold: an event's type and its stored data, and where it was read from when
 * the reader knows (a `RecordedEvent` carries both; a rebuild's slimmer rows carry neither, and the
 * fold counts versions from the start of the stream instead).
 */
export type RecordedEventInput = {
  readonly type: string;
  readonly data: unknown;
  readonly streamId?: string;
  readonly version?: number;
};

/**
 * An event in the log that its aggregate's schema refuses: an unknown type, a missing or mistyped
 * field. Never a client's fault and never retried: the log holds something our deciders did not
 * write (a bug, a migration gone wrong, an edit by hand), and folding it anyway would build state
 * from a guess. `issues` are zod's, for the operator; the stored data itself is not repeated here.
 */
export class EventSchemaError extends Error {
  override readonly name = 'EventSchemaError';
  readonly code = 'EVENT_SCHEMA_MISMATCH';
  constructor(
    readonly streamId: string,
    readonly version: number | undefined,
    readonly type: string,
    readonly issues: readonly z.core.$ZodIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `event ${type} at ${streamId}${version === undefined ? '' : ` version ${version}`} does not match its schema: ` +
        issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`).join('; '),
      options,
    );
  }
}

export function isEventSchemaError(error: unknown): error is EventSchemaError {
  return error instanceof EventSchemaError;
}

// Parts the three aggregates' event schemas share. Each mirrors what the deciders guarantee of what
// they write (src/domain/guards.ts, money.ts, time.ts), no more: a stricter schema would refuse
// history that is legitimately in the log.

/** An instant as the deciders record it: ISO 8601 with an explicit offset (`isIsoInstant`). */
export const instant = z.string().refine(isIsoInstant, { error: 'expected an ISO 8601 instant with an offset' });

/** Money a decider checked (`isValidMoney`): integer minor units, an upper-case ISO 4217 code. */
export const money = z.object({
  amount: z.int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

/**
 * Money as a provider reported it, recorded as it came (an anomaly's amount, a refund's): the
 * adapters make it integer minor units, but nothing checks the currency or the sign before it lands.
 */
export const reportedMoney = z.object({ amount: z.number(), currency: z.string() });

export const positiveSeats = z.int().positive();

/**
 * Deep structural form of a type: readonly dropped and intersections flattened, so that a zod
 * output type and the domain's hand-written event type compare by their fields alone.
 */
type Plain<T> = T extends string | number | boolean | null | undefined ? T : { -readonly [K in keyof T]: Plain<T[K]> };

/** True only when A and B are the same type, field for field (optional fields included). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the generic-function comparison is the type-equality idiom: T is only there to defer the conditionals
export type SameType<A, B> = (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;

/** Compiles only with `true`: `const check: Assert<SameType<…>> = true`. */
export type Assert<T extends true> = T;

/**
 * A stream's events parsed in order. An event that does not say where it was read from (a rebuild's
 * slim rows) is named by `streamId` and its position: versions count from 1.
 */
export function parseStream<E>(
  parse: (recorded: RecordedEventInput, fallback?: { streamId: string; version: number }) => E,
  streamId: string,
  events: readonly RecordedEventInput[],
): E[] {
  return events.map((event, index) => parse(event, { streamId, version: index + 1 }));
}

/**
 * The parse of one aggregate's events: the schema is a discriminated union on `type`, so an event is
 * checked against its own variant (zod picks it by the tag) and an unknown type is refused by name.
 */
export function eventParser<E extends { readonly type: string }>(
  prefix: string,
  schema: z.ZodType<E>,
): (recorded: RecordedEventInput, fallback?: { streamId: string; version: number }) => E {
  return (recorded, fallback) => {
    const result = schema.safeParse({ type: recorded.type, data: recorded.data });
    if (result.success) return result.data;
    throw new EventSchemaError(
      recorded.streamId ?? fallback?.streamId ?? `${prefix}?`,
      recorded.version ?? fallback?.version,
      recorded.type,
      result.error.issues,
      { cause: result.error },
    );
  };
}
