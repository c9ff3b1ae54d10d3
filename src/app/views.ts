import type { ActivityState } from '../domain/activity.js';
import { localDateTime } from '../domain/localTime.js';
import type { Money } from '../domain/money.js';
import { availableSeats, type SlotState } from '../domain/slot.js';
import type { ReservationView } from '../../projections/reservationView.js';
import type { PaymentView } from '../../projections/paymentView.js';

/** Response shapes of the external contract (../shared/docs/API.md). */
export type SlotDto = {
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly held: number;
  readonly sold: number;
  readonly available: number;
  readonly unitPrice: Money;
  /** The activity's IANA time zone (UTC when the activity is not defined). */
  readonly timeZone: string;
  /** The departure's wall-clock time in `timeZone`, ISO 8601 with that zone's offset then. */
  readonly localStartsAt: string;
};

export function slotDto(state: Extract<SlotState, { status: 'open' }>, timeZone: string): SlotDto {
  const startsAt = new Date(state.startsAt);
  return {
    slotId: state.slotId,
    activityId: state.activityId,
    startsAt: startsAt.toISOString(),
    capacity: state.capacity,
    held: state.held,
    sold: state.sold,
    // A departure the panel closed or cancelled has nothing for sale, whatever seats are free (ADR 0046).
    available: state.departure === 'open' ? availableSeats(state) : 0,
    unitPrice: state.unitPrice,
    timeZone,
    localStartsAt: localDateTime(startsAt, timeZone),
  };
}

export type ActivityDto = {
  readonly activityId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly locale?: string;
};

export function activityDto(state: Extract<ActivityState, { status: 'defined' }>): ActivityDto {
  return {
    activityId: state.activityId,
    name: state.name,
    timeZone: state.timeZone,
    ...(state.locale === null ? {} : { locale: state.locale }),
  };
}

export type PaymentDto = {
  readonly paymentId: string;
  readonly provider: string;
  readonly status: string;
  readonly amount: Money;
  readonly providerPaymentId?: string;
  readonly clientSecret?: string;
  readonly checkoutUrl?: string;
  readonly pixQrCode?: string;
};

export function paymentDto(view: PaymentView): PaymentDto {
  return {
    paymentId: view.payment_id,
    provider: view.provider,
    status: view.status,
    amount: { amount: view.amount, currency: view.currency },
    ...(view.provider_payment_id === null ? {} : { providerPaymentId: view.provider_payment_id }),
    ...(view.client_secret === null ? {} : { clientSecret: view.client_secret }),
    ...(view.checkout_url === null ? {} : { checkoutUrl: view.checkout_url }),
    ...(view.pix_qr_code === null ? {} : { pixQrCode: view.pix_qr_code }),
    ...(view.last_error === null ? {} : { lastError: view.last_error }),
  };
}

export type ReservationDto = {
  readonly reservationId: string;
  readonly status: ReservationView['status'];
  readonly slotId: string;
  readonly seats: number;
  readonly total: Money;
  readonly expiresAt: string;
  readonly payments: readonly PaymentDto[];
  readonly version: number;
};

export function reservationDto(view: ReservationView, payments: readonly PaymentView[]): ReservationDto {
  return {
    reservationId: view.reservation_id,
    status: view.status,
    slotId: view.slot_id,
    seats: view.seats,
    total: { amount: view.total_amount, currency: view.total_currency },
    expiresAt: view.expires_at,
    payments: payments.map(paymentDto),
    version: view.version,
  };
}
