import type { Money } from '../domain/money.js';

/**
 * The operator's activity panel as the ledger needs it (PANEL.md): the catalogue and the panel's own
 * bookings to read, and the ledger's bookings to write. The HTTP implementation speaks PANEL.md; an
 * adapter for a commercial panel implements the same port, and nothing above it knows which.
 *
 * A panel account id is the ledger's tenant id.
 */
export type ActivityPanel = {
  activities(accountId: string, page: PageRequest): Promise<PanelPage<PanelActivity>>;
  departures(accountId: string, page: PageRequest): Promise<PanelPage<PanelDeparture>>;
  bookings(accountId: string, page: PageRequest): Promise<PanelPage<PanelBooking>>;
  /** Idempotent by reservation; a `version` not above the one the panel stored changes nothing there. */
  putBooking(accountId: string, booking: LedgerBooking): Promise<PushOutcome>;
};

/**
 * The longest one request to the panel may take: an adapter gives up on it then. Work that holds a
 * lease across a call (ADR 0055) holds it longer than this.
 */
export const PANEL_REQUEST_TIMEOUT_MS = 10_000;

/** One page of a list ordered by `updatedAt`, from `updatedSince` (inclusive) on. */
export type PageRequest = { readonly updatedSince?: string; readonly cursor?: string };
export type PanelPage<Item> = { readonly items: readonly Item[]; readonly nextCursor: string | null };

export type PanelActivity = {
  readonly activityId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly updatedAt: string;
};

export type DepartureStatus = 'open' | 'closed' | 'cancelled';

export type PanelDeparture = {
  readonly departureId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly price: Money;
  readonly status: DepartureStatus;
  readonly updatedAt: string;
};

/**
 * A booking as the panel lists it: its own (`source: panel`, taken at its desk or by resellers) or
 * one the ledger pushed (`source: ledger`, `externalRef` = the reservation id, and the status the
 * ledger last pushed, `held` included).
 */
export type PanelBooking = {
  readonly bookingId: string;
  readonly departureId: string;
  readonly seats: number;
  readonly status: 'held' | 'confirmed' | 'cancelled';
  readonly source: 'panel' | 'ledger';
  readonly externalRef?: string;
  readonly updatedAt: string;
};

/** A ledger reservation as pushed to the panel (`PUT …/bookings/ledger-{reservationId}`). */
export type LedgerBooking = {
  readonly reservationId: string;
  readonly departureId: string;
  readonly seats: number;
  readonly status: 'held' | 'confirmed' | 'cancelled';
  readonly customer: { readonly name: string; readonly email: string };
  readonly total: Money;
  /** The reservation stream's version the push describes: the panel keeps the highest it was sent. */
  readonly version: number;
};

export type PushOutcome =
  | { readonly kind: 'stored'; readonly booking: PanelBooking }
  /** `409 no_capacity`: the panel cannot fit the seats. A conflict for a person, not something to retry. */
  | { readonly kind: 'noCapacity' };

/** A panel webhook, its signature verified and its body parsed (PANEL.md). */
export type PanelEvent =
  | PanelEventOf<'departure.updated' | 'departure.cancelled', PanelDeparture>
  | PanelEventOf<'booking.created' | 'booking.cancelled', PanelBooking>;

type PanelEventOf<Type extends string, Data> = {
  readonly id: string;
  readonly type: Type;
  readonly accountId: string;
  readonly createdAt: string;
  readonly data: Data;
};

/**
 * The panel could not be reached, did not answer in time, or answered that it is busy (`429`,
 * `5xx`): the work is tried again later, no sooner than `retryAfterSeconds` when the panel said so.
 */
export class PanelUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PanelUnavailableError';
  }
}

/** The panel answered in a way PANEL.md does not allow (a `4xx` other than `409 no_capacity`, a body that does not parse). */
export class PanelProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PanelProtocolError';
  }
}
