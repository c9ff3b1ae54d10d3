import type { FragmentSqlToken } from 'slonik';
import type { Queries } from '../../db/queries.js';
import type { ActivityEvent, ActivityState } from '../../domain/activity.js';
import type { PaymentEvent, PaymentState, SignalSource } from '../../domain/payment.js';
import type { ReservationEvent, ReservationState } from '../../domain/reservation.js';
import type { SlotEvent, SlotState } from '../../domain/slot.js';
import type { FollowUpJob } from '../../jobs/followUpJobs.js';
import type { ProviderEvent } from '../../payments/provider.js';
import type { IdempotentRequest, StoredResponse } from '../idempotency.js';
import type { AppError } from '../outcome.js';
import type { EventMetadata } from '../streams.js';
import type { InboxSettlement } from '../payments/inbox.js';

/**
 * A command as a declaration that `runCommand` carries out in one transaction, always in this order:
 * claim → lock → load → decide → write (events, read models, stored response, inbox outcome and
 * follow-up jobs, in one statement) → commit. Nothing in a declaration touches the database itself
 * except `facts`, which reads after the lock.
 */
export type Command<Result, Facts = undefined> = {
  /** For logs and errors: what the command is in the domain (`holdSeats`, `applyProviderSignal`). */
  readonly name: string;
  /** The tenant whose rows the transaction may see; null for an event kept by the system role (it matched no tenant). */
  readonly tenantId: string | null;
  readonly metadata: EventMetadata;
  readonly claim?: Claim;
  readonly lock?: SlotLock;
  /** Streams read after the lock (so what they say cannot change under it). */
  readonly streams?: readonly StreamRef[];
  /** Further streams named by what the first read found (a cancelled reservation's payment). */
  readonly thenStreams?: (loaded: Loaded<undefined>) => readonly StreamRef[];
  /** Facts beyond the streams, read after the lock (is one of its payments in flight?). */
  readonly facts?: (tx: Queries, loaded: Loaded<undefined>) => Promise<Facts>;
  /**
   * Facts that need nothing but the command's own input (what a customer already holds on the slot),
   * read by a statement sent right behind the lock without waiting for it: PostgreSQL runs it once
   * the lock is granted, so it sees every commit before, at no extra round trip. A command that locks
   * may declare these or `facts`, not both.
   */
  readonly factsBehindLock?: (tx: Queries) => Promise<Facts>;
  /**
   * A hold's facts from its caller's count of held seats on the slot, read in the claim-and-lock
   * statement itself (ADR 0051); `factsBehindLock` reads them when that statement cannot tell.
   */
  readonly heldSeatsWithLock?: { readonly ownerSub: string; readonly asFacts: (heldSeats: number) => Facts };
  /** Pure: what the command does to the loaded state, or why it refuses. */
  decide(loaded: Loaded<Facts>): Decision<Result> | AppError;
};

/**
 * How a command makes itself run once:
 * - `idempotencyKey`: claims the caller's key in this transaction; a repeat replays the stored response. A
 *   command that stores no response leaves the key claimed (in flight) when it commits, for slow work
 *   that follows (a provider call); a claim in flight for longer than `takeOverInFlightAfterSeconds`
 *   belongs to a request that died, and may be taken over;
 * - `claimedKey`: the key was claimed in an earlier transaction (before a provider call); this one completes it;
 * - `inbox`: claims the provider event's inbox row; a repeat delivery is a duplicate and changes nothing.
 */
export type Claim =
  | { readonly kind: 'idempotencyKey'; readonly request: IdempotentRequest; readonly takeOverInFlightAfterSeconds?: number }
  | { readonly kind: 'claimedKey'; readonly request: IdempotentRequest }
  | { readonly kind: 'inbox'; readonly event: ProviderEvent; readonly source: SignalSource };

/** The slot whose row is locked `FOR UPDATE` while seats move: by its id, or the slot a reservation holds seats on. */
export type SlotLock = { readonly slotId: string } | { readonly ofReservation: string };

export type StreamRef = { readonly aggregate: 'reservation' | 'payment' | 'activity'; readonly id: string };

export type OpenSlot = Extract<SlotState, { status: 'open' }>;

/** What a command decides on: the locked slot, the streams it asked for (folded), the facts, and the time. */
export type Loaded<Facts> = {
  readonly now: string;
  /** The locked slot's state; null when there was no lock or no such slot. */
  readonly slot: OpenSlot | null;
  reservation(reservationId: string): ReservationState;
  payment(paymentId: string): PaymentState;
  activity(activityId: string): ActivityState;
  readonly facts: Facts;
};

/** New events of one stream. A slot's events are accepted only for the slot the command locked. */
export type Change =
  | { readonly aggregate: 'slot'; readonly id: string; readonly events: readonly SlotEvent[] }
  | { readonly aggregate: 'reservation'; readonly id: string; readonly events: readonly ReservationEvent[] }
  | { readonly aggregate: 'payment'; readonly id: string; readonly events: readonly PaymentEvent[] }
  | { readonly aggregate: 'activity'; readonly id: string; readonly events: readonly ActivityEvent[] };

export type Decision<Result> = {
  readonly changes: readonly Change[];
  readonly jobs?: readonly FollowUpJob[];
  /** Stored with an idempotency claim, and replayed to a repeat of the request. */
  readonly response?: StoredResponse;
  /** What an inbox claim's provider event did. */
  readonly inbox?: InboxSettlement;
  /** Operational rows beside the log that the change calls for (a panel conflict), written with it: each keyed by the row it writes. */
  readonly rows?: readonly { readonly key: string; readonly statement: FragmentSqlToken }[];
  readonly result: Result;
};

/** How a command ended without refusing: it decided, or its claim showed it had run already. */
export type CommandEnd<Result> =
  | { readonly kind: 'decided'; readonly result: Result }
  | { readonly kind: 'replayed'; readonly response: StoredResponse }
  | { readonly kind: 'duplicate' };
