import { z } from 'zod';
import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';
import { DEFAULT_CUSTOMER_LOCALE, isCustomerLocale } from '../../domain/customerLocale.js';
import type { CustomerEmailFacts } from '../../mail/renderCustomerEmail.js';
import type { CustomerEmailKey } from './customerEmailRecords.js';

const factsRow = z.object({
  status: z.string(),
  customer_name: z.string(),
  customer_email: z.string(),
  customer_locale: z.string(),
  seats: z.number(),
  total_amount: z.number(),
  total_currency: z.string(),
  expires_at: z.string(),
  starts_at: z.string(),
  activity_name: z.string(),
  time_zone: z.string(),
  refund_pending: z.boolean(),
  checkout_url: z.string().nullable(),
  pix_qr_code: z.string().nullable(),
});

/** What the e-mail says and whom it goes to, with the reservation's status when it is sent. */
export type EmailToWrite = { readonly to: string; readonly status: string; readonly facts: CustomerEmailFacts };

/**
 * Reads what an e-mail says from the read models as they are when it is sent: the reservation,
 * its departure, the activity's name and time zone (UTC and the activity's id until it is defined,
 * as the slot list shows it), and for a hold the payment whose start called for it.
 */
export async function readEmailToWrite(db: Queries, key: CustomerEmailKey, paymentId: string | undefined): Promise<EmailToWrite | null> {
  const row = await db.maybeOne(sql.type(factsRow)`
    SELECT r.status, r.customer_name, r.customer_email, r.customer_locale, r.seats, r.total_amount, r.total_currency,
           r.expires_at, s.starts_at, coalesce(a.name, s.activity_id) AS activity_name, coalesce(a.time_zone, 'UTC') AS time_zone,
           (r.status = 'cancelled' AND r.payment_id IS NOT NULL) AS refund_pending,
           p.checkout_url, p.pix_qr_code
    FROM reservations_view r
    JOIN slot_availability s ON s.tenant_id = r.tenant_id AND s.slot_id = r.slot_id
    LEFT JOIN activity_view a ON a.tenant_id = s.tenant_id AND a.activity_id = s.activity_id
    LEFT JOIN payments_view p ON p.tenant_id = r.tenant_id AND p.reservation_id = r.reservation_id
      AND p.payment_id = ${paymentId ?? null}::uuid
    WHERE r.tenant_id = ${key.tenantId} AND r.reservation_id = ${key.reservationId}::uuid`);
  if (row === null) return null;
  return {
    to: row.customer_email,
    status: row.status,
    facts: {
      kind: key.kind,
      locale: isCustomerLocale(row.customer_locale) ? row.customer_locale : DEFAULT_CUSTOMER_LOCALE,
      customerName: row.customer_name,
      reservationId: key.reservationId,
      activityName: row.activity_name,
      startsAt: row.starts_at,
      timeZone: row.time_zone,
      seats: row.seats,
      total: { amount: row.total_amount, currency: row.total_currency },
      expiresAt: row.expires_at,
      refundPending: row.refund_pending,
      ...(row.checkout_url === null ? {} : { checkoutUrl: row.checkout_url }),
      ...(row.pix_qr_code === null ? {} : { pixCode: row.pix_qr_code }),
    },
  };
}
