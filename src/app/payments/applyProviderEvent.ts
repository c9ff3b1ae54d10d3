import type { Queries } from '../../db/queries.js';
import { isDomainError } from '../../domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  type PaymentState,
  reservationNotPayable,
  type SignalOrigin,
  type SignalSource,
} from '../../domain/payment.js';
import { decideReservation, type ReservationEvent, type ReservationState } from '../../domain/reservation.js';
import type { ProviderAccount, ProviderEvent } from '../../payments/provider.js';
import { findPaymentById, findPaymentByProviderId, type PaymentRef } from '../../../projections/paymentView.js';
import type { Change, Command, Decision, OpenSlot } from '../command/command.js';
import { availableSeats } from '../../domain/slot.js';
import { reservationChange } from '../command/reservationChange.js';
import { runCommand } from '../command/runCommand.js';
import type { AppDeps } from '../context.js';
import type { InboxOutcome } from './inbox.js';

export type ApplyResult = { readonly outcome: InboxOutcome | 'duplicate'; readonly paymentId?: string };

type SignalEvent = Extract<ProviderEvent, { kind: 'signal' }>;

const PROVIDERS_OF: Record<ProviderAccount, readonly string[]> = { stripe: ['stripe'], mercadopago: ['mercadopago', 'pix'] };

/** Our payment named by the event: by the id we gave the provider, else by the provider's own id. */
async function resolvePayment(tx: Queries, event: SignalEvent): Promise<PaymentRef | null> {
  const byOurId = event.paymentId ? await findPaymentById(tx, event.paymentId, event.tenantId) : null;
  const ref =
    byOurId ?? (event.providerPaymentId ? await findPaymentByProviderId(tx, PROVIDERS_OF[event.account], event.providerPaymentId) : null);
  // A Stripe event can never settle a Mercado Pago payment, whatever ids it carries.
  return ref && PROVIDERS_OF[event.account].includes(ref.provider) ? ref : null;
}

/**
 * Applies one verified provider event (a webhook, or what reconciliation learned) as one command:
 * the inbox row, the payment's events, the reservation's events, the slot's seats and every read
 * model commit together or not at all. A repeat of an event already in the inbox changes nothing.
 * An event naming no payment of ours is kept in the inbox (by the system role) as unmatched or
 * ignored rather than failing forever. Database failures propagate, so the webhook answers 5xx and
 * the provider retries.
 *
 * The payment is found first, across tenants (two narrow SECURITY DEFINER lookups), in the same
 * transaction; everything after runs in its tenant under row-level security (ADR 0014). A paying
 * webhook is three round trips of the command pool (ADR 0018): BEGIN with the lookup; the inbox
 * claim, the lock of the reservation's slot and the read of both streams, sent together; one write
 * statement with COMMIT.
 */
export async function applyProviderEvent(deps: AppDeps, event: ProviderEvent, source: SignalSource): Promise<ApplyResult> {
  const outcome = await runCommand(deps, async (tx) => providerEventCommand(event, source, await resolvePaymentOf(tx, event)));
  if (!outcome.ok) throw new Error(`a provider event cannot be refused: ${outcome.error.message}`);
  const end = outcome.value;
  return end.kind === 'decided' ? end.result : { outcome: 'duplicate' };
}

async function resolvePaymentOf(tx: Queries, event: ProviderEvent): Promise<PaymentRef | null> {
  return event.kind === 'signal' ? resolvePayment(tx, event) : null;
}

export function providerEventCommand(event: ProviderEvent, source: SignalSource, ref: PaymentRef | null): Command<ApplyResult> {
  const claim = { kind: 'inbox', event, source } as const;
  if (event.kind !== 'signal' || ref === null) {
    return {
      name: 'recordUnmatchedProviderEvent',
      tenantId: null,
      metadata: { actor: `provider:${event.account}`, source },
      claim,
      decide: () =>
        event.kind === 'ignored'
          ? { changes: [], inbox: { outcome: 'ignored', detail: event.reason }, result: { outcome: 'ignored' } }
          : {
              changes: [],
              inbox: {
                outcome: 'unmatched',
                tenantId: event.tenantId,
                detail: `no payment matches ${event.paymentId ?? '-'} / ${event.providerPaymentId ?? '-'}`,
              },
              result: { outcome: 'unmatched' },
            },
    };
  }
  const { tenantId, paymentId, reservationId } = ref;
  return {
    name: 'applyProviderSignal',
    tenantId,
    metadata: { actor: `provider:${event.account}`, source, providerEventId: event.eventId },
    claim,
    // Decided under the slot lock, so two events of one reservation's payments (or an event and an
    // expiry or cancel) never decide on the same stale state.
    lock: { ofReservation: reservationId },
    streams: [
      { aggregate: 'reservation', id: reservationId },
      { aggregate: 'payment', id: paymentId },
    ],
    decide: (loaded) => {
      const reservation = loaded.reservation(reservationId);
      if (reservation.status === 'none' || !loaded.slot)
        throw new Error(`payment ${paymentId} names reservation ${reservationId}, which has no stream or slot`);
      const decided = decideSignal(event, source, ref, loaded.payment(paymentId), reservation, loaded.slot, loaded.now);
      if (isDomainError(decided)) return decided;
      const { payment, reservationEvents } = decided;
      const changes = reservationChange(reservationId, reservation, reservationEvents, loaded.slot);
      if (isDomainError(changes)) return changes;
      const outcome: InboxOutcome = payment.some((e) => e.type === 'PaymentAnomalyRecorded')
        ? 'anomaly'
        : // Reservation changes only follow a payment's success or refund, so the payment's events tell it all.
          payment.length > 0
          ? 'applied'
          : 'unchanged';
      const all: Change[] = [...changes, { aggregate: 'payment', id: paymentId, events: payment }];
      const decision: Decision<ApplyResult> = {
        changes: all,
        inbox: { outcome, tenantId, paymentId },
        result: { outcome, paymentId },
      };
      return decision;
    },
  };
}

function originOf(event: SignalEvent, source: SignalSource, state: PaymentState): SignalOrigin {
  const learned = state.status !== 'none' && state.providerPaymentId === undefined ? event.providerPaymentId : undefined;
  return { providerEventId: event.eventId, source, ...(learned !== undefined ? { providerPaymentId: learned } : {}) };
}

/** The payment's events for the signal, and what they do to its reservation: a success pays it, a refund refunds it. */
function decideSignal(
  event: SignalEvent,
  source: SignalSource,
  ref: PaymentRef,
  state: PaymentState,
  reservation: ReservationState,
  slot: OpenSlot,
  now: string,
) {
  const { paymentId } = ref;
  const decided = decidePayment(
    {
      type: 'ApplyProviderSignal',
      signal: event.signal,
      providerEventId: event.eventId,
      source,
      now,
      ...(event.amount ? { amount: event.amount } : {}),
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.providerPaymentId ? { providerPaymentId: event.providerPaymentId } : {}),
    },
    state,
  );
  // Only a payment with no stream is refused, and the payment view we matched comes from its stream.
  if (isDomainError(decided)) throw new Error(`payment ${paymentId} has a view but no stream: ${decided.message}`);
  const none = { payment: decided, reservationEvents: [] as ReservationEvent[] };
  for (const paymentEvent of decided) {
    if (paymentEvent.type === 'PaymentSucceeded') {
      // A late success pays an expired reservation only if its seats can be taken again now, under the lock.
      const free = availableSeats(slot);
      const seatsRetaken = reservation.status === 'expired' && reservation.seats <= free;
      const paid = decideReservation(
        { type: 'PayReservation', paymentId, amount: paymentEvent.data.amount, now, seatsRetaken },
        reservation,
      );
      if (!isDomainError(paid)) return { payment: decided, reservationEvents: paid };
      // The money was taken but cannot pay the reservation: kept as an anomaly, never dropped.
      const afterSuccess = decided.reduce(evolvePayment, state);
      return {
        payment: [...decided, reservationNotPayable(afterSuccess, originOf(event, source, afterSuccess), paid.message, event.amount, now)],
        reservationEvents: [],
      };
    }
    if (paymentEvent.type === 'PaymentRefunded') {
      const refunded = decideReservation({ type: 'ConfirmRefund', paymentId, now }, reservation);
      // A refund of a payment that never paid this reservation (an anomaly being settled) leaves it as it is.
      return { payment: decided, reservationEvents: isDomainError(refunded) ? [] : refunded };
    }
  }
  return none;
}
