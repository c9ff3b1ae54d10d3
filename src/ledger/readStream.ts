import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import { type RecordedEvent, recordedEventColumns, recordedEventRow, toRecordedEvent } from './recordedEvent.js';

export type ReadStreamOptions = {
  /** Only events recorded at or before this instant: the stream as it stood then. */
  readonly recordedUpTo?: string;
};

/** One stream's events in version order, scoped to the tenant that owns it. */
export async function readStream(
  db: Queries,
  tenantId: string,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const upTo = options.recordedUpTo ? sql.fragment`AND recorded_at <= ${options.recordedUpTo}::timestamptz` : sql.fragment``;
  const rows = await db.any(sql.type(recordedEventRow)`
    SELECT ${recordedEventColumns}
    FROM events
    WHERE tenant_id = ${tenantId} AND stream_id = ${streamId} ${upTo}
    ORDER BY stream_version`);
  return rows.map(toRecordedEvent);
}
