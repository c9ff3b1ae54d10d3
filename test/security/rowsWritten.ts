import type { PaymentsHarness } from '../payments/harness.js';

/** Rows a request could write (events, webhook inbox, idempotency keys), counted as the owner: a refusal must leave it unchanged. */
export async function rowsWritten(h: PaymentsHarness): Promise<number> {
  const { rows } = await h.ledger.db.asOwner<{ n: number }>(
    `SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM webhook_inbox) + (SELECT count(*) FROM idempotency_keys) AS n`,
  );
  return Number(rows[0]?.n);
}
