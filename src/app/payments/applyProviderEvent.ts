import type { Queries } from '../../db/queries.js';
import { isDomainError } from '../../domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type PaymentEvent,
  type PaymentState,
  reservationNotPayable,
  type SignalOrigin,
  type SignalSource,
} from '../../domain/payment.js';
import { decideReservation, type ReservationEvent } from '../../domain/reservation.js';
import { enterSystemMode } from '../../db/transaction.js';
import type { RecordedEvent } from '../../ledger/recordedEvent.js';
import { headAfter } from '../../ledger/streamHead.js';
import type { ProviderAccount, ProviderEvent } from '../../payments/provider.js';
import {
  findPaymentById,
  findPaymentByProviderId,
  paymentRowAfter,
  type PaymentRef,
  paymentRowKey,
  paymentViewUpsert,
} from '../../../projections/paymentView.js';
import { changeLockedReservation, type LockedReservation, lockAndRead, lockedOrMissing } from '../changeReservation.js';
import { inCommandTransaction } from '../commandTransaction.js';
import type { AppDeps } from '../context.js';
import { retryOnConflict } from '../retryOnConflict.js';
import { type EventMetadata, foldRecorded, paymentStreamId } from '../streams.js';
import { createWriteSet, type WriteSet } from '../writeSet.js';
import { claimedHere, claimInboxRow, type InboxOutcome, inboxRowKey, settleInboxRow, settleInboxStatement } from './inbox.js';

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
 * Applies one verified provider event (a webhook, or what reconciliation learned) in one
 * transaction: the inbox row, the payment's events, the reservation's events, the slot's seats and
 * every projection commit together or not at all. A repeat of an event already in the inbox changes
 * nothing. An event naming no payment of ours is kept in the inbox as unmatched rather than failing
 * forever. Database failures propagate, so the webhook answers 5xx and the provider retries.
 *
 * The payment is resolved first, across tenants (two narrow SECURITY DEFINER lookups), so that
 * everything after runs in its tenant under row-level security; an event of no payment of ours is
 * kept by the system role (ADR 0014). A paying webhook is three round trips of the command pool
 * (ADR 0018; four when the payment is found by the provider's id, a second lookup): BEGIN with the
 * lookup; the inbox claim (entering the payment's tenant), the lock of the
 * reservation's slot and the read of the reservation's and the payment's streams, sent together and
 * run in that order; one write statement with every event, projection and the inbox outcome, with COMMIT.
 */
export async function applyProviderEvent(deps: AppDeps, event: ProviderEvent, source: SignalSource): Promise<ApplyResult> {
  return retryOnConflict(() =>
    inCommandTransaction(deps, async (tx) => {
      const now = deps.clock().toISOString();
      const ref = event.kind === 'signal' ? await resolvePayment(tx, event) : null;
      if (event.kind === 'signal' && ref) {
        // The claim enters the payment's tenant; the slot lock and the streams read behind it, in the
        // same round trip. The calls' order is the statements' order: each sends its statement before
        // it awaits anything, so the lock and the read always run after the claim has set the tenant.
        // A duplicate delivery takes no lock: the lock's statement asks whether the claim was this one's.
        const [claimed, attempt] = await Promise.all([
          claimInboxRow(tx, event, source, now, ref.tenantId),
          lockAndRead(tx, ref.tenantId, ref.reservationId, [paymentStreamId(ref.paymentId)], claimedHere(event)),
        ]);
        if (!claimed) return { outcome: 'duplicate' };
        const locked = await lockedOrMissing(tx, ref.tenantId, ref.reservationId, attempt);
        const writes = createWriteSet();
        const outcome = await applySignal(writes, locked, ref, event, source, now);
        writes.save(inboxRowKey(event), settleInboxStatement(event, { outcome, tenantId: ref.tenantId, paymentId: ref.paymentId }));
        await writes.commit(tx);
        return { outcome, paymentId: ref.paymentId };
      }
      // An event of no payment of ours is kept by the system role.
      await enterSystemMode(tx);
      if (!(await claimInboxRow(tx, event, source, now, null))) return { outcome: 'duplicate' };
      if (event.kind === 'ignored') {
        await settleInboxRow(tx, event, { outcome: 'ignored', detail: event.reason });
        return { outcome: 'ignored' };
      }
      const detail = `no payment matches ${event.paymentId ?? '-'} / ${event.providerPaymentId ?? '-'}`;
      await settleInboxRow(tx, event, { outcome: 'unmatched', tenantId: event.tenantId, detail });
      return { outcome: 'unmatched' };
    }),
  );
}

function originOf(event: SignalEvent, source: SignalSource, state: PaymentState): SignalOrigin {
  const learned = state.status !== 'none' && state.providerPaymentId === undefined ? event.providerPaymentId : undefined;
  return { providerEventId: event.eventId, source, ...(learned !== undefined ? { providerPaymentId: learned } : {}) };
}

async function applySignal(
  writes: WriteSet,
  locked: LockedReservation,
  ref: PaymentRef,
  event: SignalEvent,
  source: SignalSource,
  now: string,
): Promise<InboxOutcome> {
  const { tenantId, paymentId } = ref;
  const metadata: EventMetadata = { actor: `provider:${event.account}`, source, providerEventId: event.eventId };
  const paymentStream = paymentStreamId(paymentId);
  let recorded: readonly RecordedEvent[] = [];
  let paymentEvents: PaymentEvent[] = [];
  // Everything is decided under the slot lock changeReservation takes, so two events of one
  // reservation's payments (or an event and an expiry or cancel) never decide on the same stale state.
  // The payment's stream is read with the reservation's, after the lock.
  await changeLockedReservation(writes, locked, {
    tenantId,
    now,
    metadata,
    decide: (reservation, slot, streams): ReservationEvent[] => {
      recorded = streams.get(paymentStream) ?? [];
      const state = foldRecorded(recorded, evolvePayment, initialPaymentState);
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
      paymentEvents = decided;
      for (const paymentEvent of decided) {
        if (paymentEvent.type === 'PaymentSucceeded') {
          // A late success pays an expired reservation only if its seats can be taken again now, under the lock.
          const free = slot.status === 'open' ? slot.capacity - slot.held - slot.sold : 0;
          const seatsRetaken = reservation.status === 'expired' && reservation.seats <= free;
          const paid = decideReservation(
            { type: 'PayReservation', paymentId, amount: paymentEvent.data.amount, now, seatsRetaken },
            reservation,
          );
          if (!isDomainError(paid)) return paid;
          // The money was taken but cannot pay the reservation: kept as an anomaly, never dropped.
          const afterSuccess = decided.reduce(evolvePayment, state);
          paymentEvents = [
            ...decided,
            reservationNotPayable(afterSuccess, originOf(event, source, afterSuccess), paid.message, event.amount, now),
          ];
          return [];
        }
        if (paymentEvent.type === 'PaymentRefunded') {
          const refunded = decideReservation({ type: 'ConfirmRefund', paymentId, now }, reservation);
          // A refund of a payment that never paid this reservation (an anomaly being settled) leaves it as it is.
          return isDomainError(refunded) ? [] : refunded;
        }
      }
      return [];
    },
  });

  if (paymentEvents.length > 0) {
    // The last event folded is the payment stream's head: no second read of it.
    writes.append({ tenantId, streamId: paymentStream, head: headAfter(recorded), events: paymentEvents, recordedAt: now, metadata });
    writes.save(paymentRowKey(tenantId, paymentId), paymentViewUpsert(tenantId, paymentRowAfter(paymentId, recorded, paymentEvents, now)));
  }
  if (paymentEvents.some((e) => e.type === 'PaymentAnomalyRecorded')) return 'anomaly';
  // Reservation changes only follow a payment's success or refund, so the payment's events tell it all.
  return paymentEvents.length > 0 ? 'applied' : 'unchanged';
}
