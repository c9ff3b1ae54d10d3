import type { ActivityEvent, ActivityState } from '../../domain/activity.js';
import type { PaymentEvent, PaymentState } from '../../domain/payment.js';
import type { ReservationEvent, ReservationState } from '../../domain/reservation.js';
import type { SlotEvent, SlotState } from '../../domain/slot.js';
import type { FollowUpJob } from '../../jobs/followUpJobs.js';
import type { EventMetadata } from '../streams.js';

type ChangeOf<Aggregate extends string, State, Event> = {
  readonly aggregate: Aggregate;
  readonly tenantId: string;
  readonly id: string;
  readonly before: State;
  readonly after: State;
  /** The events the command decided, in order, as they are written. */
  readonly events: readonly Event[];
  /** The stream's version once they are written (its last event's). */
  readonly version: number;
  readonly now: string;
  readonly metadata: EventMetadata;
};

/** One stream's change as a command writes it: what it was, what it becomes, and by which events. */
export type StreamChange =
  | ChangeOf<'reservation', ReservationState, ReservationEvent>
  | ChangeOf<'payment', PaymentState, PaymentEvent>
  | ChangeOf<'slot', SlotState, SlotEvent>
  | ChangeOf<'activity', ActivityState, ActivityEvent>;

/**
 * Work that must follow a change whoever makes it (a customer, a webhook, a sweeper, the panel):
 * an e-mail, a push to the activity panel, an outgoing webhook. Pure: it names the jobs, and the
 * command pipeline enqueues them in the change's own transaction, so they exist exactly when the
 * change committed. The composition root lists the reactions; no command declares them itself.
 */
export type ChangeReaction = (change: StreamChange) => readonly FollowUpJob[];
