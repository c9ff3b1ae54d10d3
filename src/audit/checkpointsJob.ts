import type { DatabasePool } from '../db/pool.js';
import { type PeriodicJob, startPeriodic } from '../jobs/periodic.js';
import { createCheckpoint, type LedgerCheckpoint } from './checkpointsCreate.js';
import type { CheckpointSigner } from './checkpointSigning.js';

export const CHECKPOINT_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Takes a ledger checkpoint every `intervalMs` (hourly by default): a rewrite of history is
 * then caught unless it happened within the last interval. A failed run is reported and retried
 * at the next tick, never dropped silently.
 */
export function startCheckpointJob(
  pool: DatabasePool,
  options: {
    readonly signer: CheckpointSigner;
    readonly intervalMs?: number;
    readonly clock?: () => Date;
    readonly onCreated?: (checkpoint: LedgerCheckpoint) => void;
    readonly onError: (error: unknown) => void;
  },
): PeriodicJob {
  return startPeriodic(
    options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
    async () => options.onCreated?.(await createCheckpoint(pool, options.signer, options.clock)),
    options.onError,
  );
}
