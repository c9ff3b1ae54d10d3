import { isOpenPayment } from '../../domain/paymentStart.js';
import { withTransaction } from '../../db/transaction.js';
import { accountOf, type PaymentProviders } from '../../payments/provider.js';
import { readPaymentsOfReservation } from '../../../projections/paymentView.js';
import type { AppDeps } from '../context.js';
import { applyProviderEvent } from './applyProviderEvent.js';

/** The key of a payment's cancel at the provider: one per payment, so every retry of it is the same request. */
export function cancelIdempotencyKey(paymentId: string): string {
  return `ledger-cancel-${paymentId}`;
}

/**
 * Closes the open (pending or processing) payments of a hold whose time ran out, before it expires:
 * each is cancelled at its provider, outside any transaction, and the provider's answer — cancelled,
 * or the success that came first — is applied exactly as reconciliation applies it (its inbox key
 * makes it apply once). A payment the provider could not close stays open, and so does the hold: the
 * next sweep tries again (the expiry itself checks, under the slot's lock, that none is open).
 */
export async function closeOpenPayments(
  deps: AppDeps,
  providers: PaymentProviders,
  hold: { readonly tenantId: string; readonly reservationId: string },
  onError: (message: string, error: unknown) => void,
): Promise<void> {
  const payments = await withTransaction(deps.pool, (tx) => readPaymentsOfReservation(tx, hold.tenantId, hold.reservationId), {
    tenantId: hold.tenantId,
  });
  for (const payment of payments.filter((view) => isOpenPayment(view.status))) {
    const provider = providers[accountOf(payment.provider)];
    try {
      if (!provider) throw new Error(`no ${payment.provider} keys are configured, so its payment cannot be cancelled`);
      const event = await provider.cancelPayment({
        paymentId: payment.payment_id,
        ...(payment.provider_payment_id ? { providerPaymentId: payment.provider_payment_id } : {}),
        idempotencyKey: cancelIdempotencyKey(payment.payment_id),
        ...(payment.checkout_url ? { checkoutUrl: payment.checkout_url } : {}),
        now: deps.clock().toISOString(),
      });
      if (event) await applyProviderEvent(deps, event, 'reconciliation');
    } catch (error) {
      onError(`payment ${payment.payment_id} of expiring hold ${hold.reservationId} could not be closed at the provider`, error);
    }
  }
}
