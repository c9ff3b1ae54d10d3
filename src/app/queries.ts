import { reservationPersonalFields } from '../aggregates/reservationEvents.js';
import type { PersonalData } from '../privacy/personalData.js';
import { openPersonalFields } from '../privacy/personalFields.js';
import { listSlots, type SlotFilters } from '../../projections/slotList.js';
import type { Keyset, Page } from '../../projections/backoffice/keyset.js';
import { readActivityTimeZone } from '../../projections/activityView.js';
import type { Queries } from '../db/queries.js';
import type { ReservationState } from '../domain/reservation.js';
import type { Principal } from '../identity/principal.js';

import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { readPaymentsOfReservation } from '../../projections/paymentView.js';
import { readReservationView } from '../../projections/reservationView.js';
import { readSlotAvailability } from '../../projections/slotAvailability.js';
import { fail, notFound, type Outcome, succeed } from './outcome.js';
import { mayReadReservation } from './policy.js';
import { reservationStreamId } from './streams.js';
import { reservationAggregate } from '../aggregates/index.js';
import { readStream } from '../ledger/readStream.js';
import { type ReservationDto, reservationDto, type SlotDto, slotDto } from './views.js';

export async function getSlot(db: Queries, principal: Principal, slotId: string): Promise<Outcome<SlotDto>> {
  const snapshot = await readSlotAvailability(db, principal.tenantId, slotId);
  if (!snapshot) return fail(notFound(`slot ${slotId}`));
  return succeed(slotDto(snapshot.state, await readActivityTimeZone(db, principal.tenantId, snapshot.state.activityId)));
}

/** A page of the tenant's slots in departure order (any role of the tenant: what a booking page lists). */
export async function getSlotPage(
  db: Queries,
  principal: Principal,
  filters: SlotFilters,
  page: { readonly limit: number; readonly after?: Keyset },
): Promise<Page<SlotDto>> {
  const listed = await listSlots(db, principal.tenantId, filters, page);
  return { items: listed.items.map(({ state, timeZone }) => slotDto(state, timeZone)), next: listed.next };
}

/** A customer sees only their own reservations; anyone else's — or another tenant's — does not exist for them. */
export async function getReservation(db: Queries, principal: Principal, reservationId: string): Promise<Outcome<ReservationDto>> {
  const view = await readReservationView(db, principal.tenantId, reservationId);
  if (!view || !mayReadReservation(principal, view.owner_sub)) return fail(notFound(`reservation ${reservationId}`));
  const payments = await readPaymentsOfReservation(db, principal.tenantId, reservationId);
  return succeed(reservationDto(view, payments));
}

export type AuditStream = { readonly streamId: string; readonly events: readonly AuditEvent[] };
export type AuditEvent = {
  readonly position: number;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly recordedAt: string;
  readonly hash: string;
  readonly prevHash: string;
};

export function auditEvent(event: RecordedEvent): AuditEvent {
  return {
    position: event.globalPosition,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
    hash: event.hash,
    prevHash: event.prevHash,
  };
}

/**
 * A stream as auditors read it: personal fields opened (`[erased]` once erased), hashes as stored —
 * they cover the sealed values, which `POST /v1/audit/verify` checks (ADR 0048).
 */
export async function getAuditStream(
  db: Queries,
  principal: Principal,
  streamId: string,
  personalData: PersonalData,
): Promise<Outcome<AuditStream>> {
  const events = await readStream(db, principal.tenantId, streamId);
  if (events.length === 0) return fail(notFound(`stream ${streamId}`));
  const fields = streamId.startsWith(reservationStreamId('')) ? reservationPersonalFields : {};
  return succeed({ streamId, events: await openPersonalFields(db, personalData, fields, events.map(auditEvent)) });
}

export type ReservationAsOf = {
  readonly reservationId: string;
  readonly at: string;
  readonly version: number;
  readonly state: Exclude<ReservationState, { status: 'none' }>;
};

/** The reservation as it stood at `at`, folded from the events recorded up to then. */
export async function getReservationAsOf(
  db: Queries,
  principal: Principal,
  reservationId: string,
  at: string,
  personalData: PersonalData,
): Promise<Outcome<ReservationAsOf>> {
  const streamId = reservationStreamId(reservationId);
  const events = await readStream(db, principal.tenantId, streamId, { recordedUpTo: at });
  const state = reservationAggregate.fold(events, { streamId });
  const version = events.length;
  if (state.status === 'none') return fail(notFound(`reservation ${reservationId} at ${at}`));
  return succeed({ reservationId, at, version, state: { ...state, customer: await personalData.openCustomer(db, state.customer) } });
}
