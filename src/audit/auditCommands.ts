import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { aggregateOf } from '../aggregates/index.js';
import { createDatabasePool } from '../db/pool.js';
import { SYSTEM_ROLE } from '../db/roles.js';
import { sql } from '../db/sql.js';
import { type Transaction, withSystemTransaction } from '../db/transaction.js';
import { findChainBreak } from '../ledger/hashChain.js';
import { readStream } from '../ledger/readStream.js';
import type { AppConfig } from '../config/config.js';
import { checkpointSignerFromConfig } from './checkpointSignerFromConfig.js';
import { type CheckpointVerifyingKey, parseCheckpointPublicKey, verifyingKeyOf } from './checkpointSigning.js';
import { type RebuildProgress, type RebuildReport, rebuildProjections } from './rebuildProjections.js';
import { type VerificationReport, type VerifyOptions, verifyLedger } from './verifyLedger.js';

const tenantRow = z.object({ tenant_id: z.string() });

/**
 * `ledger replay`: prints each event of a stream and the aggregate's state after it (every tenant's
 * stream of that id unless `tenant`). An operator's command across tenants: it reads as the system role, on the system login (`systemUrl`).
 */
export async function runReplayCommand(systemUrl: string, streamId: string, tenant: string | undefined): Promise<number> {
  const pool = await createDatabasePool(systemUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  try {
    return await withSystemTransaction(pool, (tx) => replayStream(tx, streamId, tenant));
  } finally {
    await pool.end();
  }
}

/**
 * Each event is parsed by its aggregate's schema before it is folded: an event the schema refuses
 * stops the replay with `EventSchemaError` (its stream, version and type) after the lines before it.
 * Streams of no aggregate print their events with no state.
 */
export async function replayStream(tx: Transaction, streamId: string, tenant: string | undefined): Promise<number> {
  const tenants = tenant
    ? [tenant]
    : await tx.anyFirst(sql.type(tenantRow)`
        SELECT DISTINCT tenant_id FROM events WHERE stream_id = ${streamId} ORDER BY tenant_id`);
  if (tenants.length === 0) {
    console.error(`no stream ${streamId}`);
    return 1;
  }
  const aggregate = aggregateOf(streamId);
  for (const tenantId of tenants) {
    const events = await readStream(tx, tenantId, streamId);
    const states = aggregate?.scan(events, { streamId });
    for (const event of events) {
      const state = states ? states.next().value : null;
      console.log(
        JSON.stringify({
          tenantId,
          version: event.version,
          type: event.type,
          recordedAt: event.recordedAt,
          data: event.data,
          metadata: event.metadata,
          hash: event.hash,
          stateAfter: state,
        }),
      );
    }
    const chainBreak = findChainBreak(events);
    console.log(JSON.stringify({ tenantId, streamId, events: events.length, chain: chainBreak ?? 'intact' }));
  }
  return 0;
}

/**
 * The key checkpoints must be signed with: an auditor's own copy of the public key (`--public-key
 * FILE`, read from `file`) when given — the database cannot vouch for itself — else the configured signing key's.
 */
export async function trustedCheckpointKeyFor(
  file: string | undefined,
  config: Pick<AppConfig, 'checkpointSigningKey' | 'dataDir' | 'databaseUrl'>,
): Promise<CheckpointVerifyingKey> {
  if (file !== undefined) return parseCheckpointPublicKey(await readFile(file, 'utf8'));
  return verifyingKeyOf(await checkpointSignerFromConfig(config));
}

/** `ledger verify`'s work: `verifyLedger` on a pool of its own, on the system login. */
export async function verifyLedgerAt(systemUrl: string, options: VerifyOptions): Promise<VerificationReport> {
  const pool = await createDatabasePool(systemUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  try {
    return await verifyLedger(pool, options);
  } finally {
    await pool.end();
  }
}

/** `ledger rebuild-projections`' work: `rebuildProjections` on a pool of its own, on the system login. */
export async function rebuildProjectionsAt(systemUrl: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildReport> {
  const pool = await createDatabasePool(systemUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  try {
    return await rebuildProjections(pool, onProgress);
  } finally {
    await pool.end();
  }
}
