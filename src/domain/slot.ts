import { assertNever } from './assertNever.js';
import type { Decider } from './decider.js';
import {
  capacityBelowCommitted,
  holdLimitReached,
  illegalTransition,
  invalidCommand,
  departureClosed,
  slotClosed,
  slotFull,
  type DomainError,
} from './errors.js';
import { isNonEmptyString, isNonNegativeInteger, isPositiveInteger } from './guards.js';
import { isValidMoney, sameMoney, type Money } from './money.js';
import { isAtOrAfter, isIsoInstant, sameInstant } from './time.js';

// Stream `slot-<slotId>`. Invariants: 0 <= held, 0 <= sold; the ledger's own holds and sales never
// take held + sold past capacity. Only the activity panel can (ADR 0046): its bookings are sold seats
// that are recorded even when they do not fit, and it can lower the capacity below what is taken.

/** Whether the departure takes new holds: the panel closes or cancels it (ADR 0046). */
export type DepartureStatus = 'open' | 'closed' | 'cancelled';

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
      readonly departure: DepartureStatus;
      /** The panel's live bookings on this departure, by booking id: their seats are part of `sold`. */
      readonly panelBookings: Readonly<Record<string, number>>;
      /** Panel bookings given back: a late repeat of their creation takes no seats again. */
      readonly releasedPanelBookings: readonly string[];
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

/**
 * A departure as the activity panel has it now. Unlike `DefineSlot`, the panel's capacity is taken
 * even below the seats already held and sold: the panel is where the operator keeps it (ADR 0046).
 */
export type SyncDeparture = {
  readonly type: 'SyncDeparture';
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
  readonly status: DepartureStatus;
};
/** A booking the panel took itself: its seats are sold here once per booking, whether or not they fit. */
export type TakePanelBooking = { readonly type: 'TakePanelBooking'; readonly bookingId: string; readonly seats: number };
/** The panel cancelled one of its bookings: its seats come back (once). */
export type ReleasePanelBooking = { readonly type: 'ReleasePanelBooking'; readonly bookingId: string };

type LedgerSeatCommand = HoldSeats | ReleaseHeldSeats | SellHeldSeats | SellSeatsDirectly | ReleaseSoldSeats;
type PanelCommand = SyncDeparture | TakePanelBooking | ReleasePanelBooking;

export type SlotCommand = DefineSlot | LedgerSeatCommand | PanelCommand;

type SlotDetails = {
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
};
type SeatMove = { readonly reservationId: string; readonly seats: number };
type PanelBookingSeats = { readonly bookingId: string; readonly seats: number };

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

export type DepartureStatusChanged = { readonly type: 'DepartureStatusChanged'; readonly data: { readonly status: DepartureStatus } };
export type PanelBookingTaken = { readonly type: 'PanelBookingTaken'; readonly data: PanelBookingSeats };
export type PanelBookingReleased = { readonly type: 'PanelBookingReleased'; readonly data: PanelBookingSeats };

export type SlotEvent =
  | SlotDefined
  | SlotDetailsChanged
  | SeatsHeld
  | HeldSeatsReleased
  | HeldSeatsSold
  | SeatsSoldDirectly
  | SoldSeatsReleased
  | DepartureStatusChanged
  | PanelBookingTaken
  | PanelBookingReleased;

type OpenSlot = Extract<SlotState, { status: 'open' }>;

export const initialSlotState: SlotState = { status: 'none' };

/** Seats a new hold may take: never negative, even when the panel oversold or lowered the capacity. */
export function availableSeats(state: SlotState): number {
  return state.status === 'open' ? Math.max(0, state.capacity - state.held - state.sold) : 0;
}

/** Seats of the panel's live bookings on this departure (part of `sold`). */
export function panelSeats(state: SlotState): number {
  return state.status === 'open' ? Object.values(state.panelBookings).reduce((sum, seats) => sum + seats, 0) : 0;
}

/** Seats taken beyond the capacity (by the panel's bookings or its lowered capacity); 0 when everything fits. */
export function seatsOverCapacity(state: SlotState): number {
  return state.status === 'open' ? Math.max(0, state.held + state.sold - state.capacity) : 0;
}

function invalidDetails(cmd: DefineSlot | SyncDeparture): DomainError | undefined {
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

function unchanged(state: OpenSlot, cmd: DefineSlot | SyncDeparture): boolean {
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

const DEPARTURE_STATUSES: readonly DepartureStatus[] = ['open', 'closed', 'cancelled'];

function syncDeparture(cmd: SyncDeparture, state: SlotState): SlotEvent[] | DomainError {
  const invalid = invalidDetails(cmd);
  if (invalid !== undefined) return invalid;
  if (!DEPARTURE_STATUSES.includes(cmd.status)) return invalidCommand('status must be open, closed or cancelled');
  const statusChange: SlotEvent[] = [];
  if (state.status === 'none') {
    if (cmd.status !== 'open') statusChange.push({ type: 'DepartureStatusChanged', data: { status: cmd.status } });
    return [{ type: 'SlotDefined', data: { slotId: cmd.slotId, ...pickDetails(cmd) } }, ...statusChange];
  }
  if (cmd.slotId !== state.slotId) {
    return invalidCommand(`slotId ${cmd.slotId} does not match the slot ${state.slotId}`);
  }
  if (cmd.unitPrice.currency !== state.unitPrice.currency && state.held + state.sold > 0) {
    return illegalTransition('slot', state.status, cmd.type, 'the currency cannot change while seats are held or sold');
  }
  if (cmd.status !== state.departure) statusChange.push({ type: 'DepartureStatusChanged', data: { status: cmd.status } });
  if (unchanged(state, cmd)) return statusChange;
  return [{ type: 'SlotDetailsChanged', data: pickDetails(cmd) }, ...statusChange];
}

function invalidPanelBooking(cmd: TakePanelBooking | ReleasePanelBooking): DomainError | undefined {
  if (!isNonEmptyString(cmd.bookingId)) return invalidCommand('bookingId must be a non-empty string');
  if (cmd.type === 'TakePanelBooking' && !isPositiveInteger(cmd.seats)) return invalidCommand('seats must be a positive integer');
  return undefined;
}

/** Once per booking: a booking the slot has (or gave back) changes nothing; seats that do not fit are still taken. */
function panelBooking(cmd: TakePanelBooking | ReleasePanelBooking, state: OpenSlot): SlotEvent[] {
  const live = Object.hasOwn(state.panelBookings, cmd.bookingId) ? state.panelBookings[cmd.bookingId] : undefined;
  if (cmd.type === 'TakePanelBooking') {
    if (live !== undefined || state.releasedPanelBookings.includes(cmd.bookingId)) return [];
    return [{ type: 'PanelBookingTaken', data: { bookingId: cmd.bookingId, seats: cmd.seats } }];
  }
  if (live === undefined) return [];
  return [{ type: 'PanelBookingReleased', data: { bookingId: cmd.bookingId, seats: live } }];
}

type SeatCommand = LedgerSeatCommand;

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
  if (state.departure !== 'open') return departureClosed(state.departure, state.startsAt);
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
    case 'ReleaseSoldSeats': {
      // The panel's bookings are sold seats too, but only their own cancellation gives them back.
      const soldByLedger = state.sold - panelSeats(state);
      if (cmd.seats > soldByLedger) {
        return illegalTransition('slot', state.status, cmd.type, `only ${soldByLedger} seat(s) are sold by the ledger`);
      }
      return [{ type: 'SoldSeatsReleased', data: { ...move, reason: cmd.reason } }];
    }
    default:
      return assertNever(cmd);
  }
}

export function decideSlot(command: SlotCommand, state: SlotState): SlotEvent[] | DomainError {
  if (command.type === 'DefineSlot') return defineSlot(command, state);
  if (command.type === 'SyncDeparture') return syncDeparture(command, state);
  const invalid =
    command.type === 'TakePanelBooking' || command.type === 'ReleasePanelBooking' ? invalidPanelBooking(command) : invalidSeatMove(command);
  if (invalid !== undefined) return invalid;
  switch (state.status) {
    case 'none':
      return illegalTransition('slot', state.status, command.type, 'the slot has not been defined');
    case 'open':
      if (command.type === 'TakePanelBooking' || command.type === 'ReleasePanelBooking') return panelBooking(command, state);
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
    case 'PanelBookingTaken':
      return { held: 0, sold: 1 };
    case 'PanelBookingReleased':
      return { held: 0, sold: -1 };
    case 'SlotDefined':
    case 'SlotDetailsChanged':
    case 'DepartureStatusChanged':
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
    return {
      status: 'open',
      slotId: event.data.slotId,
      ...pickDetails(event.data),
      held: 0,
      sold: 0,
      departure: 'open',
      panelBookings: {},
      releasedPanelBookings: [],
    };
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
    case 'DepartureStatusChanged':
      return { ...state, departure: event.data.status };
    case 'PanelBookingTaken':
      return {
        ...state,
        sold: state.sold + event.data.seats,
        panelBookings: { ...state.panelBookings, [event.data.bookingId]: event.data.seats },
      };
    case 'PanelBookingReleased': {
      const { [event.data.bookingId]: released, ...stillLive } = state.panelBookings;
      return {
        ...state,
        sold: state.sold - (released ?? 0),
        panelBookings: stillLive,
        releasedPanelBookings: [...state.releasedPanelBookings, event.data.bookingId],
      };
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
