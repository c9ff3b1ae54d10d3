import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';
import { projectStream } from '../src/aggregates/index.js';
import type { ProjectionValue, StreamEvent, StreamProjection } from './declaredProjection.js';

/** Rows per INSERT: one statement's round trip and parse cost spread over thousands of rows. */
const ROWS_PER_STATEMENT = 2_000;

export type ProjectionWriter = {
  /** Parses and folds one whole stream through its aggregate (src/aggregates) and queues its projections' rows. */
  project(tenantId: string, streamId: string, events: readonly StreamEvent[]): Promise<void>;
  /** Writes whatever is still queued; call once after the last stream. */
  flush(): Promise<void>;
};

async function insertRows(tx: Queries, projection: StreamProjection, rows: ProjectionValue[][], into: string): Promise<void> {
  const columns = sql.join(
    projection.columnList.map(([name]) => sql.identifier([name])),
    sql.fragment`, `,
  );
  await tx.query(sql.typeAlias('void')`
    INSERT INTO ${sql.identifier([into])} (${columns})
    SELECT * FROM ${sql.unnest(
      rows,
      projection.columnList.map(([, type]) => type),
    )}`);
}

/**
 * Writes rebuilt rows into `into(projection)` (scratch tables of rebuilds and verification), many
 * rows per statement: a log of a million events folds into a few hundred thousand rows, and one
 * INSERT each would spend the rebuild on round trips. An event its aggregate's schema refuses
 * stops the rebuild with `EventSchemaError` (naming its stream, version and type).
 */
export function createProjectionWriter(tx: Queries, into: (projection: StreamProjection) => string): ProjectionWriter {
  const queued = new Map<StreamProjection, ProjectionValue[][]>();
  const write = async (projection: StreamProjection) => {
    const rows = queued.get(projection);
    if (!rows || rows.length === 0) return;
    queued.set(projection, []);
    await insertRows(tx, projection, rows, into(projection));
  };
  return {
    async project(tenantId, streamId, events) {
      for (const { projection, values } of projectStream(tenantId, streamId, events)) {
        const rows = queued.get(projection) ?? [];
        rows.push(values);
        queued.set(projection, rows);
        if (rows.length >= ROWS_PER_STATEMENT) await write(projection);
      }
    },
    async flush() {
      for (const projection of queued.keys()) await write(projection);
    },
  };
}
