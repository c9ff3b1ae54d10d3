import type { DatabasePool } from '../db/pool.js';
import { createCheckpointIfDue, type LedgerCheckpoint } from './checkpointsCreate.js';
import type { CheckpointSigner } from './checkpointSigning.js';

/** A rewrite of history is caught unless it happened within the last interval. */
export const CHECKPOINT_INTERVAL_SECONDS = 60 * 60;

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
  return createCheckpointIfDue(pool, signer, clock, intervalSeconds);
}
