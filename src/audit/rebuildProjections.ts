import type { DatabasePool } from '../db/pool.js';
import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { withSystemTransaction } from '../db/transaction.js';
import { createProjectionWriter } from '../../projections/projectionWriter.js';
import type { StreamProjection } from '../../projections/declaredProjection.js';
import { lockCustomerSlotHolds, recountCustomerSlotHolds } from '../../projections/customerSlotHolds.js';
import { inlineProjections } from '../aggregates/index.js';
import { forEachStreamToFold } from './streamsToFold.js';

const emptyRow = z.object({ empty: z.boolean() });

export type RebuildProgress = { readonly streams: number; readonly events: number };
export type RebuildReport = RebuildProgress & {
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Live rows the rebuild removed (no longer what the events say) and wrote (new or corrected). */
  readonly rowsRemoved: number;
  readonly rowsWritten: number;
};

const scratchTable = (projection: StreamProjection) => `rebuild_${projection.table}`;

/**
 * Makes the live table equal to the rebuilt rows by touching only the rows that differ: a live row
 * that no rebuilt row equals is deleted, then every rebuilt row the table lacks is inserted. The
 * result is the same as replacing every row, but a rebuild of correct projections writes nothing,
 * and the live tables' indexes — most of what writing a row costs — are left alone.
 */
async function applyRebuiltRows(tx: Queries, projection: StreamProjection): Promise<{ removed: number; written: number }> {
  const live = sql.identifier([projection.table]);
  const rebuilt = sql.identifier([scratchTable(projection)]);
  const sameKey = sql.join(
    projection.key.map((column) => sql.fragment`${sql.identifier(['l', column])} = ${sql.identifier(['stale', column])}`),
    sql.fragment` AND `,
  );
  // A first build (a fresh database, a restored log) has nothing to compare: copy the rows as they are.
  const empty = await tx.oneFirst(sql.type(emptyRow)`SELECT NOT EXISTS (SELECT FROM ${live}) AS empty`);
  if (empty) {
    const written = await tx.query(sql.typeAlias('void')`INSERT INTO ${live} SELECT * FROM ${rebuilt}`);
    return { removed: 0, written: written.rowCount };
  }
  const removed = await tx.query(sql.typeAlias('void')`
    DELETE FROM ${live} AS l
    USING (SELECT * FROM ${live} EXCEPT SELECT * FROM ${rebuilt}) AS stale
    WHERE ${sameKey}`);
  const written = await tx.query(sql.typeAlias('void')`
    INSERT INTO ${live} SELECT * FROM ${rebuilt} EXCEPT SELECT * FROM ${live}`);
  return { removed: removed.rowCount, written: written.rowCount };
}

/**
 * Rebuilds every inline read model from the event log, in one transaction: every stream is folded
 * into scratch tables (temporary, unindexed, unlogged: cheap to fill), then the live tables are made
 * equal to them. Readers keep reading the old rows (MVCC) until the commit shows them the new ones
 * all at once; writers wait on the lock, so no event can land between the fold and the commit.
 * Every tenant's rows at once: system work (ADR 0014).
 */
export async function rebuildProjections(
  pool: DatabasePool,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const counts = await withSystemTransaction(pool, async (tx) => {
    await lockCustomerSlotHolds(tx);
    for (const projection of inlineProjections) {
      await tx.query(sql.typeAlias('void')`LOCK TABLE ${sql.identifier([projection.table])} IN EXCLUSIVE MODE`);
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
    let rowsRemoved = 0;
    let rowsWritten = 0;
    for (const projection of inlineProjections) {
      const applied = await applyRebuiltRows(tx, projection);
      rowsRemoved += applied.removed;
      rowsWritten += applied.written;
    }
    await recountCustomerSlotHolds(tx);
    onProgress({ streams, events });
    return { streams, events, rowsRemoved, rowsWritten };
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...counts, seconds, eventsPerSecond: seconds > 0 ? Math.round(counts.events / seconds) : counts.events };
}
