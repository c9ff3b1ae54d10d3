import type { DatabasePool } from 'slonik';
import { sql } from '../db/sql.js';
import { createProjectionWriter } from '../../projections/projectionWriter.js';
import { inlineProjections, type StreamProjection } from '../../projections/registry.js';
import { forEachStreamToFold } from './streamsToFold.js';

export type RebuildProgress = { readonly streams: number; readonly events: number };
export type RebuildReport = RebuildProgress & { readonly seconds: number; readonly eventsPerSecond: number };

const scratchTable = (projection: StreamProjection) => `rebuild_${projection.table}`;

/**
 * Rebuilds every inline read model from the event log. The new rows are built in scratch tables,
 * then swapped into the live tables in the same transaction: readers keep reading the old rows
 * (MVCC) until the commit shows them the new ones all at once; writers wait on the lock so no event
 * can land between the fold and the swap.
 */
export async function rebuildProjections(
  pool: DatabasePool,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const counts = await pool.transaction(async (tx) => {
    for (const projection of inlineProjections) {
      await tx.query(sql.typeAlias('void')`LOCK TABLE ${sql.identifier([projection.table])} IN EXCLUSIVE MODE`);
      // No indexes on the scratch copy: each stream yields one row, written once, and the rows are
      // only read back whole; the live table's indexes are maintained once, by the final insert.
      await tx.query(sql.typeAlias('void')`
        CREATE TEMP TABLE ${sql.identifier([scratchTable(projection)])}
        (LIKE ${sql.identifier([projection.table])} INCLUDING DEFAULTS) ON COMMIT DROP`);
    }
    // Writers append events and projections together, so locking the projections holds back new events too.
    const writer = createProjectionWriter(tx, scratchTable);
    let streams = 0;
    let events = 0;
    await forEachStreamToFold(tx, async (tenantId, streamId, streamEvents) => {
      streams += 1;
      events += streamEvents.length;
      await writer.project(tenantId, streamId, streamEvents);
      if (streams % 10_000 === 0) onProgress({ streams, events });
    });
    await writer.flush();
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
