import type { DatabasePool } from 'slonik';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';
import { inlineProjections, projectionFor, type StreamProjection } from '../../projections/registry.js';
import { forEachStream } from './streamsOfLog.js';

export type RebuildProgress = { readonly streams: number; readonly events: number };
export type RebuildReport = RebuildProgress & { readonly seconds: number; readonly eventsPerSecond: number };

const scratchTable = (projection: StreamProjection) => `rebuild_${projection.table}`;

/**
 * Rebuilds every inline read model from the event log. The new rows are built in scratch tables,
 * then swapped into the live tables in the same transaction: readers keep reading the old rows
 * (MVCC) until the commit shows them the new ones all at once; writers wait on the lock so no event
 * can land between the fold and the swap. Every tenant's rows at once: system work (ADR 0014).
 */
export async function rebuildProjections(
  pool: DatabasePool,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const counts = await withSystemTransaction(pool, async (tx) => {
    for (const projection of inlineProjections) {
      await tx.query(sql.typeAlias('void')`LOCK TABLE ${sql.identifier([projection.table])} IN EXCLUSIVE MODE`);
      await tx.query(sql.typeAlias('void')`
        CREATE TEMP TABLE ${sql.identifier([scratchTable(projection)])}
        (LIKE ${sql.identifier([projection.table])} INCLUDING ALL) ON COMMIT DROP`);
    }
    // Writers append events and projections together, so locking the projections holds back new events too.
    let streams = 0;
    let events = 0;
    await forEachStream(tx, async (tenantId, streamId, streamEvents) => {
      streams += 1;
      events += streamEvents.length;
      const projection = projectionFor(streamId);
      if (projection) await projection.project(tx, tenantId, streamEvents, scratchTable(projection));
      if (streams % 1_000 === 0) onProgress({ streams, events });
    });
    for (const projection of inlineProjections) {
      const live = sql.identifier([projection.table]);
      await tx.query(sql.typeAlias('void')`DELETE FROM ${live}`);
      await tx.query(sql.typeAlias('void')`INSERT INTO ${live} SELECT * FROM ${sql.identifier([scratchTable(projection)])}`);
    }
    onProgress({ streams, events });
    return { streams, events };
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...counts, seconds, eventsPerSecond: seconds > 0 ? Math.round(counts.events / seconds) : counts.events };
}
