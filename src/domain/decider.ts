import type { DomainError } from './errors.js';

/**
 * An aggregate as three pure parts (the shape of Emmett's `Decider`): `decide` checks a command
 * against the current state and says what happened; `evolve` folds a fact into the state and never
 * refuses one, because an event in the log has already happened.
 */
export type Decider<Command, Event, State> = {
  readonly decide: (command: Command, state: State) => Event[] | DomainError;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
};

export function foldEvents<Event, State>(evolve: (state: State, event: Event) => State, initial: State, events: readonly Event[]): State {
  return events.reduce(evolve, initial);
}
