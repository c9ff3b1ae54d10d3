import { withSystemTransaction } from '../db/transaction.js';
import { customerKeysPastRetention } from '../privacy/customerDataKeys.js';
import type { AppDeps } from './context.js';
import { eraseCustomerData } from './eraseCustomer.js';
import type { PersonalDataScrubber } from './personalDataScrubbers.js';

/** Who the log names as having erased a customer whose departures all passed PII_RETENTION_DAYS. */
export const RETENTION_ACTOR = 'system:pii-retention';

const BATCH = 100;

export type RetentionSweep = { readonly customers: number; readonly reservations: number };

/**
 * PII_RETENTION_DAYS: erases every customer (tenant + e-mail) whose reservations all depart more
 * than `retentionDays` ago, exactly as an admin's erasure does, one customer per transaction. A
 * customer with any later departure keeps their data until that one is old too (ADR 0048).
 */
export async function erasePersonalDataPastRetention(
  deps: AppDeps,
  retentionDays: number,
  scrubbers: readonly PersonalDataScrubber[],
): Promise<RetentionSweep> {
  const cutoff = new Date(deps.clock().getTime() - retentionDays * 86_400_000).toISOString();
  let customers = 0;
  let reservations = 0;
  for (;;) {
    const due = await withSystemTransaction(deps.systemPool, (tx) => customerKeysPastRetention(tx, cutoff, BATCH));
    for (const { tenantId, keyId } of due) {
      const erased = await eraseCustomerData(deps, tenantId, { actor: RETENTION_ACTOR }, { keyId }, scrubbers);
      // Nothing in the erasure refuses (an existing reservation always takes CustomerDataErased).
      if (!erased.ok) throw new Error(`erasing customer key ${keyId} of ${tenantId} was refused: ${erased.error.kind}`);
      customers += 1;
      reservations += erased.value.erased;
    }
    if (due.length < BATCH) return { customers, reservations };
  }
}
