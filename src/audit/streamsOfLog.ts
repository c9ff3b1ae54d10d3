import type { CommonQueryMethods } from 'slonik';
import type { z } from 'zod';
import { sql } from '../db/sql.js';
import { type RecordedEvent, recordedEventColumns, recordedEventRow, toRecordedEvent } from '../ledger/recordedEvent.js';

const BATCH = 5_000;

/**
 * Walks the whole log one stream at a time (tenant, stream, version order), in keyset-paged
 * batches so a large log never sits in memory at once.
 */
export async function forEachStream(
  db: CommonQueryMethods,
  visit: (tenantId: string, streamId: string, events: readonly RecordedEvent[]) => Promise<void>,
): Promise<void> {
  let after: { tenantId: string; streamId: string; version: number } | null = null;
  let current: RecordedEvent[] = [];
  for (;;) {
    const cursor: ReturnType<typeof sql.fragment> = after
      ? sql.fragment`WHERE (tenant_id, stream_id, stream_version) > (${after.tenantId}, ${after.streamId}, ${after.version})`
      : sql.fragment``;
    const rows: readonly z.infer<typeof recordedEventRow>[] = await db.any(sql.type(recordedEventRow)`
      SELECT ${recordedEventColumns}
      FROM events ${cursor}
      ORDER BY tenant_id, stream_id, stream_version
      LIMIT ${BATCH}`);
    for (const row of rows) {
      const event = toRecordedEvent(row);
      const head = current[0];
      if (head && (head.tenantId !== event.tenantId || head.streamId !== event.streamId)) {
        await visit(head.tenantId, head.streamId, current);
        current = [];
      }
      current.push(event);
    }
    const last: z.infer<typeof recordedEventRow> | undefined = rows[rows.length - 1];
    if (!last) break;
    after = { tenantId: last.tenant_id, streamId: last.stream_id, version: last.stream_version };
  }
  const head = current[0];
  if (head) await visit(head.tenantId, head.streamId, current);
}
