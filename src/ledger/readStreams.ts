import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import { type RecordedEvent, recordedEventColumns, recordedEventRow, toRecordedEvent } from './recordedEvent.js';

/** Several streams of one tenant in one round trip, each in version order (a stream with no events maps to []). */
export async function readStreams(
  db: Queries,
  tenantId: string,
  streamIds: readonly string[],
): Promise<ReadonlyMap<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>(streamIds.map((streamId) => [streamId, []]));
  const rows = await db.any(sql.type(recordedEventRow)`
    SELECT ${recordedEventColumns}
    FROM events
    WHERE tenant_id = ${tenantId} AND stream_id = ANY(${sql.array([...streamIds], 'text')})
    ORDER BY stream_id, stream_version`);
  for (const row of rows) streams.get(row.stream_id)?.push(toRecordedEvent(row));
  return streams;
}
