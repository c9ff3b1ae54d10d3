import {
  paymentViewColumns,
  paymentViewRowOf,
  type ProjectionColumn,
  type ProjectionRow,
  reservationViewColumns,
  reservationViewRowOf,
  slotAvailabilityColumns,
  slotAvailabilityRowOf,
  type StreamEvent,
} from './projectionRows.js';
import { PAYMENTS_VIEW_TABLE } from './paymentView.js';
import { RESERVATIONS_VIEW_TABLE } from './reservationView.js';
import { SLOT_AVAILABILITY_TABLE } from './slotAvailability.js';

/**
 * A read model kept inline with one kind of stream: its table, the columns that identify a row,
 * and how one stream's whole history becomes its row. Rebuilds and verification write exactly these
 * rows (many per statement, see projectionWriter.ts); the live path writes through the save
 * functions, and verification compares the two, so they cannot drift apart quietly.
 */
export type StreamProjection = {
  readonly table: string;
  readonly key: readonly string[];
  readonly streamPrefix: string;
  /** Every column of `table`, in the order `rowOf` gives the values. */
  readonly columns: readonly ProjectionColumn[];
  rowOf(tenantId: string, events: readonly StreamEvent[]): ProjectionRow | null;
};

const slotAvailability: StreamProjection = {
  table: SLOT_AVAILABILITY_TABLE,
  key: ['tenant_id', 'slot_id'],
  streamPrefix: 'slot-',
  columns: slotAvailabilityColumns,
  rowOf: slotAvailabilityRowOf,
};

const reservationsView: StreamProjection = {
  table: RESERVATIONS_VIEW_TABLE,
  key: ['tenant_id', 'reservation_id'],
  streamPrefix: 'reservation-',
  columns: reservationViewColumns,
  rowOf: reservationViewRowOf,
};

const paymentsView: StreamProjection = {
  table: PAYMENTS_VIEW_TABLE,
  key: ['tenant_id', 'payment_id'],
  streamPrefix: 'payment-',
  columns: paymentViewColumns,
  rowOf: paymentViewRowOf,
};

export const inlineProjections: StreamProjection[] = [slotAvailability, reservationsView, paymentsView];

export function projectionFor(streamId: string): StreamProjection | undefined {
  return inlineProjections.find((projection) => streamId.startsWith(projection.streamPrefix));
}
