import { ERASED } from '../../privacy/sealedText.js';
import { createHash } from 'node:crypto';
import { illegalTransition, isDomainError } from '../../domain/errors.js';
import type { Money } from '../../domain/money.js';
import { decidePayment, evolvePayment, initialPaymentState, type Provider } from '../../domain/payment.js';
import { planPaymentStart } from '../../domain/paymentStart.js';
import { decideReservation, evolveReservation, type ReservationState } from '../../domain/reservation.js';
import { reservationChange } from '../command/reservationChange.js';
import { withTransaction } from '../../db/transaction.js';
import { accountOf, type CreatedPayment, type PaymentProvider } from '../../payments/provider.js';
import type { Command } from '../command/command.js';
import { replayedOrDecided } from '../command/commandEnd.js';
import { runCommand } from '../command/runCommand.js';
import type { AppDeps, Caller } from '../context.js';
import { metadataFor } from '../context.js';
import type { IdempotentResult } from '../holdSeats.js';
import { type IdempotentRequest, releaseIdempotencyKey, type StoredResponse } from '../idempotency.js';
import { type AppError, forbidden, notFound, type Outcome } from '../outcome.js';
import { mayPayReservation, mayReadReservation } from '../policy.js';
import { paymentDto } from '../views.js';
import { type PaymentView, readPaymentsOfReservation } from '../../../projections/paymentView.js';

/** A claim still in flight after this long belongs to a request that died; another may take it over. */
export const IN_FLIGHT_TAKEOVER_SECONDS = 60;

/**
 * A payment's identity comes from what it is — the reservation's `attempt`-th payment with this
 * provider — not from the caller's key: two starts that see the same payments (two keys racing, a
 * retry, a takeover of a crashed request) name the same payment, and send the provider the same
 * idempotency key, so the provider hands back its first object instead of making a second.
 */
export function paymentIdentity(start: {
  readonly tenantId: string;
  readonly reservationId: string;
  readonly provider: Provider;
  readonly attempt: number;
}) {
  const hex = createHash('sha256')
    .update(`payment-start\u0000${start.tenantId}\u0000${start.reservationId}\u0000${start.provider}\u0000${start.attempt}`)
    .digest('hex');
  // A version-8 (custom) RFC 9562 uuid, so it passes every uuid check the API applies.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const paymentId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { paymentId, providerIdempotencyKey: `ledger-payment-${hex.slice(0, 48)}` };
}

type Payable = Extract<ReservationState, { status: 'held' }>;

/** The reservation a caller may pay now: theirs (or an admin's tenant's), held, and not expired. */
function payableReservation(caller: Caller, state: ReservationState, reservationId: string, now: string): Payable | AppError {
  const { principal } = caller;
  if (state.status === 'none' || !mayReadReservation(principal, state.ownerSub)) return notFound(`reservation ${reservationId}`);
  if (!mayPayReservation(principal, state.ownerSub)) {
    return forbidden('only the customer who booked it or an admin may pay for a reservation');
  }
  if (state.status !== 'held') {
    return illegalTransition('reservation', state.status, 'StartPayment', 'a payment can only be started for a held reservation');
  }
  if (Date.parse(state.expiresAt) <= Date.parse(now)) {
    return illegalTransition('reservation', 'held', 'StartPayment', `the hold expired at ${state.expiresAt}`);
  }
  return state;
}

/** What the claim decided: ask the provider for `paymentId` (new, or the open one again), or the answer is already known. */
export type ClaimedPaymentStart =
  | {
      readonly kind: 'ask';
      readonly reservation: Payable;
      readonly paymentId: string;
      readonly providerIdempotencyKey: string;
      /** When this request claimed (or took over) the key: its release must not remove a later takeover's claim. */
      readonly claimedAt: string;
      /** When the hold stops waiting for the payment (its expiresAt, extended for it): the provider expires it then. */
      readonly expiresAt: string;
    }
  | { readonly kind: 'answered'; readonly response: StoredResponse };

/**
 * The first of a payment start's two commands: claims the Idempotency-Key, checks that the
 * reservation may be paid, and plans the start over the reservation's payments (one open payment
 * per provider). A start that joins an open payment answers with it (200); one made before
 * payments were named by attempt is answered from the read model, since its provider key cannot
 * be rebuilt. Otherwise the hold is extended for the payment (HoldExtendedForPayment, once per
 * hold), the key is committed in flight (no response stored yet) and the provider is called between
 * the two commands, outside any transaction. The extension is decided under the slot's lock, before
 * the provider call, so the expiry sweep cannot release the seats while the payment is being made.
 */
export function claimPaymentStartCommand(
  caller: Caller,
  request: IdempotentRequest,
  start: { readonly reservationId: string; readonly method: Provider; readonly graceSeconds: number },
): Command<ClaimedPaymentStart, readonly PaymentView[]> {
  const { reservationId, method } = start;
  const tenantId = caller.principal.tenantId;
  return {
    name: 'claimPaymentStart',
    tenantId,
    metadata: metadataFor(caller),
    claim: { kind: 'idempotencyKey', request, takeOverInFlightAfterSeconds: IN_FLIGHT_TAKEOVER_SECONDS },
    lock: { ofReservation: reservationId },
    streams: [{ aggregate: 'reservation', id: reservationId }],
    facts: (tx) => readPaymentsOfReservation(tx, tenantId, reservationId),
    decide: (loaded) => {
      const payable = payableReservation(caller, loaded.reservation(reservationId), reservationId, loaded.now);
      if ('kind' in payable) return payable;
      const plan = planPaymentStart(
        loaded.facts.map((view) => ({ paymentId: view.payment_id, provider: view.provider, status: view.status })),
        method,
      );
      const identity = paymentIdentity({ tenantId, reservationId, provider: method, attempt: plan.attempt });
      const open = plan.kind === 'join' ? loaded.facts.find((view) => view.payment_id === plan.paymentId) : undefined;
      if (open && open.payment_id !== identity.paymentId) {
        const response: StoredResponse = { status: 200, body: paymentDto(open) };
        return { changes: [], response, result: { kind: 'answered', response } };
      }
      if (!loaded.slot) throw new Error(`reservation ${reservationId} points at missing slot ${payable.slotId}`);
      const extension = decideReservation(
        { type: 'ExtendHoldForPayment', paymentId: identity.paymentId, now: loaded.now, graceSeconds: start.graceSeconds },
        payable,
      );
      if (isDomainError(extension)) return extension;
      const changes = reservationChange(reservationId, payable, extension, loaded.slot);
      if (isDomainError(changes)) return changes;
      // Extended now, or already for an earlier payment: either way the hold's deadline is the payment's.
      const extended = extension.reduce<ReservationState>(evolveReservation, payable);
      const expiresAt = extended.status === 'held' ? extended.expiresAt : payable.expiresAt;
      return { changes, result: { kind: 'ask', reservation: payable, ...identity, expiresAt, claimedAt: loaded.now } };
    },
  };
}

/**
 * The second: records PaymentStarted with what the provider created, and stores the response
 * (201). A start that joined the open payment, or raced another key to create it and lost, finds it
 * recorded: it records nothing and answers 200 with it.
 */
export function recordPaymentStartCommand(
  caller: Caller,
  request: IdempotentRequest,
  started: { readonly paymentId: string; readonly reservationId: string; readonly method: Provider; readonly amount: Money },
  created: CreatedPayment,
): Command<StoredResponse> {
  const { paymentId, reservationId, method, amount } = started;
  return {
    name: 'recordPaymentStart',
    tenantId: caller.principal.tenantId,
    metadata: metadataFor(caller),
    claim: { kind: 'claimedKey', request },
    streams: [{ aggregate: 'payment', id: paymentId }],
    decide: (loaded) => {
      const existing = loaded.payment(paymentId);
      const checkout = {
        ...(created.checkoutUrl ? { checkoutUrl: created.checkoutUrl } : {}),
        ...(created.pixQrCode ? { pixQrCode: created.pixQrCode } : {}),
      };
      const events =
        existing.status !== 'none'
          ? []
          : decidePayment(
              {
                type: 'StartPayment',
                paymentId,
                reservationId,
                provider: method,
                amount,
                now: loaded.now,
                ...(created.providerPaymentId ? { providerPaymentId: created.providerPaymentId } : {}),
                ...(created.checkoutUrl || created.pixQrCode ? { checkout } : {}),
              },
              initialPaymentState,
            );
      if (isDomainError(events)) return events;
      const state = events.reduce(evolvePayment, existing);
      const response: StoredResponse = {
        status: existing.status === 'none' ? 201 : 200,
        body: {
          paymentId,
          provider: method,
          status: state.status === 'none' ? 'pending' : state.status,
          amount,
          ...(created.providerPaymentId ? { providerPaymentId: created.providerPaymentId } : {}),
          ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}),
          ...(created.checkoutUrl ? { checkoutUrl: created.checkoutUrl } : {}),
          ...(created.pixQrCode ? { pixQrCode: created.pixQrCode } : {}),
        },
      };
      return { changes: [{ aggregate: 'payment', id: paymentId, events }], response, result: response };
    },
  };
}

/**
 * Starts a payment of a held reservation's full total with one provider, or answers with the open
 * payment the reservation already has with it. Two commands, so that no transaction stays open
 * across the provider's HTTP call: claim the key and plan the start; ask the provider with the
 * payment's idempotency key; record PaymentStarted (unless recorded already) with the stored
 * response. Concurrent starts of one payment meet at its stream's version: one records, the other
 * finds it recorded. A provider failure releases the claim — safe, because the provider
 * deduplicates our retry.
 */
export async function startPayment(
  deps: AppDeps,
  provider: PaymentProvider,
  caller: Caller,
  request: IdempotentRequest,
  input: { readonly reservationId: string; readonly method: Provider },
): Promise<Outcome<IdempotentResult>> {
  const tenantId = caller.principal.tenantId;
  if (provider.account !== accountOf(input.method)) throw new Error(`${input.method} is not paid through ${provider.account}`);
  const claimed = await runCommand(deps, claimPaymentStartCommand(caller, request, { ...input, graceSeconds: deps.paymentGraceSeconds }));
  if (!claimed.ok) return claimed;
  if (claimed.value.kind === 'replayed') return { ok: true, value: { response: claimed.value.response, replayed: true } };
  if (claimed.value.kind !== 'decided') throw new Error('a payment start cannot end as a duplicate delivery');
  const claim = claimed.value.result;
  if (claim.kind === 'answered') return { ok: true, value: { response: claim.response, replayed: false } };
  const { reservation, paymentId, providerIdempotencyKey, expiresAt, claimedAt } = claim;

  const amount = reservation.total;
  // The read edge: the provider gets the customer's address in clear, unless it was erased.
  const { email } = await withTransaction(deps.pool, (tx) => deps.personalData.openCustomer(tx, reservation.customer), { tenantId });
  let created: CreatedPayment;
  try {
    created = await provider.createPayment({
      method: input.method,
      tenantId,
      paymentId,
      reservationId: reservation.reservationId,
      amount,
      description: `Reservation ${reservation.reservationId} (${reservation.seats} seat${reservation.seats === 1 ? '' : 's'})`,
      ...(email === ERASED ? {} : { payerEmail: email }),
      idempotencyKey: providerIdempotencyKey,
      expiresAt,
    });
  } catch (error) {
    await withTransaction(deps.pool, (tx) => releaseIdempotencyKey(tx, request, claimedAt), { tenantId });
    throw error;
  }
  const started = { paymentId, reservationId: reservation.reservationId, method: input.method, amount };
  return replayedOrDecided(await runCommand(deps, recordPaymentStartCommand(caller, request, started, created)));
}
