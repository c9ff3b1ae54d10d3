import type { Queries } from '../../db/queries.js';
import { z } from 'zod';
import { isDomainError } from '../../domain/errors.js';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type PaymentEvent,
  type PaymentState,
  type RequestRefund,
  type ResolveAnomaly,
} from '../../domain/payment.js';
import { sql } from '../../db/sql.js';
import { withSystemTransaction, withTransaction } from '../../db/transaction.js';
import { appendToStream } from '../../ledger/appendToStream.js';
import { readStream } from '../../ledger/readStream.js';
import { headAfter } from '../../ledger/streamHead.js';
import { accountOf, type PaymentProviders } from '../../payments/provider.js';
import { paymentRowAfter, savePaymentView } from '../../../projections/paymentView.js';
import type { AfterCancel } from '../cancelReservation.js';
import { type AppDeps, metadataFor } from '../context.js';
import { refuse } from '../outcome.js';
import { foldRecorded, paymentStreamId } from '../streams.js';
import type { Provider } from '../../domain/payment.js';

const xidRow = z.object({ xid: z.string() });

export type RefundDispatch = { readonly submitted: number; readonly failed: number };

export type RefundFlow = {
  /** Hooked into cancelReservation: records the refund request in the cancel's own transaction. */
  readonly afterCancel: AfterCancel;
  /** Sends every due refund request to its provider (periodic job, and right after a cancel commits). */
  dispatchDue(): Promise<RefundDispatch>;
  /** After the caller's transaction commits, sends the refunds it recorded (a rollback sends nothing). */
  dispatchAfterCommit(tx: Queries): Promise<void>;
  /** Resolves when every dispatch started by a cancel has finished (tests, shutdown). */
  idle(): Promise<void>;
};

export type PaymentDecision = { readonly events: readonly PaymentEvent[]; readonly state: PaymentState };

/**
 * Decides a refund-bearing command on a payment inside the caller's transaction: appends its
 * events, refreshes the payment's view and, when a refund was asked for, queues it in the outbox
 * (sent after commit by the refund flow). Refusals roll the transaction back.
 */
export async function recordPaymentDecision(
  tx: Queries,
  tenantId: string,
  paymentId: string,
  command: RequestRefund | ResolveAnomaly,
  metadata: ReturnType<typeof metadataFor>,
): Promise<PaymentDecision | undefined> {
  const streamId = paymentStreamId(paymentId);
  const recorded = await readStream(tx, tenantId, streamId);
  if (recorded.length === 0) return undefined;
  const before = foldRecorded(recorded, evolvePayment, initialPaymentState);
  const events = decidePayment(command, before);
  if (isDomainError(events)) refuse(events);
  const state = events.reduce(evolvePayment, before);
  if (events.length === 0) return { events, state };
  await appendToStream(tx, {
    tenantId,
    streamId,
    expectedVersion: recorded.length,
    // The stream was just read: its last event is the head, no second read.
    expectedHash: headAfter(recorded).hash,
    recordedAt: command.now,
    events: events.map((e) => ({ type: e.type, data: e.data, metadata })),
  });
  await savePaymentView(tx, tenantId, paymentRowAfter(paymentId, recorded, events, command.now));
  if (events.some((e) => e.type === 'PaymentRefundRequested')) {
    await tx.query(sql.typeAlias('void')`
      INSERT INTO refund_outbox (tenant_id, payment_id, requested_at, next_attempt_at)
      VALUES (${tenantId}, ${paymentId}::uuid, ${command.now}::timestamptz, ${command.now}::timestamptz)
      ON CONFLICT (tenant_id, payment_id) DO NOTHING`);
  }
  return { events, state };
}

const dueRow = z.object({ tenant_id: z.string(), payment_id: z.string(), attempts: z.number() });
const paymentRow = z.object({
  provider: z.string(),
  provider_payment_id: z.string().nullable(),
  amount: z.number(),
  currency: z.string(),
});
const xactRow = z.object({ status: z.string().nullable() });

const RETRY_AFTER_SECONDS = (attempts: number) => Math.min(3600, 30 * 2 ** Math.min(attempts, 7));

/** The same key for every attempt at one payment's refund, so the provider refunds it once. */
export const refundIdempotencyKey = (paymentId: string) => `ledger-refund-${paymentId}`;

/**
 * Refunds of cancelled paid reservations, as an outbox: the cancel's transaction records
 * PaymentRefundRequested and an outbox row (so the request cannot be lost, nor sent for a cancel
 * that rolled back), and the provider is called only after it commits — never with the slot lock
 * held. The reservation becomes `refunded` when the provider's refund webhook arrives.
 */
export function createRefundFlow(
  deps: AppDeps,
  providers: PaymentProviders,
  onError: (message: string, error: unknown) => void,
): RefundFlow {
  const running = new Set<Promise<unknown>>();

  /** Waits until the cancel's transaction has ended, then dispatches (a rolled-back cancel left nothing to send). */
  async function waitForCommitThenDispatch(xid: string): Promise<void> {
    for (let waited = 0; waited < 30_000; waited += 10) {
      const { status } = await deps.pool.one(sql.type(xactRow)`SELECT pg_xact_status(${xid}::xid8) AS status`);
      if (status === 'aborted') return;
      if (status !== 'in progress') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await dispatchDue();
  }

  /** The one cross-tenant step (system role): which refund is due next; the rest runs in its tenant. */
  async function claimDue(now: string) {
    return withSystemTransaction(deps.pool, (tx) =>
      tx.maybeOne(sql.type(dueRow)`
        UPDATE refund_outbox o
        SET attempts = o.attempts + 1, next_attempt_at = ${now}::timestamptz + interval '120 seconds'
        FROM (
          SELECT tenant_id, payment_id FROM refund_outbox
          WHERE submitted_at IS NULL AND next_attempt_at <= ${now}::timestamptz
          ORDER BY next_attempt_at LIMIT 1
          FOR UPDATE SKIP LOCKED
        ) due
        WHERE o.tenant_id = due.tenant_id AND o.payment_id = due.payment_id
        RETURNING o.tenant_id, o.payment_id::text, o.attempts`),
    );
  }

  async function dispatchDue(): Promise<RefundDispatch> {
    let submitted = 0;
    let failed = 0;
    for (;;) {
      const now = deps.clock().toISOString();
      const due = await claimDue(now);
      if (!due) return { submitted, failed };
      const asTenant = { tenantId: due.tenant_id };
      const payment = await withTransaction(deps.pool, (tx) => tx.one(sql.type(paymentRow)`
        SELECT provider, provider_payment_id, amount, currency FROM payments_view
        WHERE tenant_id = ${due.tenant_id} AND payment_id = ${due.payment_id}::uuid`), asTenant);
      try {
        const provider = providers[accountOf(payment.provider as Provider)];
        if (!provider) throw new Error(`${payment.provider} is not configured`);
        if (!payment.provider_payment_id) throw new Error('the provider never told us its payment id');
        const refund = await provider.refundPayment({
          paymentId: due.payment_id,
          providerPaymentId: payment.provider_payment_id,
          amount: { amount: payment.amount, currency: payment.currency },
          idempotencyKey: refundIdempotencyKey(due.payment_id),
        });
        await withTransaction(deps.pool, (tx) => tx.query(sql.typeAlias('void')`
          UPDATE refund_outbox SET submitted_at = ${now}::timestamptz, provider_refund_id = ${refund.refundId}, last_error = NULL
          WHERE tenant_id = ${due.tenant_id} AND payment_id = ${due.payment_id}::uuid`), asTenant);
        submitted += 1;
      } catch (error) {
        failed += 1;
        onError(`refund of payment ${due.payment_id} failed (attempt ${due.attempts}); will retry`, error);
        const retryAt = new Date(Date.parse(now) + RETRY_AFTER_SECONDS(due.attempts) * 1000).toISOString();
        await withTransaction(deps.pool, (tx) => tx.query(sql.typeAlias('void')`
          UPDATE refund_outbox SET last_error = ${error instanceof Error ? error.message : String(error)},
            next_attempt_at = ${retryAt}::timestamptz
          WHERE tenant_id = ${due.tenant_id} AND payment_id = ${due.payment_id}::uuid`), asTenant);
      }
    }
  }

  const afterCancel: AfterCancel = async (tx, change, caller) => {
    const after = change.after;
    if (after.status !== 'cancelled' || !after.refundPending) return;
    const now = deps.clock().toISOString();
    const command: RequestRefund = { type: 'RequestRefund', now, by: caller.principal.sub };
    const decision = await recordPaymentDecision(tx, caller.principal.tenantId, after.paymentId, command, metadataFor(caller));
    if (!decision) throw new Error(`payment ${after.paymentId} of a paid reservation has no stream`);
    if (decision.events.length > 0) await kickAfterCommit(tx);
  };

  async function kickAfterCommit(tx: Queries): Promise<void> {
    const { xid } = await tx.one(sql.type(xidRow)`SELECT pg_current_xact_id()::text AS xid`);
    const kick = waitForCommitThenDispatch(xid)
      .catch((error: unknown) => onError('refund dispatch failed', error))
      .finally(() => running.delete(kick));
    running.add(kick);
  }

  return {
    afterCancel,
    dispatchDue,
    dispatchAfterCommit: kickAfterCommit,
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
