import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';
import type { ProjectionRow, StreamEvent } from './projectionRows.js';
import { projectionFor, type StreamProjection } from './registry.js';

/** Rows per INSERT: one statement's round trip and parse cost spread over thousands of rows. */
const ROWS_PER_STATEMENT = 2_000;

export type ProjectionWriter = {
  /** Folds one whole stream into its projection's row and queues it. */
  project(tenantId: string, streamId: string, events: readonly StreamEvent[]): Promise<void>;
  /** Writes whatever is still queued; call once after the last stream. */
  flush(): Promise<void>;
};

async function insertRows(tx: Queries, projection: StreamProjection, rows: ProjectionRow[], into: string): Promise<void> {
  const columns = sql.join(projection.columns.map(([name]) => sql.identifier([name])), sql.fragment`, `);
  await tx.query(sql.typeAlias('void')`
    INSERT INTO ${sql.identifier([into])} (${columns})
    SELECT * FROM ${sql.unnest(rows as (string | number | boolean | null)[][], projection.columns.map(([, type]) => type))}`);
}

/**
 * Writes rebuilt rows into `into(projection)` (scratch tables of rebuilds and verification), many
 * rows per statement: a log of a million events folds into a few hundred thousand rows, and one
 * INSERT each would spend the rebuild on round trips.
 */
export function createProjectionWriter(tx: Queries, into: (projection: StreamProjection) => string): ProjectionWriter {
  const queued = new Map<StreamProjection, ProjectionRow[]>();
  const write = async (projection: StreamProjection) => {
    const rows = queued.get(projection);
    if (!rows || rows.length === 0) return;
    queued.set(projection, []);
    await insertRows(tx, projection, rows, into(projection));
  };
  return {
    async project(tenantId, streamId, events) {
      const projection = projectionFor(streamId);
      if (!projection) return;
      const row = projection.rowOf(tenantId, events);
      if (!row) return;
      const rows = queued.get(projection) ?? [];
      rows.push(row);
      queued.set(projection, rows);
      if (rows.length >= ROWS_PER_STATEMENT) await write(projection);
    },
    async flush() {
      for (const projection of queued.keys()) await write(projection);
    },
  };
}
