import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import type { StreamEvent } from '../../projections/projectionRows.js';

const BATCH = 20_000;

const foldRow = z.object({
  tenant_id: z.string(),
  stream_id: z.string(),
  stream_version: z.number(),
  type: z.string(),
  data: z.unknown(),
  recorded_at: z.string(),
  hash: z.string().nullable(),
});

/**
 * Walks the whole log one stream at a time (tenant, stream, version order), like `forEachStream`,
 * but reads only what the projections fold: no ids or metadata, and hashes only of slot streams
 * (whose row keeps its head), which are most of a row's
 * bytes. A rebuild is a full scan of the log, so what each row costs to send and parse is its speed.
 */
export async function forEachStreamToFold(
  db: CommonQueryMethods,
  visit: (tenantId: string, streamId: string, events: readonly StreamEvent[]) => Promise<void>,
): Promise<void> {
  let after: { tenantId: string; streamId: string; version: number } | null = null;
  let current: StreamEvent[] = [];
  let currentKey: { tenantId: string; streamId: string } | null = null;
  for (;;) {
    const cursor: ReturnType<typeof sql.fragment> = after
      ? sql.fragment`WHERE (tenant_id, stream_id, stream_version) > (${after.tenantId}, ${after.streamId}, ${after.version})`
      : sql.fragment``;
    const rows: readonly z.infer<typeof foldRow>[] = await db.any(sql.type(foldRow)`
      SELECT tenant_id, stream_id, stream_version, type, data, recorded_at,
             CASE WHEN stream_id LIKE 'slot-%' THEN hash END AS hash
      FROM events ${cursor}
      ORDER BY tenant_id, stream_id, stream_version
      LIMIT ${BATCH}`);
    for (const row of rows) {
      if (currentKey && (currentKey.tenantId !== row.tenant_id || currentKey.streamId !== row.stream_id)) {
        await visit(currentKey.tenantId, currentKey.streamId, current);
        current = [];
      }
      currentKey = { tenantId: row.tenant_id, streamId: row.stream_id };
      current.push({ type: row.type, data: row.data, recordedAt: row.recorded_at, hash: row.hash });
    }
    const last: z.infer<typeof foldRow> | undefined = rows[rows.length - 1];
    if (!last) break;
    after = { tenantId: last.tenant_id, streamId: last.stream_id, version: last.stream_version };
  }
  if (currentKey) await visit(currentKey.tenantId, currentKey.streamId, current);
}
