import type { DatabasePool } from '../db/pool.js';
import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';
import { eventHash, GENESIS_HASH } from '../ledger/hashChain.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { checkpointHash, createHeadsDigest, GENESIS_CHECKPOINT_HASH, type StreamHead } from './checkpointsDigest.js';
import { forEachCheckpointHead } from './checkpointsHeads.js';
import type { CheckpointVerifyingKey } from './checkpointSigning.js';
import { forEachStream } from './streamsOfLog.js';

export type CheckpointLinkBreak = {
  readonly checkpointId: number;
  /**
   * prev_hash_mismatch: not chained to the checkpoint before; hash_mismatch: its content was changed;
   * heads_digest_mismatch: its recorded heads were; unsigned / signed_by_other_key / bad_signature:
   * the trusted key did not sign this hash (only checked when a key is given).
   */
  readonly reason: 'prev_hash_mismatch' | 'hash_mismatch' | 'heads_digest_mismatch' | 'unsigned' | 'signed_by_other_key' | 'bad_signature';
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
  /** The key every signature was checked against, or null when no key was given (signatures unchecked). */
  readonly signaturesCheckedWith: string | null;
  readonly latest: { readonly id: number; readonly createdAt: string; readonly streams: number; readonly events: number } | null;
  readonly brokenLinks: readonly CheckpointLinkBreak[];
  readonly rewrittenStreams: readonly RewrittenStream[];
};

export type CheckpointCheckOptions = {
  /** Only this tenant's streams are compared (the chain itself is global and always checked). */
  readonly tenantId?: string;
  /** Recompute the heads digest of every checkpoint, not only the latest (reads every recorded head). */
  readonly allDigests?: boolean;
  /** The key checkpoints must be signed with; an auditor passes the public key they hold. */
  readonly trustedKey?: CheckpointVerifyingKey;
};

const checkpointRow = z.object({
  id: z.number(),
  created_at: z.string(),
  stream_count: z.number(),
  event_count: z.number(),
  heads_digest: z.string(),
  prev_checkpoint_hash: z.string(),
  hash: z.string(),
  signing_key_id: z.string().nullable(),
  signature: z.string().nullable(),
});

async function digestOf(db: Queries, checkpointId: number): Promise<string> {
  const digest = createHeadsDigest();
  await forEachCheckpointHead(db, checkpointId, (head) => digest.add(head));
  return digest.digest();
}

function signatureProblemOf(
  row: { readonly hash: string; readonly signing_key_id: string | null; readonly signature: string | null },
  trustedKey: CheckpointVerifyingKey,
): 'unsigned' | 'signed_by_other_key' | 'bad_signature' | undefined {
  if (row.signature === null || row.signing_key_id === null) return 'unsigned';
  if (row.signing_key_id !== trustedKey.keyId) return 'signed_by_other_key';
  return trustedKey.verify(row.hash, row.signature) ? undefined : 'bad_signature';
}

type RecordedHead = StreamHead & {
  /** The first checkpoint that recorded this head. */
  readonly checkpointId: number;
};

const recordedHeadRow = z.object({
  tenant_id: z.string(),
  stream_id: z.string(),
  stream_version: z.number(),
  hash: z.string(),
  checkpoint_id: z.number(),
});

const HEAD_PAGE = 5_000;

/** Each distinct head any checkpoint recorded, by (tenant, stream, version), page by page. */
async function forEachRecordedHead(
  db: Queries,
  visit: (head: RecordedHead) => void,
  options: { readonly tenantId?: string },
): Promise<void> {
  const tenant = options.tenantId === undefined ? sql.fragment`TRUE` : sql.fragment`tenant_id = ${options.tenantId}`;
  let after: RecordedHead | null = null;
  for (;;) {
    const cursor: ReturnType<typeof sql.fragment> = after
      ? sql.fragment`AND (tenant_id, stream_id, stream_version, hash) > (${after.tenantId}, ${after.streamId}, ${after.version}, ${after.hash})`
      : sql.fragment``;
    const rows: readonly z.infer<typeof recordedHeadRow>[] = await db.any(sql.type(recordedHeadRow)`
      SELECT tenant_id, stream_id, stream_version, hash, min(checkpoint_id) AS checkpoint_id
      FROM ledger_checkpoint_heads
      WHERE ${tenant} ${cursor}
      GROUP BY tenant_id, stream_id, stream_version, hash
      ORDER BY tenant_id, stream_id, stream_version, hash
      LIMIT ${HEAD_PAGE}`);
    for (const row of rows) {
      after = {
        tenantId: row.tenant_id,
        streamId: row.stream_id,
        version: row.stream_version,
        hash: row.hash,
        checkpointId: row.checkpoint_id,
      };
      visit(after);
    }
    if (rows.length < HEAD_PAGE) return;
  }
}

/** The lowest recorded head (version order) that today's events no longer reproduce. */
function firstUnreproducedHead(heads: readonly RecordedHead[], events: readonly RecordedEvent[]): RewrittenStream | undefined {
  let hash = GENESIS_HASH;
  let hashedUpTo = 0;
  for (const head of heads) {
    if (events.length < head.version) return rewrittenAt(head, 'events_missing');
    for (; hashedUpTo < head.version; hashedUpTo += 1) hash = eventHash(hash, events[hashedUpTo] as RecordedEvent);
    if (hash !== head.hash) return rewrittenAt(head, 'head_hash_mismatch');
  }
  return undefined;
}

function rewrittenAt(head: RecordedHead, reason: RewrittenStream['reason']): RewrittenStream {
  return { checkpointId: head.checkpointId, tenantId: head.tenantId, streamId: head.streamId, version: head.version, reason };
}

const key = (tenantId: string, streamId: string) => JSON.stringify([tenantId, streamId]);

/**
 * A check that rides along a walk of every stream (verifyLedger's, or its own): each stream's
 * events are hashed afresh from their content and compared with every head any checkpoint
 * recorded for it. Recomputing a whole stream's chain after a rewrite passes the chain check but
 * not this one, since the checkpoints were taken before — and every checkpoint counts, not only
 * the latest: a checkpoint taken after a rewrite records the rewritten heads, the older ones still
 * hold the true ones. Rewriting the old checkpoints too breaks their chain or, once recomputed,
 * their signatures (the rewriter does not hold the key).
 */
export async function startCheckpointCheck(db: Queries, options: CheckpointCheckOptions = {}) {
  const rows = await db.any(sql.type(checkpointRow)`
    SELECT id, created_at, stream_count, event_count, heads_digest, prev_checkpoint_hash, hash, signing_key_id, signature
    FROM ledger_checkpoints ORDER BY id`);
  const brokenLinks: CheckpointLinkBreak[] = [];
  let prevHash = GENESIS_CHECKPOINT_HASH;
  for (const [index, row] of rows.entries()) {
    if (row.prev_checkpoint_hash !== prevHash) brokenLinks.push({ checkpointId: row.id, reason: 'prev_hash_mismatch' });
    const content = {
      createdAt: row.created_at,
      streamCount: row.stream_count,
      eventCount: row.event_count,
      headsDigest: row.heads_digest,
    };
    if (checkpointHash(row.prev_checkpoint_hash, content) !== row.hash) brokenLinks.push({ checkpointId: row.id, reason: 'hash_mismatch' });
    const signatureProblem = options.trustedKey ? signatureProblemOf(row, options.trustedKey) : undefined;
    if (signatureProblem) brokenLinks.push({ checkpointId: row.id, reason: signatureProblem });
    const isLatest = index === rows.length - 1;
    if ((isLatest || options.allDigests) && (await digestOf(db, row.id)) !== row.heads_digest) {
      brokenLinks.push({ checkpointId: row.id, reason: 'heads_digest_mismatch' });
    }
    prevHash = row.hash;
  }
  const latest = rows[rows.length - 1];
  const recorded = new Map<string, RecordedHead[]>();
  await forEachRecordedHead(
    db,
    (head) => {
      const stream = key(head.tenantId, head.streamId);
      const list = recorded.get(stream);
      if (list) list.push(head);
      else recorded.set(stream, [head]);
    },
    options,
  );
  const rewrittenStreams: RewrittenStream[] = [];

  return {
    visit(tenantId: string, streamId: string, events: readonly RecordedEvent[]): void {
      const heads = recorded.get(key(tenantId, streamId));
      if (!heads) return;
      recorded.delete(key(tenantId, streamId));
      const rewrite = firstUnreproducedHead(heads, events);
      if (rewrite) rewrittenStreams.push(rewrite);
    },
    finish(): CheckpointReport {
      // Heads never visited belong to streams that are gone from the log altogether.
      for (const heads of recorded.values()) {
        const first = heads[0];
        if (first) rewrittenStreams.push(rewrittenAt(first, 'events_missing'));
      }
      recorded.clear();
      return {
        ok: brokenLinks.length === 0 && rewrittenStreams.length === 0,
        checkpoints: rows.length,
        signaturesCheckedWith: options.trustedKey?.keyId ?? null,
        latest: latest ? { id: latest.id, createdAt: latest.created_at, streams: latest.stream_count, events: latest.event_count } : null,
        brokenLinks,
        rewrittenStreams,
      };
    },
  };
}

/** The checkpoint check on its own, over one consistent snapshot of the log. */
export async function verifyCheckpoints(pool: DatabasePool, options: CheckpointCheckOptions = {}): Promise<CheckpointReport> {
  // One snapshot across tenants (system work, ADR 0014): what is compared must not move meanwhile.
  return withSystemTransaction(
    pool,
    async (tx) => {
      // The checkpoint chain and its digests cover every tenant; the per-tenant filter below is this check's own.
      const check = await startCheckpointCheck(tx, options);
      await forEachStream(tx, async (tenantId, streamId, events) => {
        if (options.tenantId === undefined || tenantId === options.tenantId) check.visit(tenantId, streamId, events);
      });
      return check.finish();
    },
    { repeatableRead: true },
  );
}
