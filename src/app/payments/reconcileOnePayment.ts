import { accountOf, type PaymentProviders } from '../../payments/provider.js';
import { readPayment } from '../../../projections/paymentView.js';
import type { AppDeps } from '../context.js';
import { notFound, type Outcome, succeed, fail } from '../outcome.js';
import { readAsTenant } from '../readAsTenant.js';
import type { Principal } from '../../identity/principal.js';
import { paymentDto, type PaymentDto } from '../views.js';
import { applyProviderEvent } from './applyProviderEvent.js';

/** The payment's provider is not configured on this server: nobody can be asked. */
export type ProviderNotConfigured = { readonly kind: 'ProviderNotConfigured'; readonly provider: string };

/**
 * Manual reconciliation of one payment of the caller's tenant: asks its provider for the payment's
 * state now and applies the answer through the same command as a verified webhook (the inbox keeps
 * each answer once, so asking twice changes nothing), recorded with source `reconciliation`.
 * Returns the payment's view afterwards. A provider that fails throws its ProviderCallError.
 */
export async function reconcileOnePayment(
  deps: AppDeps,
  providers: PaymentProviders,
  principal: Principal,
  paymentId: string,
): Promise<Outcome<PaymentDto> | ProviderNotConfigured> {
  const read = () => readAsTenant(deps.pool, principal, (tx) => readPayment(tx, principal.tenantId, paymentId));
  const before = await read();
  if (!before) return fail(notFound(`payment ${paymentId}`));
  const provider = providers[accountOf(before.provider)];
  if (!provider) return { kind: 'ProviderNotConfigured', provider: before.provider };
  const event = await provider.lookupPayment({
    paymentId,
    ...(before.provider_payment_id === null ? {} : { providerPaymentId: before.provider_payment_id }),
  });
  if (event) await applyProviderEvent(deps, event, 'reconciliation');
  const after = event ? await read() : before;
  // The view of a payment found a moment ago cannot vanish: payments are never deleted.
  if (!after) throw new Error(`payment ${paymentId} disappeared while it was reconciled`);
  return succeed(paymentDto(after));
}
