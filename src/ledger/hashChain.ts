import { canonicalJson } from './canonicalJson.js';
import { sha256 } from './sha256.js';

/** The `prevHash` of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = {
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: string;
};

/**
 * sha-256 over the previous hash and every field an auditor relies on, so changing any recorded
 * byte — or reordering, dropping or inserting an event — breaks every later link of the stream.
 * What is hashed is the canonical JSON of those fields (keys sorted, as `canonicalJson` writes them).
 */
export function eventHash(prevHash: string, event: HashedFields): string {
  return eventHashOfCanonical(prevHash, event, canonicalJson(event.data), canonicalJson(event.metadata));
}

/**
 * `eventHash` for an event whose data and metadata are already canonical JSON (an append has them
 * for its rows anyway), so the payload is not canonicalised a second time. The envelope is written
 * out in canonicalJson's key order; test/ledger/hashChain.prop.spec.ts holds it to canonicalJson.
 */
export function eventHashOfCanonical(
  prevHash: string,
  event: Omit<HashedFields, 'data' | 'metadata'>,
  dataJson: string,
  metadataJson: string,
): string {
  const envelope =
    `{"data":${dataJson},"eventId":${JSON.stringify(event.eventId)},"metadata":${metadataJson},` +
    `"recordedAt":${JSON.stringify(event.recordedAt)},"streamId":${JSON.stringify(event.streamId)},` +
    `"tenantId":${JSON.stringify(event.tenantId)},"type":${JSON.stringify(event.type)},"version":${canonicalJson(event.version)}}`;
  return sha256(`${prevHash}\n${envelope}`);
}

export type ChainBreak = {
  readonly streamId: string;
  readonly version: number;
  readonly reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'version_gap';
};

/** Walks one stream's events in version order and names the first link that does not hold. */
export function findChainBreak(
  events: readonly (HashedFields & { readonly prevHash: string; readonly hash: string })[],
): ChainBreak | null {
  let expectedPrev = GENESIS_HASH;
  let expectedVersion = 1;
  for (const event of events) {
    if (event.version !== expectedVersion) {
      return { streamId: event.streamId, version: event.version, reason: 'version_gap' };
    }
    if (event.prevHash !== expectedPrev) {
      return { streamId: event.streamId, version: event.version, reason: 'prev_hash_mismatch' };
    }
    if (eventHash(event.prevHash, event) !== event.hash) {
      return { streamId: event.streamId, version: event.version, reason: 'hash_mismatch' };
    }
    expectedPrev = event.hash;
    expectedVersion += 1;
  }
  return null;
}
