import type { Provider } from '../../domain/payment.js';
import { accountOf, type PaymentProviders } from '../../payments/provider.js';
import { withSystemTransaction } from '../../db/transaction.js';
import type { AppDeps } from '../context.js';
import { applyProviderEvent } from './applyProviderEvent.js';
import { claimPaymentsToCheck } from './paymentChecks.js';

export type ReconcileReport = {
  readonly checked: number;
  readonly applied: number;
  readonly anomalies: number;
  readonly unchanged: number;
  readonly failed: number;
};

export const DEFAULT_RECONCILE_AFTER_SECONDS = 600;
/** Provider calls one run makes at most: the rest are reached by the next runs (see claimPaymentsToCheck). */
export const DEFAULT_CHECKS_PER_RUN = 200;

/**
 * Asks the provider about payments that stayed pending or processing (or waited for a refund)
 * longer than `olderThanSeconds`, and applies its answer through the same path as a webhook,
 * recorded with source `reconciliation`: a lost webhook never leaves money unaccounted for. One
 * provider failing does not stop the others; it is counted and retried on the next run.
 * Candidates are found across tenants (system role); each answer is applied in its payment's tenant.
 * Each payment is asked on its own backoff (src/domain/reconciliationSchedule.ts), at most `limit`
 * per run, so every open payment is reached however many never change.
 */
export async function reconcilePayments(
  deps: AppDeps,
  providers: PaymentProviders,
  options: { olderThanSeconds?: number; limit?: number; onError?: (message: string, error: unknown) => void } = {},
): Promise<ReconcileReport> {
  const now = deps.clock();
  const quietSince = new Date(now.getTime() - (options.olderThanSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS) * 1000).toISOString();
  const candidates = await withSystemTransaction(deps.systemPool, (tx) =>
    claimPaymentsToCheck(tx, now.toISOString(), quietSince, options.limit ?? DEFAULT_CHECKS_PER_RUN),
  );
  const report = { checked: 0, applied: 0, anomalies: 0, unchanged: 0, failed: 0 };
  for (const payment of candidates) {
    report.checked += 1;
    const provider = providers[accountOf(payment.provider as Provider)];
    if (!provider) continue;
    try {
      const event = await provider.lookupPayment({
        paymentId: payment.paymentId,
        ...(payment.providerPaymentId ? { providerPaymentId: payment.providerPaymentId } : {}),
      });
      if (!event) {
        report.unchanged += 1;
        continue;
      }
      const result = await applyProviderEvent(deps, event, 'reconciliation');
      if (result.outcome === 'applied') report.applied += 1;
      else if (result.outcome === 'anomaly') report.anomalies += 1;
      else report.unchanged += 1;
    } catch (error) {
      report.failed += 1;
      options.onError?.(`reconciliation of payment ${payment.paymentId} failed`, error);
    }
  }
  return report;
}
