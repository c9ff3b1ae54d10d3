import type { FragmentSqlToken } from 'slonik';
import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { type RecordedEvent, recordedEventColumns, recordedEventRow, toRecordedEvent } from '../ledger/recordedEvent.js';

/** The columns every walk reads to know where it stands. */
type StreamKeyRow = { tenant_id: string; stream_id: string; stream_version: number };

/** What a walk reads of each event, and what it makes of the row. */
export type StreamWalk<Row extends StreamKeyRow, Event> = {
  /** The select list; must include tenant_id, stream_id and stream_version. */
  readonly columns: FragmentSqlToken;
  readonly row: z.ZodType<Row>;
  readonly toEvent: (row: Row) => Event;
  readonly batch: number;
};

/**
 * Walks the whole log one stream at a time (tenant, stream, version order), in keyset-paged
 * batches so a large log never sits in memory at once, handing each stream's events to `visit`.
 */
export async function walkStreams<Row extends StreamKeyRow, Event>(
  db: Queries,
  walk: StreamWalk<Row, Event>,
  visit: (tenantId: string, streamId: string, events: readonly Event[]) => Promise<void>,
): Promise<void> {
  let after: StreamKeyRow | null = null;
  let current: Event[] = [];
  let currentKey: { tenantId: string; streamId: string } | null = null;
  for (;;) {
    const cursor: FragmentSqlToken = after
      ? sql.fragment`WHERE (tenant_id, stream_id, stream_version) > (${after.tenant_id}, ${after.stream_id}, ${after.stream_version})`
      : sql.fragment``;
    const rows: readonly Row[] = await db.any(sql.type(walk.row)`
      SELECT ${walk.columns}
      FROM events ${cursor}
      ORDER BY tenant_id, stream_id, stream_version
      LIMIT ${walk.batch}`);
    for (const row of rows) {
      if (currentKey && (currentKey.tenantId !== row.tenant_id || currentKey.streamId !== row.stream_id)) {
        await visit(currentKey.tenantId, currentKey.streamId, current);
        current = [];
      }
      currentKey = { tenantId: row.tenant_id, streamId: row.stream_id };
      current.push(walk.toEvent(row));
    }
    const last: Row | undefined = rows[rows.length - 1];
    if (!last) break;
    after = last;
  }
  if (currentKey) await visit(currentKey.tenantId, currentKey.streamId, current);
}

/** Every stream with its whole recorded events (hashes, ids, metadata): what verification needs. */
export async function forEachStream(
  db: Queries,
  visit: (tenantId: string, streamId: string, events: readonly RecordedEvent[]) => Promise<void>,
): Promise<void> {
  await walkStreams(db, { columns: recordedEventColumns, row: recordedEventRow, toEvent: toRecordedEvent, batch: 5_000 }, visit);
}
