import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { aggregateOf } from '../aggregates/index.js';
import { createDatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
import { type Transaction, withSystemTransaction } from '../db/transaction.js';
import { findChainBreak } from '../ledger/hashChain.js';
import { readStream } from '../ledger/readStream.js';
import type { AppConfig } from '../config/config.js';
import { checkpointSignerFromConfig } from './checkpointSignerFromConfig.js';
import { type CheckpointVerifyingKey, parseCheckpointPublicKey, verifyingKeyOf } from './checkpointSigning.js';
import { rebuildProjections } from './rebuildProjections.js';
import { verifyLedger } from './verifyLedger.js';

const tenantRow = z.object({ tenant_id: z.string() });

function flag(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/**
 * Prints each event of a stream and the aggregate's state after it (every tenant's stream of that id
 * unless --tenant). An operator's command across tenants: it reads as the system role.
 */
async function replay(args: readonly string[], url: string): Promise<number> {
  const streamId = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--tenant');
  if (!streamId) {
    console.error('usage: ledger replay <streamId> [--tenant T]');
    return 2;
  }
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  try {
    return await withSystemTransaction(pool, (tx) => replayStream(tx, streamId, flag(args, '--tenant')));
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
      console.log(JSON.stringify({ tenantId, version: event.version, type: event.type, recordedAt: event.recordedAt, data: event.data, metadata: event.metadata, hash: event.hash, stateAfter: state }));
    }
    const chainBreak = findChainBreak(events);
    console.log(JSON.stringify({ tenantId, streamId, events: events.length, chain: chainBreak ?? 'intact' }));
  }
  return 0;
}

/**
 * The key checkpoints must be signed with: an auditor's own copy of the public key (`--public-key
 * FILE`) when given — the database cannot vouch for itself — else the configured signing key's.
 */
export async function trustedCheckpointKeyFor(
  args: readonly string[],
  config: Pick<AppConfig, 'checkpointSigningKey' | 'dataDir'>,
): Promise<CheckpointVerifyingKey> {
  const file = flag(args, '--public-key');
  if (file !== undefined) return parseCheckpointPublicKey(await readFile(file, 'utf8'));
  return verifyingKeyOf(await checkpointSignerFromConfig(config));
}

/** `ledger verify`: prints the report; exits 1 when anything does not verify. */
export async function runVerifyCommand(url: string, trustedCheckpointKey: CheckpointVerifyingKey): Promise<number> {
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  try {
    const report = await verifyLedger(pool, { trustedCheckpointKey });
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  } finally {
    await pool.end();
  }
}

export async function runAuditCommand(command: 'replay' | 'rebuild-projections', args: readonly string[], url: string): Promise<number> {
  switch (command) {
    case 'replay':
      return replay(args, url);
    case 'rebuild-projections': {
      const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
      try {
        const started = Date.now();
        const report = await rebuildProjections(pool, ({ streams, events }) => {
          const seconds = (Date.now() - started) / 1000;
          process.stderr.write(`\rrebuilding: ${streams} streams, ${events} events, ${Math.round(events / Math.max(seconds, 0.001))} events/s`);
        });
        process.stderr.write('\n');
        console.log(JSON.stringify(report));
        return 0;
      } finally {
        await pool.end();
      }
    }
  }
}
