import pg from 'pg';
import { eventHash } from '../../src/ledger/hashChain.js';
import { readStream } from '../../src/ledger/readStream.js';
import type { TestDatabase } from '../support/database.js';

type Statement = readonly [text: string, values: readonly unknown[]];

/**
 * Runs statements in one transaction as the table owner with a guard trigger switched off: what an
 * attacker holding the owner's rights would do, and exactly what the checks must still catch.
 */
async function asOwnerWithoutGuard(db: TestDatabase, table: string, trigger: string, statements: readonly Statement[]): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    for (const [text, values] of statements) await client.query(text, [...values]);
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** Changes one event's data and nothing else: its stored hash no longer matches. */
export async function tamperEventData(db: TestDatabase, tenantId: string, streamId: string, version: number, data: unknown): Promise<void> {
  await asOwnerWithoutGuard(db, 'events', 'events_no_update_or_delete', [
    ['UPDATE events SET data = $1::jsonb WHERE tenant_id = $2 AND stream_id = $3 AND stream_version = $4', [JSON.stringify(data), tenantId, streamId, version]],
  ]);
}

/**
 * Rewrites one event's data and recomputes the hash chain of the whole stream from there on, so
 * the stream's own chain verifies again: only a checkpoint taken before can tell.
 */
export async function rewriteStreamHistory(db: TestDatabase, tenantId: string, streamId: string, version: number, data: unknown): Promise<void> {
  const events = await readStream(db.systemPool, tenantId, streamId);
  const statements: Statement[] = [];
  let prevHash: string | undefined;
  for (const event of events) {
    if (event.version < version) continue;
    const rewritten = event.version === version ? { ...event, data } : event;
    const prev = prevHash ?? event.prevHash;
    const hash = eventHash(prev, rewritten);
    statements.push([
      'UPDATE events SET data = $1::jsonb, prev_hash = $2, hash = $3 WHERE tenant_id = $4 AND stream_id = $5 AND stream_version = $6',
      [JSON.stringify(rewritten.data), prev, hash, tenantId, streamId, event.version],
    ]);
    prevHash = hash;
  }
  await asOwnerWithoutGuard(db, 'events', 'events_no_update_or_delete', statements);
}

/** Deletes a stream's events from `fromVersion` on. */
export async function truncateStream(db: TestDatabase, tenantId: string, streamId: string, fromVersion: number): Promise<void> {
  await asOwnerWithoutGuard(db, 'events', 'events_no_update_or_delete', [
    ['DELETE FROM events WHERE tenant_id = $1 AND stream_id = $2 AND stream_version >= $3', [tenantId, streamId, fromVersion]],
  ]);
}

export async function tamperCheckpoint(db: TestDatabase, checkpointId: number, eventCount: number): Promise<void> {
  await asOwnerWithoutGuard(db, 'ledger_checkpoints', 'ledger_checkpoints_no_update_or_delete', [
    ['UPDATE ledger_checkpoints SET event_count = $1 WHERE id = $2', [eventCount, checkpointId]],
  ]);
}

export async function tamperCheckpointHead(db: TestDatabase, checkpointId: number, streamId: string, hash: string): Promise<void> {
  await asOwnerWithoutGuard(db, 'ledger_checkpoint_heads', 'ledger_checkpoint_heads_no_update_or_delete', [
    ['UPDATE ledger_checkpoint_heads SET hash = $1 WHERE checkpoint_id = $2 AND stream_id = $3', [hash, checkpointId, streamId]],
  ]);
}
