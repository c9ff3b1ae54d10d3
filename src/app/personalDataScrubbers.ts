import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import type { Mailer } from '../mail/mailer.js';

/** The customer whose data key was just destroyed, as scrubbers see them (inside the erasure's transaction, tenant set). */
export type ErasedCustomer = {
  readonly tenantId: string;
  /** The destroyed data key: what the customer's sealed values name. */
  readonly keyId: string;
  readonly reservationIds: readonly string[];
};

/**
 * Removes, in the erasure's own transaction, something derived from a customer's plaintext that
 * the sealed log does not cover: a copy kept for replay, a log of e-mails sent, a search key. Each
 * holder of such a copy adds one to the composition root's list (ADR 0048).
 */
export type PersonalDataScrubber = {
  /** What it scrubs, for errors and the operator. */
  readonly name: string;
  scrub(tx: Queries, customer: ErasedCustomer): Promise<void>;
};

/**
 * Stored responses of holds: the response holds no personal data, but the request's fingerprint is a
 * hash of a body that carried the name and e-mail (guessable from a short list). It is replaced, so
 * a retry of that request is refused as a reused key instead of replayed — never a second hold.
 */
export const idempotencyFingerprints: PersonalDataScrubber = {
  name: 'idempotency fingerprints of holds',
  scrub: async (tx, { tenantId, reservationIds }) => {
    if (reservationIds.length === 0) return;
    await tx.query(sql.typeAlias('void')`
      UPDATE idempotency_keys SET request_hash = 'erased'
      WHERE tenant_id = ${tenantId} AND request_method = 'POST' AND request_path = '/v1/reservations'
        AND response_body ->> 'reservationId' = ANY(${sql.array(reservationIds, 'text')})`);
  },
};

/**
 * The login rows of the users who booked the erased reservations: `users.email` is copied from the
 * ID token's claim on each sighting. Only customers' rows (no admin, staff or auditor group): the
 * owner of a reservation booked at the desk for a walk-in is the operator's own staff, whose address
 * is not the customer's. Signing in again fills the row from the new token: a new use of the
 * service by the customer themselves. Cognito's user pool is the operator's to clean (ADR 0048).
 */
export const loginEmails: PersonalDataScrubber = {
  name: 'login e-mails of the customers who booked',
  scrub: async (tx, { tenantId, reservationIds }) => {
    if (reservationIds.length === 0) return;
    await tx.query(sql.typeAlias('void')`
      UPDATE users SET email = NULL
      WHERE tenant_id = ${tenantId} AND email IS NOT NULL
        AND NOT (groups && ARRAY['admin', 'staff', 'auditor']::text[])
        AND sub IN (
          SELECT owner_sub FROM reservations_view
          WHERE tenant_id = ${tenantId} AND reservation_id = ANY(${sql.array(reservationIds, 'uuid')}))`);
  },
};

/**
 * What a mailer that keeps a copy of each e-mail (the development `.eml` files) holds about the
 * erased reservations: the customer's name and address. Removing a file is not part of the
 * transaction: if the erasure rolls back afterwards, more was erased than recorded, never less.
 */
export function keptEmailCopies(mailer: Required<Pick<Mailer, 'removeCopiesOf'>>): PersonalDataScrubber {
  return {
    name: 'copies of the e-mails sent',
    scrub: async (_tx, { reservationIds }) => {
      if (reservationIds.length === 0) return;
      await mailer.removeCopiesOf(reservationIds);
    },
  };
}
