import type { AnomalyResolution } from '../../domain/payment.js';
import { withSystemTransaction, withTransaction } from '../../db/transaction.js';
import { findUnpayableSuccesses } from '../../../projections/paymentView.js';
import { type AppDeps, type Caller, metadataFor } from '../context.js';
import { notFound, type Outcome, refuse, runRefusable } from '../outcome.js';
import { recordPaymentDecision, type RefundFlow } from './requestRefund.js';

export type ResolveAnomalyInput = {
  readonly paymentId: string;
  readonly providerEventId: string;
  readonly action: AnomalyResolution;
  readonly note?: string;
};

/** Who resolves, in which tenant: an admin's request, or the reconciliation job acting for a tenant. */
export type AnomalyActor = {
  readonly tenantId: string;
  readonly by: string;
  readonly metadata: ReturnType<typeof metadataFor>;
};

export function anomalyActorOf(caller: Caller): AnomalyActor {
  return { tenantId: caller.principal.tenantId, by: caller.principal.sub, metadata: metadataFor(caller) };
}

export type AnomalyResolved = {
  readonly paymentId: string;
  readonly providerEventId: string;
  readonly action: AnomalyResolution;
  readonly paymentStatus: string;
  /** True when the payment's money is (now, or already was) on its way back to the customer. */
  readonly refundRequested: boolean;
};

/**
 * Settles one anomaly of a payment in the caller's tenant (a back-office admin's decision). A
 * refund goes into the outbox in the same transaction and to the provider after commit.
 */
export async function resolveAnomaly(
  deps: AppDeps,
  refunds: RefundFlow,
  actor: AnomalyActor,
  input: ResolveAnomalyInput,
): Promise<Outcome<AnomalyResolved>> {
  const { tenantId, by, metadata } = actor;
  return runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx) => {
        const now = deps.clock().toISOString();
        const decision = await recordPaymentDecision(
          tx,
          tenantId,
          input.paymentId,
          {
            type: 'ResolveAnomaly',
            providerEventId: input.providerEventId,
            action: input.action,
            ...(input.note !== undefined ? { note: input.note } : {}),
            by,
            now,
          },
          metadata,
        );
        if (!decision) refuse(notFound(`payment ${input.paymentId}`));
        const refundRequested = decision.state.status === 'succeeded' && decision.state.refundRequested;
        if (decision.events.some((event) => event.type === 'PaymentRefundRequested')) await refunds.dispatchAfterCommit(tx);
        return {
          paymentId: input.paymentId,
          providerEventId: input.providerEventId,
          action: input.action,
          paymentStatus: decision.state.status,
          refundRequested,
        };
      },
      { tenantId },
    ),
  );
}

export const RECONCILIATION_ACTOR = 'reconciliation';

/**
 * The reconciliation side of API.md's "an anomaly that the backoffice sees and reconciliation
 * resolves": money taken for a reservation that could not be paid (its seats were gone, it was
 * cancelled, or another payment paid it) has only one right answer — give it back. Found across
 * tenants, each refund then decided in its own tenant. Returns how many were resolved.
 */
export async function refundUnpayableSuccesses(
  deps: AppDeps,
  refunds: RefundFlow,
  options: { readonly limit?: number; readonly onError?: (message: string, error: unknown) => void } = {},
): Promise<number> {
  const due = await withSystemTransaction(deps.pool, (tx) => findUnpayableSuccesses(tx, options.limit ?? 100));
  let resolved = 0;
  for (const anomaly of due) {
    const actor: AnomalyActor = { tenantId: anomaly.tenantId, by: RECONCILIATION_ACTOR, metadata: { actor: RECONCILIATION_ACTOR } };
    const outcome = await resolveAnomaly(deps, refunds, actor, {
      paymentId: anomaly.paymentId,
      providerEventId: anomaly.providerEventId,
      action: 'refund',
      note: 'money taken for a reservation that could not be paid is given back',
    }).catch((error: unknown) => {
      options.onError?.(`refund of unpayable payment ${anomaly.paymentId} failed`, error);
      return undefined;
    });
    if (outcome?.ok) resolved += 1;
    else if (outcome) options.onError?.(`anomaly of payment ${anomaly.paymentId} could not be resolved: ${outcome.error.message}`, outcome.error);
  }
  return resolved;
}
