import { z } from 'zod';
import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';

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

const failedRow = z.object({
  id: z.string(),
  reservation_id: z.string(),
  attempts: z.number(),
  last_error: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
});

/** Failed pushes listed at most: the newest; a backlog longer than this is a problem for `/metrics` and the logs. */
const FAILED_LISTED = 100;

/**
 * The pushes still queued and the failed ones, newest failure first. In a tenant's transaction it
 * is that tenant's (row-level security); as the system role, every tenant's.
 */
export async function pushQueueSummary(tx: Queries): Promise<PushQueueSummary> {
  const queued = await tx.oneFirst(sql.type(z.object({ queued: z.number() }))`
    SELECT count(*)::int AS queued FROM panel_deliveries WHERE status = 'queued'`);
  const failed = await tx.any(sql.type(failedRow)`
    SELECT id::text, reservation_id::text, attempts, last_error, last_attempt_at FROM panel_deliveries
    WHERE status = 'failed' ORDER BY last_attempt_at DESC NULLS LAST, id LIMIT ${FAILED_LISTED}`);
  return {
    queued,
    failed: failed.map((row) => ({
      id: row.id,
      reservationId: row.reservation_id,
      attempts: row.attempts,
      lastError: row.last_error,
      lastAttemptAt: row.last_attempt_at,
    })),
  };
}
