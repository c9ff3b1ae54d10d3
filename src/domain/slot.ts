import { assertNever } from './assertNever.js';
import type { Decider } from './decider.js';
import {
  capacityBelowCommitted,
  holdLimitReached,
  illegalTransition,
  invalidCommand,
  slotClosed,
  slotFull,
  type DomainError,
} from './errors.js';
import { isNonEmptyString, isNonNegativeInteger, isPositiveInteger } from './guards.js';
import { isValidMoney, sameMoney, type Money } from './money.js';
import { isAtOrAfter, isIsoInstant, sameInstant } from './time.js';

// Stream `slot-<slotId>`. Invariant: 0 <= held, 0 <= sold, held + sold <= capacity in every state.

export type SlotState =
  | { readonly status: 'none' }
  | {
      readonly status: 'open';
      readonly slotId: string;
      readonly activityId: string;
      readonly startsAt: string;
      readonly capacity: number;
      readonly held: number;
      readonly sold: number;
      readonly unitPrice: Money;
    };

export type DefineSlot = {
  readonly type: 'DefineSlot';
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
};
/**
 * What the customer placing a hold already holds on this slot (held, not yet paid, read under the
 * slot's lock) and the most one customer may hold there at a time.
 */
export type HoldAllowance = { readonly heldByCustomer: number; readonly maxSeatsPerCustomer: number };
/**
 * A new hold. `now` closes the slot once its departure has started. `allowance` is null for a hold
 * that no per-customer limit applies to (the operator's own staff booking at the desk).
 */
export type HoldSeats = {
  readonly type: 'HoldSeats';
  readonly reservationId: string;
  readonly seats: number;
  readonly now: string;
  readonly allowance: HoldAllowance | null;
};
export type ReleaseHeldSeats = {
  readonly type: 'ReleaseHeldSeats';
  readonly reservationId: string;
  readonly seats: number;
  readonly reason: 'expired' | 'cancelled';
};
export type SellHeldSeats = { readonly type: 'SellHeldSeats'; readonly reservationId: string; readonly seats: number };
/** A payment success that arrived after its hold expired takes free seats straight to sold. */
export type SellSeatsDirectly = {
  readonly type: 'SellSeatsDirectly';
  readonly reservationId: string;
  readonly seats: number;
};
export type ReleaseSoldSeats = {
  readonly type: 'ReleaseSoldSeats';
  readonly reservationId: string;
  readonly seats: number;
  readonly reason: 'cancelled' | 'refunded';
};

export type SlotCommand = DefineSlot | HoldSeats | ReleaseHeldSeats | SellHeldSeats | SellSeatsDirectly | ReleaseSoldSeats;

type SlotDetails = {
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
};
type SeatMove = { readonly reservationId: string; readonly seats: number };

export type SlotDefined = { readonly type: 'SlotDefined'; readonly data: SlotDetails & { readonly slotId: string } };
export type SlotDetailsChanged = { readonly type: 'SlotDetailsChanged'; readonly data: SlotDetails };
export type SeatsHeld = { readonly type: 'SeatsHeld'; readonly data: SeatMove };
export type HeldSeatsReleased = {
  readonly type: 'HeldSeatsReleased';
  readonly data: SeatMove & { readonly reason: 'expired' | 'cancelled' };
};
export type HeldSeatsSold = { readonly type: 'HeldSeatsSold'; readonly data: SeatMove };
export type SeatsSoldDirectly = { readonly type: 'SeatsSoldDirectly'; readonly data: SeatMove };
export type SoldSeatsReleased = {
  readonly type: 'SoldSeatsReleased';
  readonly data: SeatMove & { readonly reason: 'cancelled' | 'refunded' };
};

export type SlotEvent =
  SlotDefined | SlotDetailsChanged | SeatsHeld | HeldSeatsReleased | HeldSeatsSold | SeatsSoldDirectly | SoldSeatsReleased;

type OpenSlot = Extract<SlotState, { status: 'open' }>;

export const initialSlotState: SlotState = { status: 'none' };

export function availableSeats(state: SlotState): number {
  return state.status === 'open' ? state.capacity - state.held - state.sold : 0;
}

function invalidDetails(cmd: DefineSlot): DomainError | undefined {
  if (!isNonEmptyString(cmd.slotId)) return invalidCommand('slotId must be a non-empty string');
  if (!isNonEmptyString(cmd.activityId)) return invalidCommand('activityId must be a non-empty string');
  if (!isIsoInstant(cmd.startsAt)) return invalidCommand('startsAt must be an ISO 8601 instant with an offset');
  if (!isNonNegativeInteger(cmd.capacity)) return invalidCommand('capacity must be a non-negative integer');
  if (!isValidMoney(cmd.unitPrice)) {
    return invalidCommand('unitPrice must be integer minor units with an upper-case ISO 4217 currency');
  }
  return undefined;
}

// Copies field by field so that nothing else riding on a command or a stored event reaches the state.
function pickDetails(from: SlotDetails): SlotDetails {
  return {
    activityId: from.activityId,
    startsAt: from.startsAt,
    capacity: from.capacity,
    unitPrice: { amount: from.unitPrice.amount, currency: from.unitPrice.currency },
  };
}

function unchanged(state: OpenSlot, cmd: DefineSlot): boolean {
  return (
    state.activityId === cmd.activityId &&
    sameInstant(state.startsAt, cmd.startsAt) &&
    state.capacity === cmd.capacity &&
    sameMoney(state.unitPrice, cmd.unitPrice)
  );
}

function defineSlot(cmd: DefineSlot, state: SlotState): SlotEvent[] | DomainError {
  const invalid = invalidDetails(cmd);
  if (invalid !== undefined) return invalid;
  if (state.status === 'none') {
    return [{ type: 'SlotDefined', data: { slotId: cmd.slotId, ...pickDetails(cmd) } }];
  }
  if (cmd.slotId !== state.slotId) {
    return invalidCommand(`slotId ${cmd.slotId} does not match the slot ${state.slotId}`);
  }
  const committed = state.held + state.sold;
  // Reservations already priced their totals in the old currency; switching would strand them.
  if (cmd.unitPrice.currency !== state.unitPrice.currency && committed > 0) {
    return illegalTransition('slot', state.status, cmd.type, 'the currency cannot change while seats are held or sold');
  }
  if (cmd.capacity < committed) return capacityBelowCommitted(cmd.capacity, committed);
  if (unchanged(state, cmd)) return [];
  return [{ type: 'SlotDetailsChanged', data: pickDetails(cmd) }];
}

type SeatCommand = Exclude<SlotCommand, DefineSlot>;

function invalidSeatMove(cmd: SeatCommand): DomainError | undefined {
  if (!isNonEmptyString(cmd.reservationId)) return invalidCommand('reservationId must be a non-empty string');
  if (!isPositiveInteger(cmd.seats)) return invalidCommand('seats must be a positive integer');
  if (cmd.type === 'HoldSeats') return invalidHold(cmd);
  return undefined;
}

function invalidHold(cmd: HoldSeats): DomainError | undefined {
  if (!isIsoInstant(cmd.now)) return invalidCommand('now must be an ISO 8601 instant with an offset');
  if (cmd.allowance === null) return undefined;
  if (!isNonNegativeInteger(cmd.allowance.heldByCustomer)) return invalidCommand('heldByCustomer must be a non-negative integer');
  if (!isPositiveInteger(cmd.allowance.maxSeatsPerCustomer)) return invalidCommand('maxSeatsPerCustomer must be a positive integer');
  return undefined;
}

/**
 * A hold is refused once the departure has started, then when the slot has too few seats left (the
 * slot's own fact, whoever asks), then when it would take the customer past their allowance.
 */
function holdSeats(cmd: HoldSeats, state: OpenSlot): SlotEvent[] | DomainError {
  if (isAtOrAfter(cmd.now, state.startsAt)) return slotClosed(state.startsAt);
  const available = availableSeats(state);
  if (cmd.seats > available) return slotFull(cmd.seats, available);
  const { allowance } = cmd;
  if (allowance !== null && allowance.heldByCustomer + cmd.seats > allowance.maxSeatsPerCustomer) {
    return holdLimitReached(cmd.seats, allowance.heldByCustomer, allowance.maxSeatsPerCustomer);
  }
  return [{ type: 'SeatsHeld', data: { reservationId: cmd.reservationId, seats: cmd.seats } }];
}

function moveSeats(cmd: SeatCommand, state: OpenSlot): SlotEvent[] | DomainError {
  const move = { reservationId: cmd.reservationId, seats: cmd.seats };
  const available = availableSeats(state);
  switch (cmd.type) {
    case 'HoldSeats':
      return holdSeats(cmd, state);
    case 'ReleaseHeldSeats':
      if (cmd.seats > state.held) {
        return illegalTransition('slot', state.status, cmd.type, `only ${state.held} seat(s) are held`);
      }
      return [{ type: 'HeldSeatsReleased', data: { ...move, reason: cmd.reason } }];
    case 'SellHeldSeats':
      if (cmd.seats > state.held) {
        return illegalTransition('slot', state.status, cmd.type, `only ${state.held} seat(s) are held`);
      }
      return [{ type: 'HeldSeatsSold', data: move }];
    case 'SellSeatsDirectly':
      if (cmd.seats > available) return slotFull(cmd.seats, available);
      return [{ type: 'SeatsSoldDirectly', data: move }];
    case 'ReleaseSoldSeats':
      if (cmd.seats > state.sold) {
        return illegalTransition('slot', state.status, cmd.type, `only ${state.sold} seat(s) are sold`);
      }
      return [{ type: 'SoldSeatsReleased', data: { ...move, reason: cmd.reason } }];
    default:
      return assertNever(cmd);
  }
}

export function decideSlot(command: SlotCommand, state: SlotState): SlotEvent[] | DomainError {
  if (command.type === 'DefineSlot') return defineSlot(command, state);
  const invalid = invalidSeatMove(command);
  if (invalid !== undefined) return invalid;
  switch (state.status) {
    case 'none':
      return illegalTransition('slot', state.status, command.type, 'the slot has not been defined');
    case 'open':
      return moveSeats(command, state);
    default:
      return assertNever(state);
  }
}

/** How one seat of a seat event moves (held, sold); null for events that move no seat. */
export function seatMovePerSeat(type: SlotEvent['type']): { readonly held: number; readonly sold: number } | null {
  switch (type) {
    case 'SeatsHeld':
      return { held: 1, sold: 0 };
    case 'HeldSeatsReleased':
      return { held: -1, sold: 0 };
    case 'HeldSeatsSold':
      return { held: -1, sold: 1 };
    case 'SeatsSoldDirectly':
      return { held: 0, sold: 1 };
    case 'SoldSeatsReleased':
      return { held: 0, sold: -1 };
    case 'SlotDefined':
    case 'SlotDetailsChanged':
      return null;
    default:
      return assertNever(type);
  }
}

// Events only come from `decide`, so one that does not fit the state (a seat move on an undefined
// slot) cannot be in the log; evolve stays total and leaves the state as it is.
export function evolveSlot(state: SlotState, event: SlotEvent): SlotState {
  if (event.type === 'SlotDefined') {
    if (state.status !== 'none') return state;
    return { status: 'open', slotId: event.data.slotId, ...pickDetails(event.data), held: 0, sold: 0 };
  }
  if (state.status !== 'open') return state;
  switch (event.type) {
    case 'SlotDetailsChanged':
      return { ...state, ...pickDetails(event.data) };
    case 'SeatsHeld':
    case 'HeldSeatsReleased':
    case 'HeldSeatsSold':
    case 'SeatsSoldDirectly':
    case 'SoldSeatsReleased': {
      const move = seatMovePerSeat(event.type) ?? { held: 0, sold: 0 };
      return { ...state, held: state.held + move.held * event.data.seats, sold: state.sold + move.sold * event.data.seats };
    }
    default:
      return assertNever(event);
  }
}

export const slotDecider: Decider<SlotCommand, SlotEvent, SlotState> = {
  decide: decideSlot,
  evolve: evolveSlot,
  initialState: initialSlotState,
};
