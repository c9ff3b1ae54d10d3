import { z } from 'zod';
import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';
import type { CustomerEmailKind } from '../../domain/customerEmail.js';

/** One reservation's e-mail of one kind (migration 0043). */
export type CustomerEmailKey = { readonly tenantId: string; readonly reservationId: string; readonly kind: CustomerEmailKind };

const claimRow = z.object({ state: z.string(), lease_until: z.string().nullable(), attempts: z.number() });

/** What a claim found: the e-mail was dealt with (sent, or skipped), another attempt holds it now, or this attempt may send it. */
export type EmailClaim =
  | { readonly kind: 'done' }
  | { readonly kind: 'busy'; readonly leaseUntil: string }
  | { readonly kind: 'claimed'; readonly attempt: number };

/**
 * Takes the e-mail's row for one attempt, creating it on the first: locked for the rest of the
 * transaction, so two jobs of one e-mail (a key replaced while its job ran) decide one after the
 * other. An attempt that is still within its lease (another worker is talking to SES now) is not
 * overtaken; one whose lease ran out crashed or hung and is taken over (ADR 0043).
 */
export async function claimCustomerEmail(db: Queries, key: CustomerEmailKey, now: string): Promise<EmailClaim> {
  await db.query(sql.typeAlias('void')`
    INSERT INTO customer_emails (tenant_id, reservation_id, kind, state, queued_at)
    VALUES (${key.tenantId}, ${key.reservationId}::uuid, ${key.kind}, 'queued', ${now}::timestamptz)
    ON CONFLICT (tenant_id, reservation_id, kind) DO NOTHING`);
  const row = await db.one(sql.type(claimRow)`
    SELECT state, lease_until, attempts FROM customer_emails
    WHERE tenant_id = ${key.tenantId} AND reservation_id = ${key.reservationId}::uuid AND kind = ${key.kind}
    FOR UPDATE`);
  if (row.state === 'sent' || row.state === 'skipped') return { kind: 'done' };
  if (row.state === 'sending' && row.lease_until !== null && Date.parse(row.lease_until) > Date.parse(now)) {
    return { kind: 'busy', leaseUntil: row.lease_until };
  }
  return { kind: 'claimed', attempt: row.attempts + 1 };
}

/** The attempt starts: it holds the e-mail until `leaseUntil`, in a row committed before SES is called. */
export async function markSending(
  db: Queries,
  key: CustomerEmailKey,
  attempt: { readonly now: string; readonly leaseUntil: string; readonly locale: string; readonly subject: string },
): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE customer_emails
    SET state = 'sending', attempts = attempts + 1, last_attempt_at = ${attempt.now}::timestamptz,
        lease_until = ${attempt.leaseUntil}::timestamptz, locale = ${attempt.locale}, subject = ${attempt.subject}
    WHERE tenant_id = ${key.tenantId} AND reservation_id = ${key.reservationId}::uuid AND kind = ${key.kind}`);
}

/**
 * The outcome of attempt `attempt` is written only while no later attempt took the e-mail over (its
 * lease ran out): a hung attempt that wakes up late cannot undo what the later one recorded.
 */
export async function markSent(db: Queries, key: CustomerEmailKey, attempt: number, messageId: string, now: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE customer_emails
    SET state = 'sent', message_id = ${messageId}, sent_at = ${now}::timestamptz, lease_until = NULL, last_error = NULL
    WHERE tenant_id = ${key.tenantId} AND reservation_id = ${key.reservationId}::uuid AND kind = ${key.kind}
      AND attempts = ${attempt}`);
}

/** Not sent, and never will be: the reservation moved on before its e-mail went (ADR 0043). */
export async function markSkipped(db: Queries, key: CustomerEmailKey, reason: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE customer_emails SET state = 'skipped', last_error = ${reason}, lease_until = NULL
    WHERE tenant_id = ${key.tenantId} AND reservation_id = ${key.reservationId}::uuid AND kind = ${key.kind}`);
}

export async function markFailed(db: Queries, key: CustomerEmailKey, attempt: number, error: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    UPDATE customer_emails SET state = 'failed', last_error = ${error.slice(0, 2000)}, lease_until = NULL
    WHERE tenant_id = ${key.tenantId} AND reservation_id = ${key.reservationId}::uuid AND kind = ${key.kind}
      AND attempts = ${attempt} AND state = 'sending'`);
}

const deliveryRow = z.object({
  kind: z.string(),
  state: z.string(),
  locale: z.string().nullable(),
  subject: z.string().nullable(),
  attempts: z.number(),
  message_id: z.string().nullable(),
  last_error: z.string().nullable(),
  queued_at: z.string(),
  last_attempt_at: z.string().nullable(),
  sent_at: z.string().nullable(),
});
export type CustomerEmailDelivery = z.infer<typeof deliveryRow>;

/** A reservation's e-mails with their delivery state, in the order they were first tried. */
export async function listCustomerEmails(db: Queries, tenantId: string, reservationId: string): Promise<CustomerEmailDelivery[]> {
  const rows = await db.any(sql.type(deliveryRow)`
    SELECT kind, state, locale, subject, attempts, message_id, last_error, queued_at, last_attempt_at, sent_at
    FROM customer_emails
    WHERE tenant_id = ${tenantId} AND reservation_id = ${reservationId}::uuid
    ORDER BY queued_at, kind`);
  return [...rows];
}
