import type { CommonQueryMethods } from 'slonik';
import { evolveReservation, initialReservationState, type ReservationEvent } from '../src/domain/reservation.js';
import { evolveSlot, initialSlotState, type SlotEvent } from '../src/domain/slot.js';
import type { RecordedEvent } from '../src/ledger/recordedEvent.js';
import { headAfter } from '../src/ledger/streamHead.js';
import { foldPaymentRow, PAYMENTS_VIEW_TABLE, savePaymentView } from './paymentView.js';
import { RESERVATIONS_VIEW_TABLE, saveReservationView } from './reservationView.js';
import { saveSlotAvailability, SLOT_AVAILABILITY_TABLE } from './slotAvailability.js';

/**
 * A read model kept inline with one kind of stream: its table, the columns that identify a row,
 * and how one stream's whole history becomes its row. Rebuilds and verification use exactly this,
 * and the live path writes through the same save functions, so the two cannot drift apart quietly.
 */
export type StreamProjection = {
  readonly table: string;
  readonly key: readonly string[];
  readonly streamPrefix: string;
  project(tx: CommonQueryMethods, tenantId: string, events: readonly RecordedEvent[], into: string): Promise<void>;
};

const asDomain = <E>(event: RecordedEvent) => ({ type: event.type, data: event.data }) as E;

const slotAvailability: StreamProjection = {
  table: SLOT_AVAILABILITY_TABLE,
  key: ['tenant_id', 'slot_id'],
  streamPrefix: 'slot-',
  async project(tx, tenantId, events, into) {
    const state = events.map(asDomain<SlotEvent>).reduce(evolveSlot, initialSlotState);
    const last = events[events.length - 1];
    if (state.status !== 'open' || !last) return;
    await saveSlotAvailability(tx, tenantId, { state, head: headAfter(events) }, last.recordedAt, into);
  },
};

const reservationsView: StreamProjection = {
  table: RESERVATIONS_VIEW_TABLE,
  key: ['tenant_id', 'reservation_id'],
  streamPrefix: 'reservation-',
  async project(tx, tenantId, events, into) {
    const state = events.map(asDomain<ReservationEvent>).reduce(evolveReservation, initialReservationState);
    const last = events[events.length - 1];
    if (state.status === 'none' || !last) return;
    await saveReservationView(tx, tenantId, state, events.length, last.recordedAt, into);
  },
};

const paymentsView: StreamProjection = {
  table: PAYMENTS_VIEW_TABLE,
  key: ['tenant_id', 'payment_id'],
  streamPrefix: 'payment-',
  async project(tx, tenantId, events, into) {
    const row = foldPaymentRow(events);
    if (row) await savePaymentView(tx, tenantId, row, into);
  },
};

export const inlineProjections: StreamProjection[] = [slotAvailability, reservationsView, paymentsView];

export function projectionFor(streamId: string): StreamProjection | undefined {
  return inlineProjections.find((projection) => streamId.startsWith(projection.streamPrefix));
}
