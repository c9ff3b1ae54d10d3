import { z } from 'zod';
import type { DatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';
import { createCheckpoint, type LedgerCheckpoint } from './checkpointsCreate.js';
import type { CheckpointSigner } from './checkpointSigning.js';

/** A rewrite of history is caught unless it happened within the last interval. */
export const CHECKPOINT_INTERVAL_SECONDS = 60 * 60;

const latestRow = z.object({ created_at: z.string().nullable() });

/**
 * The `takeCheckpoint` job: records a signed checkpoint when the latest one is older than the
 * interval, or there is none. It runs at every start and then every few minutes, once across all
 * instances, so a ledger gets its checkpoint at start when one is due rather than an hour after
 * boot, and hourly after that. Returns the checkpoint taken, or null when none was due.
 */
export async function takeCheckpointIfDue(
  pool: DatabasePool,
  signer: CheckpointSigner,
  clock: () => Date,
  intervalSeconds: number = CHECKPOINT_INTERVAL_SECONDS,
): Promise<LedgerCheckpoint | null> {
  const latest = await withSystemTransaction(pool, (tx) =>
    tx.oneFirst(sql.type(latestRow)`SELECT max(created_at) AS created_at FROM ledger_checkpoints`),
  );
  const now = clock();
  if (latest !== null && now.getTime() - Date.parse(latest) < intervalSeconds * 1000) return null;
  return createCheckpoint(pool, signer, clock);
}
