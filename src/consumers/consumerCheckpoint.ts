import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import type { LogPosition } from '../ledger/readGlobalLog.js';

const checkpointRow = z.object({ transaction_id: z.string(), global_position: z.number() });

/**
 * Takes this consumer's checkpoint row for the rest of the transaction, or returns null when
 * another instance holds it: two instances of one consumer then never apply the same batch, and
 * the second one idles instead of queueing behind the first.
 */
export async function lockCheckpoint(tx: Queries, name: string): Promise<LogPosition | null> {
  // Only a consumer's very first batch inserts; two first batches racing make the second wait for the first.
  await tx.query(sql.typeAlias('void')`
    INSERT INTO consumer_checkpoints (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`);
  const row = await tx.maybeOne(sql.type(checkpointRow)`
    SELECT transaction_id::text, global_position FROM consumer_checkpoints
    WHERE name = ${name}
    FOR UPDATE SKIP LOCKED`);
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : null;
}

export async function saveCheckpoint(tx: Queries, name: string, position: LogPosition, at: Date): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    UPDATE consumer_checkpoints
    SET transaction_id = ${position.transactionId}::xid8,
        global_position = ${position.globalPosition},
        updated_at = ${at.toISOString()}::timestamptz
    WHERE name = ${name}`);
}

/** Starts a consumer over from the beginning of the log (its projection must be cleared in the same transaction). */
export async function resetCheckpoint(tx: Queries, name: string, at: Date): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO consumer_checkpoints (name, transaction_id, global_position, updated_at)
    VALUES (${name}, '0'::xid8, 0, ${at.toISOString()}::timestamptz)
    ON CONFLICT (name) DO UPDATE SET transaction_id = '0'::xid8, global_position = 0, updated_at = EXCLUDED.updated_at`);
}
