import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../ledger/canonicalJson.js';
import { GENESIS_HASH } from '../ledger/hashChain.js';

/** The `prevCheckpointHash` of the first checkpoint. */
export const GENESIS_CHECKPOINT_HASH = GENESIS_HASH;

export type StreamHead = {
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly hash: string;
};

/**
 * sha-256 over every head, one canonical JSON line `[tenant, stream, version, hash]` each, in byte
 * order of (tenant, stream). Fed page by page, so a ledger of any size is never held in memory.
 */
export function createHeadsDigest(): { add(head: StreamHead): void; digest(): string } {
  const hash: Hash = createHash('sha256');
  return {
    add(head) {
      hash.update(canonicalJson([head.tenantId, head.streamId, head.version, head.hash])).update('\n');
    },
    digest: () => hash.digest('hex'),
  };
}

export type CheckpointContent = {
  readonly createdAt: string;
  readonly streamCount: number;
  readonly eventCount: number;
  readonly headsDigest: string;
};

/** Chains a checkpoint to the one before it, as events chain within a stream. */
export function checkpointHash(prevCheckpointHash: string, content: CheckpointContent): string {
  return createHash('sha256').update(prevCheckpointHash).update('\n').update(canonicalJson(content)).digest('hex');
}
