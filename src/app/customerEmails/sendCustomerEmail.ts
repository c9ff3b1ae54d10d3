import type { DatabasePool } from '../../db/pool.js';
import { withSystemTransaction } from '../../db/transaction.js';
import type { PayloadOf } from '../../jobs/followUpJobs.js';
import type { Mailer } from '../../mail/mailer.js';
import { renderCustomerEmail } from '../../mail/renderCustomerEmail.js';
import { ERASED } from '../../privacy/sealedText.js';
import type { PersonalData } from '../../privacy/personalData.js';
import { readEmailToWrite } from './customerEmailFacts.js';
import { claimCustomerEmail, type CustomerEmailKey, markFailed, markSending, markSent, markSkipped } from './customerEmailRecords.js';

/**
 * How long one attempt holds its e-mail: longer than a SendEmail call can take with the SDK's own
 * retries, so a lease runs out only when its worker crashed or hung (ADR 0043).
 */
export const EMAIL_LEASE_SECONDS = 120;

export type CustomerEmailDeps = {
  readonly systemPool: DatabasePool;
  /** Opens the customer's sealed name and address at the moment of sending (ADR 0048). */
  readonly personalData: PersonalData;
  readonly clock: () => Date;
  readonly mailer: Mailer;
};

export type CustomerEmailOutcome = 'sent' | 'alreadyDone' | 'skipped';

/** Another attempt is sending this e-mail now: the job is retried later, when it has been sent or its lease ran out. */
export class CustomerEmailBusyError extends Error {
  constructor(key: CustomerEmailKey, leaseUntil: string) {
    super(`the ${key.kind} e-mail of reservation ${key.reservationId} is being sent by another attempt (until ${leaseUntil})`);
    this.name = 'CustomerEmailBusyError';
  }
}

export class ReservationForEmailMissingError extends Error {
  constructor(key: CustomerEmailKey) {
    super(`the ${key.kind} e-mail names reservation ${key.reservationId}, which tenant ${key.tenantId} does not have`);
    this.name = 'ReservationForEmailMissingError';
  }
}

/**
 * SES names the refused recipient in some errors (an unverified address in the sandbox): the
 * record keeps the reason, not the customer's address, which stays only in the reservation.
 */
function withoutAddresses(text: string): string {
  return text.replace(/[^\s@<>"',;:]+@[^\s@<>"',;:]+/g, '[address]');
}

/**
 * The `sendCustomerEmail` job: sends one reservation's e-mail of one kind, once, however often the
 * job runs. The attempt is recorded (`sending`, with a lease) and committed before the mailer is
 * called, and `sent` with the provider's MessageId right after; a rerun finds `sent` and stops.
 * A failure is recorded and rethrown, so the queue retries it with backoff. A hold's e-mail whose
 * reservation is no longer held (paid first) is skipped: how to pay no longer applies; so is every
 * e-mail of a customer whose data was erased.
 */
export async function sendCustomerEmail(deps: CustomerEmailDeps, payload: PayloadOf<'sendCustomerEmail'>): Promise<CustomerEmailOutcome> {
  const key: CustomerEmailKey = { tenantId: payload.tenantId, reservationId: payload.reservationId, kind: payload.kind };
  const now = deps.clock();
  const attempt = await withSystemTransaction(deps.systemPool, async (tx) => {
    const claim = await claimCustomerEmail(tx, key, now.toISOString());
    if (claim.kind === 'done') return { kind: 'alreadyDone' as const };
    if (claim.kind === 'busy') throw new CustomerEmailBusyError(key, claim.leaseUntil);
    const stored = await readEmailToWrite(tx, key, payload.paymentId);
    if (stored === null) throw new ReservationForEmailMissingError(key);
    const customer = await deps.personalData.openCustomer(tx, { name: stored.facts.customerName, email: stored.to });
    if (customer.email === ERASED) {
      await markSkipped(tx, key, "the customer's personal data was erased");
      return { kind: 'skipped' as const };
    }
    const toWrite = { ...stored, to: customer.email, facts: { ...stored.facts, customerName: customer.name } };
    if (key.kind === 'hold' && toWrite.status !== 'held') {
      await markSkipped(tx, key, `the reservation was already ${toWrite.status}`);
      return { kind: 'skipped' as const };
    }
    const rendered = renderCustomerEmail(toWrite.facts);
    const leaseUntil = new Date(now.getTime() + EMAIL_LEASE_SECONDS * 1000).toISOString();
    await markSending(tx, key, { now: now.toISOString(), leaseUntil, locale: toWrite.facts.locale, subject: rendered.subject });
    return {
      kind: 'send' as const,
      attempt: claim.attempt,
      email: { ...rendered, to: toWrite.to, reservationId: key.reservationId, kind: key.kind },
    };
  });
  if (attempt.kind !== 'send') return attempt.kind;
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send(attempt.email));
  } catch (error) {
    const message = withoutAddresses(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    await withSystemTransaction(deps.systemPool, (tx) => markFailed(tx, key, attempt.attempt, message));
    throw error;
  }
  await withSystemTransaction(deps.systemPool, (tx) => markSent(tx, key, attempt.attempt, messageId, deps.clock().toISOString()));
  return 'sent';
}
