import type { DatabasePool } from '../db/pool.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';

export type ConsumerLag = {
  readonly name: string;
  readonly position: { readonly transactionId: string; readonly globalPosition: number };
  /** Committed events the consumer has not taken yet. */
  readonly lag: number;
  readonly updatedAt: string;
};

const lagRow = z.object({
  name: z.string(),
  transaction_id: z.string(),
  global_position: z.number(),
  lag: z.number(),
  updated_at: z.string(),
});

export type LagOptions = {
  /** Stop counting there (`/metrics` scrapes); without it every event behind is counted. */
  readonly countAtMost?: number;
};

/**
 * How far behind each known consumer is, counted in events. A consumer that is named but has never
 * run has no row yet, so `names` adds those at the start of the log. Counts every tenant's events,
 * so it runs as the system role; it returns positions and counts only.
 */
export async function consumerLag(pool: DatabasePool, names: readonly string[] = [], options: LagOptions = {}): Promise<ConsumerLag[]> {
  // A far-behind consumer is counted only up to the cap: the count stays cheap however long the log.
  const cap = options.countAtMost ?? null;
  const rows = await withSystemTransaction(pool, (tx) =>
    tx.any(sql.type(lagRow)`
    WITH known AS (
      SELECT name, transaction_id, global_position, updated_at FROM consumer_checkpoints
      UNION ALL
      SELECT n, '0'::xid8, 0, now() FROM unnest(${sql.array(names, 'text')}) AS n
      WHERE n NOT IN (SELECT name FROM consumer_checkpoints)
    )
    SELECT k.name, k.transaction_id::text, k.global_position, k.updated_at,
           (SELECT count(*) FROM (SELECT 1 FROM events e
            WHERE (e.transaction_id, e.global_position) > (k.transaction_id, k.global_position)
            LIMIT ${cap}::bigint) AS behind) AS lag
    FROM known k
    ORDER BY k.name`),
  );
  return rows.map((row) => ({
    name: row.name,
    position: { transactionId: row.transaction_id, globalPosition: row.global_position },
    lag: row.lag,
    updatedAt: row.updated_at,
  }));
}
