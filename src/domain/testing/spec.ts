import { expect } from 'vitest';
import { foldEvents, type Decider } from '../decider.js';
import { isDomainError, type DomainError, type DomainErrorKind } from '../errors.js';

/** An expected rejection: its kind alone, or the kind with fields that must match. */
export type ExpectedError = DomainErrorKind | ({ kind: DomainErrorKind } & Record<string, unknown>);

export type Then<Event, State> = {
  /** Asserts the outcome and returns the state after it (unchanged on a rejection). */
  then(expected: readonly Event[] | ExpectedError): State;
  readonly result: Event[] | DomainError;
};

export type Given<Command, Event, State> = (events: readonly Event[]) => {
  when(command: Command): Then<Event, State>;
};

/**
 * Given/when/then over a decider, after Emmett's `DeciderSpecification`:
 * `given(pastEvents).when(command).then(newEvents | errorKind)`.
 */
export function specFor<Command, Event, State>(decider: Decider<Command, Event, State>): Given<Command, Event, State> {
  return (events) => {
    const state = foldEvents(decider.evolve, decider.initialState, events);
    return {
      when(command) {
        const result = decider.decide(command, state);
        return {
          result,
          then(expected) {
            if (Array.isArray(expected)) {
              // Strict: an `undefined` field would vanish from the stored JSON and break replay equality.
              expect(result).toStrictEqual(expected);
              return foldEvents(decider.evolve, state, expected as readonly Event[]);
            }
            expect(isDomainError(result), `expected a DomainError, got ${JSON.stringify(result)}`).toBe(true);
            const match = typeof expected === 'string' ? { kind: expected } : expected;
            expect(result).toMatchObject(match);
            return state;
          },
        };
      },
    };
  };
}
