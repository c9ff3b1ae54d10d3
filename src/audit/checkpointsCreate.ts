import type { DatabasePool } from '../db/pool.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { type Transaction, withSystemTransaction } from '../db/transaction.js';
import { checkpointHash, createHeadsDigest, GENESIS_CHECKPOINT_HASH } from './checkpointsDigest.js';
import { forEachCheckpointHead } from './checkpointsHeads.js';
import type { CheckpointSigner } from './checkpointSigning.js';

export type LedgerCheckpoint = {
  readonly id: number;
  readonly createdAt: string;
  readonly streamCount: number;
  readonly eventCount: number;
  readonly headsDigest: string;
  readonly prevCheckpointHash: string;
  readonly hash: string;
  readonly signingKeyId: string;
  /** Ed25519 over `hash`, base64. */
  readonly signature: string;
};

const idRow = z.object({ id: z.number() });
const hashRow = z.object({ hash: z.string() });
const countsRow = z.object({ stream_count: z.number(), event_count: z.number() });
const latestRow = z.object({ created_at: z.string().nullable() });

/**
 * Records every stream's head (version, hash) as of one snapshot, and chains the checkpoint to
 * the one before. The heads are copied inside the database in one statement; only the digest is
 * computed here, over the copied rows, page by page. The checkpoint's hash is signed with `signer`.
 */
export async function createCheckpoint(
  pool: DatabasePool,
  signer: CheckpointSigner,
  clock: () => Date = () => new Date(),
): Promise<LedgerCheckpoint> {
  // One snapshot for heads and counts, across tenants (system work, ADR 0014); a concurrent append
  // simply lands after this checkpoint.
  return withSystemTransaction(
    pool,
    async (tx) => {
      await takeCheckpointLock(tx);
      return recordCheckpoint(tx, signer, clock);
    },
    { repeatableRead: true },
  );
}

/**
 * `createCheckpoint` only when the latest checkpoint is older than `intervalSeconds`, or there is
 * none; null otherwise. Decided under the checkpoint lock, so that runs at the same moment (a
 * periodic job run twice, ADR 0027, on several instances) take one checkpoint, not one each.
 */
export async function createCheckpointIfDue(
  pool: DatabasePool,
  signer: CheckpointSigner,
  clock: () => Date,
  intervalSeconds: number,
): Promise<LedgerCheckpoint | null> {
  return withSystemTransaction(
    pool,
    async (tx) => {
      await takeCheckpointLock(tx);
      const latest = await tx.oneFirst(sql.type(latestRow)`SELECT max(created_at) AS created_at FROM ledger_checkpoints`);
      if (latest !== null && clock().getTime() - Date.parse(latest) < intervalSeconds * 1000) return null;
      return recordCheckpoint(tx, signer, clock);
    },
    { repeatableRead: true },
  );
}

/**
 * Checkpoints are taken one at a time, or two could chain to the same predecessor. LOCK takes no
 * snapshot, so what the transaction reads next already sees the checkpoint a waiter queued behind.
 */
async function takeCheckpointLock(tx: Transaction): Promise<void> {
  await tx.query(sql.typeAlias('void')`LOCK TABLE ledger_checkpoints IN SHARE ROW EXCLUSIVE MODE`);
}

async function recordCheckpoint(tx: Transaction, signer: CheckpointSigner, clock: () => Date): Promise<LedgerCheckpoint> {
  const prev = await tx.maybeOne(sql.type(hashRow)`SELECT hash FROM ledger_checkpoints ORDER BY id DESC LIMIT 1`);
  const id = await tx.oneFirst(sql.type(idRow)`
    SELECT nextval(pg_get_serial_sequence('ledger_checkpoints', 'id'))::bigint AS id`);
  await tx.query(sql.typeAlias('void')`
    INSERT INTO ledger_checkpoint_heads (checkpoint_id, tenant_id, stream_id, stream_version, hash)
    SELECT DISTINCT ON (tenant_id, stream_id) ${id}, tenant_id, stream_id, stream_version, hash
    FROM events
    ORDER BY tenant_id, stream_id, stream_version DESC`);
  // Versions run 1..n in every stream (the chain check proves it), so the heads sum to the event count.
  const counts = await tx.one(sql.type(countsRow)`
    SELECT count(*)::int AS stream_count, COALESCE(sum(stream_version), 0)::bigint AS event_count
    FROM ledger_checkpoint_heads WHERE checkpoint_id = ${id}`);
  const digest = createHeadsDigest();
  await forEachCheckpointHead(tx, id, (head) => digest.add(head));
  const content = {
    createdAt: clock().toISOString(),
    streamCount: counts.stream_count,
    eventCount: counts.event_count,
    headsDigest: digest.digest(),
  };
  const prevCheckpointHash = prev?.hash ?? GENESIS_CHECKPOINT_HASH;
  const hash = checkpointHash(prevCheckpointHash, content);
  const signature = signer.sign(hash);
  await tx.query(sql.typeAlias('void')`
    INSERT INTO ledger_checkpoints
      (id, created_at, stream_count, event_count, heads_digest, prev_checkpoint_hash, hash, signing_key_id, signature)
    OVERRIDING SYSTEM VALUE
    VALUES (${id}, ${content.createdAt}::timestamptz, ${content.streamCount}, ${content.eventCount},
            ${content.headsDigest}, ${prevCheckpointHash}, ${hash}, ${signer.keyId}, ${signature})`);
  return { id, ...content, prevCheckpointHash, hash, signingKeyId: signer.keyId, signature };
}
