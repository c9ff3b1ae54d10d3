import type { DatabasePool } from 'slonik';
import { sql } from '../db/sql.js';
import { createProjectionWriter } from '../../projections/projectionWriter.js';
import { inlineProjections, type StreamProjection } from '../../projections/registry.js';
import { forEachStreamToFold } from './streamsToFold.js';

export type RebuildProgress = { readonly streams: number; readonly events: number };
export type RebuildReport = RebuildProgress & { readonly seconds: number; readonly eventsPerSecond: number };

const liveTable = (projection: StreamProjection) => projection.table;

/**
 * Rebuilds every inline read model from the event log, in one transaction: the live rows are
 * deleted and the rebuilt ones written in their place. Readers keep reading the old rows (MVCC)
 * until the commit shows them the new ones all at once, so no scratch copy is needed (it would
 * write every row twice); writers wait on the lock, so no event can land between the fold and the commit.
 */
export async function rebuildProjections(
  pool: DatabasePool,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const counts = await pool.transaction(async (tx) => {
    for (const projection of inlineProjections) {
      await tx.query(sql.typeAlias('void')`LOCK TABLE ${sql.identifier([projection.table])} IN EXCLUSIVE MODE`);
      await tx.query(sql.typeAlias('void')`DELETE FROM ${sql.identifier([projection.table])}`);
    }
    // Writers append events and projections together, so locking the projections holds back new events too.
    const writer = createProjectionWriter(tx, liveTable);
    let streams = 0;
    let events = 0;
    await forEachStreamToFold(tx, async (tenantId, streamId, streamEvents) => {
      streams += 1;
      events += streamEvents.length;
      await writer.project(tenantId, streamId, streamEvents);
      if (streams % 10_000 === 0) onProgress({ streams, events });
    });
    await writer.flush();
    onProgress({ streams, events });
    return { streams, events };
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...counts, seconds, eventsPerSecond: seconds > 0 ? Math.round(counts.events / seconds) : counts.events };
}
