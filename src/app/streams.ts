import { activityAggregate, paymentAggregate, reservationAggregate, slotAggregate } from '../aggregates/index.js';

/** Stream ids as the registry names them (API.md, Audit): `slot-<id>`, `reservation-<id>`, `payment-<id>`, `activity-<id>`. */
export const slotStreamId = (slotId: string) => slotAggregate.streamId(slotId);
export const reservationStreamId = (reservationId: string) => reservationAggregate.streamId(reservationId);
export const paymentStreamId = (paymentId: string) => paymentAggregate.streamId(paymentId);
export const activityStreamId = (activityId: string) => activityAggregate.streamId(activityId);

export type DomainEventShape = { readonly type: string; readonly data: unknown };

/** Who did it and why, recorded beside every event for auditors. */
export type EventMetadata = {
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly source?: string;
  readonly providerEventId?: string;
};
