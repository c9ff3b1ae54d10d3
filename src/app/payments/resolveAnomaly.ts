import { isDomainError } from '../../domain/errors.js';
import type { AnomalyResolution } from '../../domain/payment.js';
import { decidePayment, evolvePayment } from '../../domain/payment.js';
import { withSystemTransaction } from '../../db/transaction.js';
import { sendRefundJob } from '../../jobs/followUpJobs.js';
import { findUnpayableSuccesses } from '../../../projections/paymentView.js';
import type { Command } from '../command/command.js';
import { decidedResult } from '../command/commandEnd.js';
import { runCommand } from '../command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from '../context.js';
import { notFound, type Outcome } from '../outcome.js';

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
 * Settles one anomaly of a payment in the actor's tenant. A refund is a job enqueued in the same
 * transaction and sent to the provider after the commit. No seats move, so no slot is locked.
 */
export function resolveAnomalyCommand(actor: AnomalyActor, input: ResolveAnomalyInput): Command<AnomalyResolved> {
  return {
    name: 'resolveAnomaly',
    tenantId: actor.tenantId,
    metadata: actor.metadata,
    streams: [{ aggregate: 'payment', id: input.paymentId }],
    decide: (loaded) => {
      const before = loaded.payment(input.paymentId);
      if (before.status === 'none') return notFound(`payment ${input.paymentId}`);
      const events = decidePayment(
        {
          type: 'ResolveAnomaly',
          providerEventId: input.providerEventId,
          action: input.action,
          ...(input.note !== undefined ? { note: input.note } : {}),
          by: actor.by,
          now: loaded.now,
        },
        before,
      );
      if (isDomainError(events)) return events;
      const after = events.reduce(evolvePayment, before);
      const refundAsked = events.some((event) => event.type === 'PaymentRefundRequested');
      return {
        changes: [{ aggregate: 'payment', id: input.paymentId, events }],
        jobs: refundAsked ? [sendRefundJob(actor.tenantId, input.paymentId)] : [],
        result: {
          paymentId: input.paymentId,
          providerEventId: input.providerEventId,
          action: input.action,
          paymentStatus: after.status,
          refundRequested: after.status === 'succeeded' && after.refundRequested,
        },
      };
    },
  };
}

export async function resolveAnomaly(deps: AppDeps, actor: AnomalyActor, input: ResolveAnomalyInput): Promise<Outcome<AnomalyResolved>> {
  return decidedResult(await runCommand(deps, resolveAnomalyCommand(actor, input)));
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
  options: { readonly limit?: number; readonly onError?: (message: string, error: unknown) => void } = {},
): Promise<number> {
  const due = await withSystemTransaction(deps.systemPool, (tx) => findUnpayableSuccesses(tx, options.limit ?? 100));
  let resolved = 0;
  for (const anomaly of due) {
    const actor: AnomalyActor = { tenantId: anomaly.tenantId, by: RECONCILIATION_ACTOR, metadata: { actor: RECONCILIATION_ACTOR } };
    const outcome = await resolveAnomaly(deps, actor, {
      paymentId: anomaly.paymentId,
      providerEventId: anomaly.providerEventId,
      action: 'refund',
      note: 'money taken for a reservation that could not be paid is given back',
    }).catch((error: unknown) => {
      options.onError?.(`refund of unpayable payment ${anomaly.paymentId} failed`, error);
      return undefined;
    });
    if (outcome?.ok) resolved += 1;
    else if (outcome)
      options.onError?.(`anomaly of payment ${anomaly.paymentId} could not be resolved: ${outcome.error.message}`, outcome.error);
  }
  return resolved;
}
