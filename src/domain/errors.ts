/**
 * Business rejections are values, not exceptions: `decide` returns one of these and the HTTP layer
 * maps `kind` to a problem+json code (SlotFull → slot_full, SlotClosed → slot_closed,
 * HoldLimitReached → hold_limit_reached, the others → illegal_transition or invalid_request).
 * Nothing has been written when one is returned.
 */
export type Aggregate = 'slot' | 'reservation' | 'payment';

export type DomainError =
  | {
      kind: 'IllegalTransition';
      aggregate: Aggregate;
      from: string;
      command: string;
      message: string;
    }
  | { kind: 'SlotFull'; requested: number; available: number; message: string }
  | { kind: 'SlotClosed'; startsAt: string; message: string }
  | { kind: 'HoldLimitReached'; requested: number; alreadyHeld: number; maxSeats: number; message: string }
  | { kind: 'CapacityBelowCommitted'; capacity: number; committed: number; message: string }
  | { kind: 'InvalidCommand'; message: string };

export type DomainErrorKind = DomainError['kind'];

const KINDS: ReadonlySet<string> = new Set<DomainErrorKind>([
  'IllegalTransition',
  'SlotFull',
  'SlotClosed',
  'HoldLimitReached',
  'CapacityBelowCommitted',
  'InvalidCommand',
]);

export function isDomainError(x: unknown): x is DomainError {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const { kind, message } = x as { kind?: unknown; message?: unknown };
  return typeof kind === 'string' && KINDS.has(kind) && typeof message === 'string';
}

export function illegalTransition(aggregate: Aggregate, from: string, command: string, reason?: string): DomainError {
  const base = `${command} is not allowed on a ${aggregate} that is ${from}`;
  return {
    kind: 'IllegalTransition',
    aggregate,
    from,
    command,
    message: reason === undefined ? base : `${base}: ${reason}`,
  };
}

export function slotFull(requested: number, available: number): DomainError {
  return {
    kind: 'SlotFull',
    requested,
    available,
    message: `${requested} seat(s) requested but only ${available} available`,
  };
}

export function slotClosed(startsAt: string): DomainError {
  return { kind: 'SlotClosed', startsAt, message: `the departure started at ${startsAt}: it takes no more holds` };
}

/** The panel closed or cancelled the departure: the same refusal as a departure that has started. */
export function departureClosed(status: 'closed' | 'cancelled', startsAt: string): DomainError {
  return { kind: 'SlotClosed', startsAt, message: `the departure is ${status}: it takes no more holds` };
}

export function holdLimitReached(requested: number, alreadyHeld: number, maxSeats: number): DomainError {
  return {
    kind: 'HoldLimitReached',
    requested,
    alreadyHeld,
    maxSeats,
    message: `${requested} seat(s) requested but you already hold ${alreadyHeld} unpaid seat(s) of this slot, and one customer may hold at most ${maxSeats}`,
  };
}

export function capacityBelowCommitted(capacity: number, committed: number): DomainError {
  return {
    kind: 'CapacityBelowCommitted',
    capacity,
    committed,
    message: `capacity ${capacity} is below the ${committed} seat(s) already held or sold`,
  };
}

export function invalidCommand(message: string): DomainError {
  return { kind: 'InvalidCommand', message };
}
