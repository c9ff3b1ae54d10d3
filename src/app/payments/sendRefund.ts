import { z } from 'zod';
import { sql } from '../../db/sql.js';
import { withTransaction } from '../../db/transaction.js';
import type { PayloadOf } from '../../jobs/followUpJobs.js';
import { accountOf, type PaymentProviders } from '../../payments/provider.js';
import type { AppDeps } from '../context.js';

const refundablePayment = z.object({
  provider: z.enum(['stripe', 'mercadopago', 'pix']),
  provider_payment_id: z.string().nullable(),
  amount: z.number(),
  currency: z.string(),
});

/** The same key for every attempt at one payment's refund, so the provider refunds it once. */
export const refundIdempotencyKey = (paymentId: string) => `ledger-refund-${paymentId}`;

export type SentRefund = { readonly paymentId: string; readonly refundId: string };

/**
 * The `sendRefund` job: asks the payment's provider to give its money back. It runs after the
 * transaction that recorded PaymentRefundRequested committed, never under the slot lock; a failure
 * throws, and the job queue tries again with backoff. Every attempt carries the same idempotency
 * key, so a retry after a lost answer never refunds twice. The reservation and payment become
 * `refunded` when the provider's refund webhook (or reconciliation) says so.
 */
export async function sendRefund(
  deps: AppDeps,
  providers: PaymentProviders,
  { tenantId, paymentId }: PayloadOf<'sendRefund'>,
): Promise<SentRefund> {
  const payment = await withTransaction(
    deps.pool,
    (tx) =>
      tx.maybeOne(sql.type(refundablePayment)`
        SELECT provider, provider_payment_id, amount, currency FROM payments_view
        WHERE tenant_id = ${tenantId} AND payment_id = ${paymentId}::uuid`),
    { tenantId },
  );
  if (!payment) throw new Error(`payment ${paymentId} of tenant ${tenantId} does not exist`);
  const provider = providers[accountOf(payment.provider)];
  if (!provider) throw new Error(`${payment.provider} is not configured: the refund of payment ${paymentId} waits`);
  if (!payment.provider_payment_id) throw new Error(`the provider never told us the id of payment ${paymentId}`);
  const refund = await provider.refundPayment({
    paymentId,
    providerPaymentId: payment.provider_payment_id,
    amount: { amount: payment.amount, currency: payment.currency },
    idempotencyKey: refundIdempotencyKey(paymentId),
  });
  return { paymentId, refundId: refund.refundId };
}
