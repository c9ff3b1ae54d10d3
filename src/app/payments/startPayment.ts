import { createHash } from 'node:crypto';
import { illegalTransition, isDomainError } from '../../domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type Provider,
} from '../../domain/payment.js';
import { withTransaction } from '../../db/transaction.js';
import { accountOf, type CreatedPayment, type PaymentProvider } from '../../payments/provider.js';
import { paymentRowAfter, savePaymentView } from '../../../projections/paymentView.js';
import { readReservationView, type ReservationView } from '../../../projections/reservationView.js';
import type { AppDeps, Caller } from '../context.js';
import { metadataFor } from '../context.js';
import {
  claimIdempotencyKey,
  type IdempotentRequest,
  releaseIdempotencyKey,
  type StoredResponse,
  storeIdempotentResponse,
} from '../idempotency.js';
import type { IdempotentResult } from '../holdSeats.js';
import { forbidden, notFound, type Outcome, refuse, runRefusable } from '../outcome.js';
import { mayPayReservation, mayReadReservation } from '../policy.js';
import { appendToStream } from '../../ledger/appendToStream.js';
import { readStream } from '../../ledger/readStream.js';
import { foldRecorded, paymentStreamId } from '../streams.js';

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

function payableReservation(caller: Caller, view: ReservationView | null, reservationId: string, now: string): ReservationView {
  const { principal } = caller;
  if (!view || !mayReadReservation(principal, view.owner_sub)) refuse(notFound(`reservation ${reservationId}`));
  if (!mayPayReservation(principal, view.owner_sub)) {
    refuse(forbidden('only the customer who booked it or an admin may pay for a reservation'));
  }
  if (view.status !== 'held') {
    refuse(illegalTransition('reservation', view.status, 'StartPayment', 'a payment can only be started for a held reservation'));
  }
  if (Date.parse(view.expires_at) <= Date.parse(now)) {
    refuse(illegalTransition('reservation', 'held', 'StartPayment', `the hold expired at ${view.expires_at}`));
  }
  return view;
}

/**
 * Starts a payment of a held reservation's full total with one provider. Three steps, so no
 * transaction stays open across the provider's HTTP call: claim the Idempotency-Key (and check the
 * reservation) in one short transaction; ask the provider with an idempotency key derived from the
 * caller's; record PaymentStarted with the stored response in a second transaction. A provider
 * failure releases the claim — safe, because the provider already deduplicates our retry.
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
  const claimed = await runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx) => {
        const now = deps.clock().toISOString();
        const replay = await claimIdempotencyKey(tx, request, now, { takeOverInFlightAfterSeconds: IN_FLIGHT_TAKEOVER_SECONDS });
        if (replay) return { kind: 'replay' as const, response: replay };
        const view = payableReservation(caller, await readReservationView(tx, tenantId, input.reservationId), input.reservationId, now);
        return { kind: 'owned' as const, view };
      },
      { tenantId },
    ),
  );
  if (!claimed.ok) return claimed;
  if (claimed.value.kind === 'replay') return { ok: true, value: { response: claimed.value.response, replayed: true } };
  const { view } = claimed.value;

  const { paymentId, providerIdempotencyKey } = paymentIdentity(request);
  const amount = { amount: view.total_amount, currency: view.total_currency };
  let created: CreatedPayment;
  try {
    created = await provider.createPayment({
      method: input.method,
      tenantId,
      paymentId,
      reservationId: view.reservation_id,
      amount,
      description: `Reservation ${view.reservation_id} (${view.seats} seat${view.seats === 1 ? '' : 's'})`,
      payerEmail: view.customer_email,
      idempotencyKey: providerIdempotencyKey,
    });
  } catch (error) {
    await withTransaction(deps.pool, (tx) => releaseIdempotencyKey(tx, request), { tenantId });
    throw error;
  }

  return runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx) => {
        const now = deps.clock().toISOString();
        const streamId = paymentStreamId(paymentId);
        const existing = await readStream(tx, tenantId, streamId);
        // A takeover of a request that died after recording finds its payment already there.
        if (existing.length === 0) {
          const events = decidePayment(
            {
              type: 'StartPayment',
              paymentId,
              reservationId: view.reservation_id,
              provider: input.method,
              amount,
              now,
              ...(created.providerPaymentId ? { providerPaymentId: created.providerPaymentId } : {}),
              ...(created.checkoutUrl || created.pixQrCode
                ? {
                    checkout: {
                      ...(created.checkoutUrl ? { checkoutUrl: created.checkoutUrl } : {}),
                      ...(created.pixQrCode ? { pixQrCode: created.pixQrCode } : {}),
                    },
                  }
                : {}),
            },
            initialPaymentState,
          );
          if (isDomainError(events)) refuse(events);
          await appendToStream(tx, {
            tenantId,
            streamId,
            expectedVersion: 0,
            recordedAt: now,
            events: events.map((e) => ({ type: e.type, data: e.data, metadata: metadataFor(caller) })),
          });
          await savePaymentView(tx, tenantId, paymentRowAfter(paymentId, [], events, now));
        }
        const state = foldRecorded(existing, evolvePayment, initialPaymentState);
        const response: StoredResponse = {
          status: 201,
          body: {
            paymentId,
            provider: input.method,
            status: state.status === 'none' ? 'pending' : state.status,
            amount,
            ...(created.providerPaymentId ? { providerPaymentId: created.providerPaymentId } : {}),
            ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}),
            ...(created.checkoutUrl ? { checkoutUrl: created.checkoutUrl } : {}),
            ...(created.pixQrCode ? { pixQrCode: created.pixQrCode } : {}),
          },
        };
        await storeIdempotentResponse(tx, request, response, now);
        return { response, replayed: false };
      },
      { tenantId },
    ),
  );
}
