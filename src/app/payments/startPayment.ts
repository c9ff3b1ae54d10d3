import { createHash } from 'node:crypto';
import { illegalTransition, isDomainError } from '../../domain/errors.js';
import type { Money } from '../../domain/money.js';
import { decidePayment, evolvePayment, initialPaymentState, type Provider } from '../../domain/payment.js';
import type { ReservationState } from '../../domain/reservation.js';
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

/** A claim still in flight after this long belongs to a request that died; another may take it over. */
export const IN_FLIGHT_TAKEOVER_SECONDS = 60;

/**
 * One hash of the caller's key gives both our payment id and the key we send the provider, so a
 * retry — even one that takes over a crashed request — creates the same payment and, at the
 * provider, gets the first answer back instead of a second charge.
 */
export function paymentIdentity(request: Pick<IdempotentRequest, 'tenantId' | 'subject' | 'key'>) {
  const hex = createHash('sha256').update(`${request.tenantId}\u0000${request.subject}\u0000${request.key}`).digest('hex');
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

/**
 * The first of a payment start's two commands: claims the Idempotency-Key and commits it in flight
 * (no response stored yet), after checking that the reservation may be paid. The provider is called
 * between the two, outside any transaction.
 */
export function claimPaymentStartCommand(caller: Caller, request: IdempotentRequest, reservationId: string): Command<Payable> {
  return {
    name: 'claimPaymentStart',
    tenantId: caller.principal.tenantId,
    metadata: metadataFor(caller),
    claim: { kind: 'idempotencyKey', request, takeOverInFlightAfterSeconds: IN_FLIGHT_TAKEOVER_SECONDS },
    streams: [{ aggregate: 'reservation', id: reservationId }],
    decide: (loaded) => {
      const payable = payableReservation(caller, loaded.reservation(reservationId), reservationId, loaded.now);
      return 'kind' in payable ? payable : { changes: [], result: payable };
    },
  };
}

/**
 * The second: records PaymentStarted with what the provider created, and stores the response. A
 * takeover of a request that died after recording finds its payment already there and records nothing.
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
        status: 201,
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
 * Starts a payment of a held reservation's full total with one provider, in two commands so that
 * no transaction stays open across the provider's HTTP call: claim the key and check the
 * reservation; ask the provider with an idempotency key derived from the caller's; record
 * PaymentStarted with the stored response. A provider failure releases the claim — safe, because
 * the provider already deduplicates our retry.
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
  const claimed = await runCommand(deps, claimPaymentStartCommand(caller, request, input.reservationId));
  if (!claimed.ok) return claimed;
  if (claimed.value.kind === 'replayed') return { ok: true, value: { response: claimed.value.response, replayed: true } };
  if (claimed.value.kind !== 'decided') throw new Error('a payment start cannot end as a duplicate delivery');
  const reservation = claimed.value.result;

  const { paymentId, providerIdempotencyKey } = paymentIdentity(request);
  const amount = reservation.total;
  let created: CreatedPayment;
  try {
    created = await provider.createPayment({
      method: input.method,
      tenantId,
      paymentId,
      reservationId: reservation.reservationId,
      amount,
      description: `Reservation ${reservation.reservationId} (${reservation.seats} seat${reservation.seats === 1 ? '' : 's'})`,
      payerEmail: reservation.customer.email,
      idempotencyKey: providerIdempotencyKey,
    });
  } catch (error) {
    await withTransaction(deps.pool, (tx) => releaseIdempotencyKey(tx, request), { tenantId });
    throw error;
  }
  const started = { paymentId, reservationId: reservation.reservationId, method: input.method, amount };
  return replayedOrDecided(await runCommand(deps, recordPaymentStartCommand(caller, request, started, created)));
}
