import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { enterSystemMode } from '../db/transaction.js';
import { eventHash, GENESIS_HASH } from '../ledger/hashChain.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { checkpointHash, createHeadsDigest, GENESIS_CHECKPOINT_HASH, type StreamHead } from './checkpointsDigest.js';
import { forEachCheckpointHead } from './checkpointsHeads.js';
import { forEachStream } from './streamsOfLog.js';

export type CheckpointLinkBreak = {
  readonly checkpointId: number;
  /** prev_hash_mismatch: not chained to the checkpoint before; hash_mismatch: its content was changed; heads_digest_mismatch: its recorded heads were. */
  readonly reason: 'prev_hash_mismatch' | 'hash_mismatch' | 'heads_digest_mismatch';
};

export type RewrittenStream = {
  readonly checkpointId: number;
  readonly tenantId: string;
  readonly streamId: string;
  /** The version the checkpoint recorded; the rewrite is at or before it. */
  readonly version: number;
  /** head_hash_mismatch: today's events hash to something else at that version; events_missing: the stream no longer reaches it. */
  readonly reason: 'head_hash_mismatch' | 'events_missing';
};

export type CheckpointReport = {
  readonly ok: boolean;
  readonly checkpoints: number;
  readonly latest: { readonly id: number; readonly createdAt: string; readonly streams: number; readonly events: number } | null;
  readonly brokenLinks: readonly CheckpointLinkBreak[];
  readonly rewrittenStreams: readonly RewrittenStream[];
};

export type CheckpointCheckOptions = {
  /** Only this tenant's streams are compared (the chain itself is global and always checked). */
  readonly tenantId?: string;
  /** Recompute the heads digest of every checkpoint, not only the latest (reads every recorded head). */
  readonly allDigests?: boolean;
};

const checkpointRow = z.object({
  id: z.number(),
  created_at: z.string(),
  stream_count: z.number(),
  event_count: z.number(),
  heads_digest: z.string(),
  prev_checkpoint_hash: z.string(),
  hash: z.string(),
});

async function digestOf(db: CommonQueryMethods, checkpointId: number): Promise<string> {
  const digest = createHeadsDigest();
  await forEachCheckpointHead(db, checkpointId, (head) => digest.add(head));
  return digest.digest();
}

const key = (tenantId: string, streamId: string) => JSON.stringify([tenantId, streamId]);

/**
 * A check that rides along a walk of every stream (verifyLedger's, or its own): each stream's
 * events are hashed afresh from their content and compared with the head the latest checkpoint
 * recorded. Recomputing a whole stream's chain after a rewrite passes the chain check but not
 * this one, since the checkpoint was taken before. Chaining makes older checkpoints' heads
 * ancestors of the latest one's, so the latest covers every stream it knew.
 */
export async function startCheckpointCheck(db: CommonQueryMethods, options: CheckpointCheckOptions = {}) {
  const rows = await db.any(sql.type(checkpointRow)`
    SELECT id, created_at, stream_count, event_count, heads_digest, prev_checkpoint_hash, hash
    FROM ledger_checkpoints ORDER BY id`);
  const brokenLinks: CheckpointLinkBreak[] = [];
  let prevHash = GENESIS_CHECKPOINT_HASH;
  for (const [index, row] of rows.entries()) {
    if (row.prev_checkpoint_hash !== prevHash) brokenLinks.push({ checkpointId: row.id, reason: 'prev_hash_mismatch' });
    const content = { createdAt: row.created_at, streamCount: row.stream_count, eventCount: row.event_count, headsDigest: row.heads_digest };
    if (checkpointHash(row.prev_checkpoint_hash, content) !== row.hash) brokenLinks.push({ checkpointId: row.id, reason: 'hash_mismatch' });
    const isLatest = index === rows.length - 1;
    if ((isLatest || options.allDigests) && (await digestOf(db, row.id)) !== row.heads_digest) {
      brokenLinks.push({ checkpointId: row.id, reason: 'heads_digest_mismatch' });
    }
    prevHash = row.hash;
  }
  const latest = rows[rows.length - 1];
  const heads = new Map<string, StreamHead>();
  if (latest) {
    await forEachCheckpointHead(db, latest.id, (head) => heads.set(key(head.tenantId, head.streamId), head), options);
  }
  const rewrittenStreams: RewrittenStream[] = [];

  return {
    visit(tenantId: string, streamId: string, events: readonly RecordedEvent[]): void {
      if (!latest) return;
      const head = heads.get(key(tenantId, streamId));
      if (!head) return;
      heads.delete(key(tenantId, streamId));
      let hash = GENESIS_HASH;
      for (const event of events.slice(0, head.version)) hash = eventHash(hash, event);
      if (events.length < head.version) {
        rewrittenStreams.push({ checkpointId: latest.id, tenantId, streamId, version: head.version, reason: 'events_missing' });
      } else if (hash !== head.hash) {
        rewrittenStreams.push({ checkpointId: latest.id, tenantId, streamId, version: head.version, reason: 'head_hash_mismatch' });
      }
    },
    finish(): CheckpointReport {
      // Heads never visited belong to streams that are gone from the log altogether.
      for (const head of heads.values()) {
        if (!latest) break;
        rewrittenStreams.push({ checkpointId: latest.id, tenantId: head.tenantId, streamId: head.streamId, version: head.version, reason: 'events_missing' });
      }
      heads.clear();
      return {
        ok: brokenLinks.length === 0 && rewrittenStreams.length === 0,
        checkpoints: rows.length,
        latest: latest
          ? { id: latest.id, createdAt: latest.created_at, streams: latest.stream_count, events: latest.event_count }
          : null,
        brokenLinks,
        rewrittenStreams,
      };
    },
  };
}

/** The checkpoint check on its own, over one consistent snapshot of the log. */
export async function verifyCheckpoints(pool: DatabasePool, options: CheckpointCheckOptions = {}): Promise<CheckpointReport> {
  return pool.connect(async (connection) =>
    connection.transaction(async (tx) => {
      await tx.query(sql.typeAlias('void')`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
      // The checkpoint chain and its digests cover every tenant; the per-tenant filter below is this check's own.
      await enterSystemMode(tx);
      const check = await startCheckpointCheck(tx, options);
      await forEachStream(tx, async (tenantId, streamId, events) => {
        if (options.tenantId === undefined || tenantId === options.tenantId) check.visit(tenantId, streamId, events);
      });
      return check.finish();
    }),
  );
}
