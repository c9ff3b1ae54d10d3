import type { Decider } from './decider.js';
import { invalidCommand, type DomainError } from './errors.js';
import { isNonEmptyString } from './guards.js';
import { isKnownTimeZone } from './localTime.js';

// Stream `activity-<activityId>`: what the operator sells, and the time zone its departures are in.

export type ActivityDetails = {
  readonly name: string;
  /** The IANA zone the departures are in: a slot's local time and the day reports count it on. */
  readonly timeZone: string;
  /** The BCP 47 language tag the operator writes the activity in; null when not given. */
  readonly locale: string | null;
};

export type ActivityState = { readonly status: 'none' } | ({ readonly status: 'defined'; readonly activityId: string } & ActivityDetails);

export type DefineActivity = { readonly type: 'DefineActivity'; readonly activityId: string } & ActivityDetails;
export type ActivityCommand = DefineActivity;

export type ActivityDefined = { readonly type: 'ActivityDefined'; readonly data: { readonly activityId: string } & ActivityDetails };
export type ActivityChanged = { readonly type: 'ActivityChanged'; readonly data: ActivityDetails };
export type ActivityEvent = ActivityDefined | ActivityChanged;

export const initialActivityState: ActivityState = { status: 'none' };

function invalidDetails(cmd: DefineActivity): DomainError | undefined {
  if (!isNonEmptyString(cmd.activityId)) return invalidCommand('activityId must be a non-empty string');
  if (!isNonEmptyString(cmd.name)) return invalidCommand('name must be a non-empty string');
  if (!isKnownTimeZone(cmd.timeZone)) return invalidCommand(`timeZone ${cmd.timeZone} is not an IANA time zone`);
  if (cmd.locale !== null && !isNonEmptyString(cmd.locale)) return invalidCommand('locale must be a non-empty string when given');
  return undefined;
}

// Copies field by field so that nothing else riding on a command or a stored event reaches the state.
function pickDetails(from: ActivityDetails): ActivityDetails {
  return { name: from.name, timeZone: from.timeZone, locale: from.locale };
}

const sameDetails = (a: ActivityDetails, b: ActivityDetails) => a.name === b.name && a.timeZone === b.timeZone && a.locale === b.locale;

/** A PUT of the activity: the first defines it, a different one changes it, the same one again records nothing. */
export function decideActivity(cmd: ActivityCommand, state: ActivityState): ActivityEvent[] | DomainError {
  const invalid = invalidDetails(cmd);
  if (invalid !== undefined) return invalid;
  if (state.status === 'none') return [{ type: 'ActivityDefined', data: { activityId: cmd.activityId, ...pickDetails(cmd) } }];
  if (cmd.activityId !== state.activityId) {
    return invalidCommand(`activityId ${cmd.activityId} does not match the activity ${state.activityId}`);
  }
  if (sameDetails(state, cmd)) return [];
  return [{ type: 'ActivityChanged', data: pickDetails(cmd) }];
}

// Events only come from `decide`: a change before a definition cannot be in the log, and evolve stays total.
export function evolveActivity(state: ActivityState, event: ActivityEvent): ActivityState {
  switch (event.type) {
    case 'ActivityDefined':
      if (state.status !== 'none') return state;
      return { status: 'defined', activityId: event.data.activityId, ...pickDetails(event.data) };
    case 'ActivityChanged':
      if (state.status === 'none') return state;
      return { ...state, ...pickDetails(event.data) };
  }
}

export const activityDecider: Decider<ActivityCommand, ActivityEvent, ActivityState> = {
  decide: decideActivity,
  evolve: evolveActivity,
  initialState: initialActivityState,
};
