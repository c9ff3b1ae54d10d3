import type { Queries } from '../../db/queries.js';

/** The push queue as `GET /v1/backoffice/sync` shows it (API.md): how many wait, and the failed ones for a person. */
export type PushQueueSummary = {
  readonly queued: number;
  readonly failed: readonly {
    readonly id: string;
    readonly reservationId: string;
    readonly attempts: number;
    readonly lastError: string | null;
    readonly lastAttemptAt: string | null;
  }[];
};

/**
 * The ledger→panel pushes waiting and failed, in the caller's tenant transaction. A stand-in that
 * reports none on this branch: the push side's version (its delivery table) replaces this file.
 */
export async function pushQueueSummary(_tx: Queries): Promise<PushQueueSummary> {
  return { queued: 0, failed: [] };
}
