import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { SignalSource } from '../../domain/payment.js';
import { sql } from '../../db/sql.js';
import type { ProviderAccount, ProviderEvent } from '../../payments/provider.js';
import { type PaymentRef, paymentCandidateRow, paymentRefCandidates, pickPaymentRef } from '../../../projections/paymentView.js';
import { claimInboxStatement } from './inbox.js';

type SignalEvent = Extract<ProviderEvent, { kind: 'signal' }>;

const PROVIDERS_OF: Record<ProviderAccount, readonly string[]> = { stripe: ['stripe'], mercadopago: ['mercadopago', 'pix'] };

const claimedRow = z.object({
  claimed: z.boolean(),
  tenant_id: z.string().nullable(),
  payment_id: z.string().nullable(),
  reservation_id: z.string().nullable(),
  provider: z.string().nullable(),
  by_our_id: z.boolean().nullable(),
});

export type ClaimedSignal = { readonly kind: 'duplicate' } | { readonly kind: 'claimed'; readonly ref: PaymentRef | null };

/**
 * Claims a signal's inbox row and finds the payment it names in one round trip. The lookup runs
 * only when the claim succeeded, on the snapshot the statement started with: as current as the
 * separate lookup that used to follow the claim, since the claim waits only for an earlier delivery
 * of this very event — and that makes this one a duplicate, which looks nothing up. The ids read
 * (tenant, payment, reservation, provider) are fixed when a payment is created.
 */
export async function claimSignalAndResolvePayment(
  tx: CommonQueryMethods,
  event: SignalEvent,
  source: SignalSource,
  now: string,
): Promise<ClaimedSignal> {
  const providers = PROVIDERS_OF[event.account];
  const rows = await tx.many(sql.type(claimedRow)`
    WITH claim AS (${claimInboxStatement(event, source, now)})
    SELECT EXISTS (SELECT FROM claim) AS claimed, c.tenant_id, c.payment_id, c.reservation_id, c.provider, c.by_our_id
    FROM (VALUES (1)) AS one (n)
      LEFT JOIN (${paymentRefCandidates({
        paymentId: event.paymentId,
        tenantId: event.tenantId,
        providers,
        providerPaymentId: event.providerPaymentId,
      })}) AS c ON EXISTS (SELECT FROM claim)`);
  if (!rows[0]?.claimed) return { kind: 'duplicate' };
  // With no candidate the one row carries only the claim (NULL columns from the outer join).
  const candidates = rows.filter((row) => row.payment_id !== null).map((row) => paymentCandidateRow.parse(row));
  const ref = pickPaymentRef(candidates);
  // A Stripe event can never settle a Mercado Pago payment, whatever ids it carries.
  return { kind: 'claimed', ref: ref && providers.includes(ref.provider) ? ref : null };
}
