import type { EventStoreDBClient } from '@eventstore/db-client';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';
import { type LogPosition, START_OF_LOG } from '../ledger/readGlobalLog.js';
import { readStream } from '../ledger/readStream.js';
import { readRevisions } from './eventStoreMirror.js';
import { differenceFrom, MIRROR_CONSUMER, mirrorRevision, mirrorStreamName } from './mirroredEvent.js';

/** One place where the mirror is not what the ledger says it should be. */
export type MirrorDifference = { readonly stream: string; readonly revision: bigint; readonly reason: string };

export type MirrorVerification = {
  readonly streams: number;
  /** Events found equal in the mirror. */
  readonly events: number;
  readonly differences: readonly MirrorDifference[];
};

const streamKey = z.object({ tenant_id: z.string(), stream_id: z.string() });
const checkpointRow = z.object({ transaction_id: z.string(), global_position: z.number() });

/**
 * Compares the mirror with the ledger, stream by stream (`streamId`: that stream of every mirrored
 * tenant). Each event the mirror holds must equal the ledger's at its revision (id, type, data,
 * metadata with hash and position); an event the mirror's checkpoint has passed must be there; an
 * event the ledger does not have must not. Events the mirror has not reached yet are no difference.
 */
export async function verifyMirror(
  pool: DatabasePool,
  client: EventStoreDBClient,
  options: { readonly streamId?: string | undefined; readonly tenants?: readonly string[] | undefined } = {},
): Promise<MirrorVerification> {
  const { keys, checkpoint } = await withSystemTransaction(pool, async (tx) => {
    const row = await tx.maybeOne(sql.type(checkpointRow)`
      SELECT transaction_id::text, global_position FROM consumer_checkpoints WHERE name = ${MIRROR_CONSUMER}`);
    const onlyStream = options.streamId === undefined ? sql.fragment`` : sql.fragment`AND stream_id = ${options.streamId}`;
    const onlyTenants = options.tenants ? sql.fragment`AND tenant_id = ANY(${sql.array(options.tenants, 'text')})` : sql.fragment``;
    const streams = await tx.any(sql.type(streamKey)`
      SELECT DISTINCT tenant_id, stream_id FROM events WHERE true ${onlyStream} ${onlyTenants} ORDER BY tenant_id, stream_id`);
    return { keys: streams, checkpoint: row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START_OF_LOG };
  });
  const differences: MirrorDifference[] = [];
  let equal = 0;
  for (const key of keys) {
    const events = await withSystemTransaction(pool, (tx) => readStream(tx, key.tenant_id, key.stream_id));
    const stream = mirrorStreamName(key.tenant_id, key.stream_id);
    // One more than the ledger has: an extra event in the mirror is a difference too.
    const found = await readRevisions(client, stream, 0n, events.length + 1);
    for (const [index, event] of events.entries()) {
      const inMirror = found[index];
      if (!inMirror) {
        if (passed(checkpoint, event))
          differences.push({ stream, revision: mirrorRevision(event.version), reason: 'missing from the mirror' });
        break;
      }
      const difference = differenceFrom(event, inMirror);
      if (difference) differences.push({ stream, revision: inMirror.revision, reason: difference });
      else equal += 1;
    }
    const extra = found[events.length];
    if (extra) differences.push({ stream, revision: extra.revision, reason: 'the ledger has no event at this revision' });
  }
  return { streams: keys.length, events: equal, differences };
}

function passed(checkpoint: LogPosition, event: { readonly transactionId: string; readonly globalPosition: number }): boolean {
  const [xid, checkpointXid] = [BigInt(event.transactionId), BigInt(checkpoint.transactionId)];
  return xid < checkpointXid || (xid === checkpointXid && event.globalPosition <= checkpoint.globalPosition);
}
