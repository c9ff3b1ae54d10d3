import { foldEvents, type Decider } from '../decider.js';
import type { DomainError } from '../errors.js';

export type Step<Command, Event, State> = {
  readonly command: Command;
  readonly before: State;
  readonly result: Event[] | DomainError;
  readonly after: State;
};

export type Run<Command, Event, State> = {
  readonly steps: Step<Command, Event, State>[];
  readonly events: Event[];
  readonly final: State;
};

/** Frozen inputs make any mutation inside decide or evolve throw (ES modules run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Folds commands through decide/evolve as the app would: a rejection leaves the state as it was. */
export function runCommands<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  commands: readonly Command[],
): Run<Command, Event, State> {
  const steps: Step<Command, Event, State>[] = [];
  const events: Event[] = [];
  let state = deepFreeze(decider.initialState);
  for (const command of commands) {
    const before = state;
    const result = decider.decide(deepFreeze(command), before);
    if (Array.isArray(result)) {
      for (const event of result) events.push(deepFreeze(event));
      state = deepFreeze(foldEvents(decider.evolve, before, result));
    }
    steps.push({ command, before, result, after: state });
  }
  return { steps, events, final: state };
}
