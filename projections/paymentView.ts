import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { sql } from '../src/db/sql.js';

export const paymentViewRow = z.object({
  payment_id: z.string(),
  reservation_id: z.string(),
  provider: z.string(),
  status: z.string(),
  amount: z.number(),
  currency: z.string(),
  provider_payment_id: z.string().nullable(),
  client_secret: z.string().nullable(),
  checkout_url: z.string().nullable(),
  pix_qr_code: z.string().nullable(),
  last_error: z.string().nullable(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type PaymentView = z.infer<typeof paymentViewRow>;

const columns = sql.fragment`payment_id::text, reservation_id::text, provider, status, amount, currency,
  provider_payment_id, client_secret, checkout_url, pix_qr_code, last_error, version, created_at, updated_at`;

export async function readPaymentsOfReservation(
  db: CommonQueryMethods,
  tenantId: string,
  reservationId: string,
): Promise<PaymentView[]> {
  const rows = await db.any(sql.type(paymentViewRow)`
    SELECT ${columns} FROM payments_view
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid
    ORDER BY created_at, payment_id`);
  return [...rows];
}

/** A provider is still working on a payment of this reservation, so its hold must not lapse. */
export async function hasPaymentInFlight(db: CommonQueryMethods, tenantId: string, reservationId: string): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ in_flight: z.boolean() }))`
    SELECT EXISTS (
      SELECT 1 FROM payments_view
      WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid AND status = 'processing'
    ) AS in_flight`);
}
