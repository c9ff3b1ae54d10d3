import pg from 'pg';
import type { CheckpointSigner } from '../../src/audit/checkpointSigning.js';
import { checkpointHash, createHeadsDigest, GENESIS_CHECKPOINT_HASH } from '../../src/audit/checkpointsDigest.js';
import { eventHash } from '../../src/ledger/hashChain.js';
import { readStream } from '../../src/ledger/readStream.js';
import type { TestDatabase } from '../support/database.js';

type Statement = readonly [text: string, values: readonly unknown[]];

/**
 * Runs `work` in one transaction as the table owner with guard triggers switched off: what an
 * attacker holding the owner's rights would do, and exactly what the checks must still catch.
 */
async function asOwnerWithoutGuards(
  db: TestDatabase,
  guards: readonly (readonly [table: string, trigger: string])[],
  work: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const [table, trigger] of guards) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await work(client);
    for (const [table, trigger] of guards) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

async function asOwnerWithoutGuard(db: TestDatabase, table: string, trigger: string, statements: readonly Statement[]): Promise<void> {
  await asOwnerWithoutGuards(db, [[table, trigger]], async (client) => {
    for (const [text, values] of statements) await client.query(text, [...values]);
  });
}

/** Changes one event's data and nothing else: its stored hash no longer matches. */
export async function tamperEventData(db: TestDatabase, tenantId: string, streamId: string, version: number, data: unknown): Promise<void> {
  await asOwnerWithoutGuard(db, 'events', 'events_no_update_or_delete', [
    [
      'UPDATE events SET data = $1::jsonb WHERE tenant_id = $2 AND stream_id = $3 AND stream_version = $4',
      [JSON.stringify(data), tenantId, streamId, version],
    ],
  ]);
}

/**
 * Rewrites one event's data and recomputes the hash chain of the whole stream from there on, so
 * the stream's own chain verifies again: only a checkpoint taken before can tell.
 */
export async function rewriteStreamHistory(
  db: TestDatabase,
  tenantId: string,
  streamId: string,
  version: number,
  data: unknown,
): Promise<void> {
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

/**
 * What an attacker with the owner's rights but without the signing key does after rewriting a
 * stream: re-record that stream's heads in every checkpoint, recompute every heads digest and the
 * whole checkpoint chain, and sign each checkpoint with a key of their own. Every unkeyed check
 * then passes; only the signatures can tell.
 */
export async function forgeCheckpointChain(
  db: TestDatabase,
  tenantId: string,
  streamId: string,
  attacker: CheckpointSigner,
): Promise<void> {
  const events = await readStream(db.systemPool, tenantId, streamId);
  const hashAt = new Map<number, string>();
  for (const event of events) hashAt.set(event.version, event.hash);
  const guards = [
    ['ledger_checkpoints', 'ledger_checkpoints_no_update_or_delete'],
    ['ledger_checkpoint_heads', 'ledger_checkpoint_heads_no_update_or_delete'],
  ] as const;
  await asOwnerWithoutGuards(db, guards, async (client) => {
    const checkpoints = await client.query<{ id: string; created_at: Date; stream_count: number; event_count: string }>(
      'SELECT id, created_at, stream_count, event_count FROM ledger_checkpoints ORDER BY id',
    );
    let prevHash = GENESIS_CHECKPOINT_HASH;
    for (const checkpoint of checkpoints.rows) {
      const heads = await client.query<{ stream_version: number }>(
        'SELECT stream_version FROM ledger_checkpoint_heads WHERE checkpoint_id = $1 AND tenant_id = $2 AND stream_id = $3',
        [checkpoint.id, tenantId, streamId],
      );
      for (const head of heads.rows) {
        await client.query('UPDATE ledger_checkpoint_heads SET hash = $1 WHERE checkpoint_id = $2 AND tenant_id = $3 AND stream_id = $4', [
          hashAt.get(head.stream_version),
          checkpoint.id,
          tenantId,
          streamId,
        ]);
      }
      const digest = createHeadsDigest();
      const all = await client.query<{ tenant_id: string; stream_id: string; stream_version: number; hash: string }>(
        'SELECT tenant_id, stream_id, stream_version, hash FROM ledger_checkpoint_heads WHERE checkpoint_id = $1 ORDER BY tenant_id, stream_id',
        [checkpoint.id],
      );
      for (const row of all.rows)
        digest.add({ tenantId: row.tenant_id, streamId: row.stream_id, version: row.stream_version, hash: row.hash });
      const headsDigest = digest.digest();
      const hash = checkpointHash(prevHash, {
        createdAt: checkpoint.created_at.toISOString(),
        streamCount: checkpoint.stream_count,
        eventCount: Number(checkpoint.event_count),
        headsDigest,
      });
      await client.query(
        'UPDATE ledger_checkpoints SET heads_digest = $1, prev_checkpoint_hash = $2, hash = $3, signing_key_id = $4, signature = $5 WHERE id = $6',
        [headsDigest, prevHash, hash, attacker.keyId, attacker.sign(hash), checkpoint.id],
      );
      prevHash = hash;
    }
  });
}

/** Replaces one checkpoint's signature with another (valid base64, wrong bytes). */
export async function tamperCheckpointSignature(db: TestDatabase, checkpointId: number): Promise<void> {
  await asOwnerWithoutGuard(db, 'ledger_checkpoints', 'ledger_checkpoints_no_update_or_delete', [
    ['UPDATE ledger_checkpoints SET signature = $1 WHERE id = $2', [Buffer.alloc(64, 7).toString('base64'), checkpointId]],
  ]);
}
