import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { slotAggregate } from '../aggregates/slot.js';
import type { StreamEvent } from '../../projections/declaredProjection.js';
import { walkStreams } from './streamsOfLog.js';

const foldRow = z.object({
  tenant_id: z.string(),
  stream_id: z.string(),
  stream_version: z.number(),
  type: z.string(),
  data: z.unknown(),
  recorded_at: z.string(),
  hash: z.string().nullable(),
});

// The slot projection keeps its stream's head hash on the row (the hold path chains onto it under the
// lock); no other projection reads hashes, which are a large part of each row's bytes.
const slotStreams = `${slotAggregate.streamPrefix}%`;

/**
 * Walks the whole log one stream at a time, like `forEachStream`, but reads only what the
 * projections fold: no ids or metadata, and hashes only of slot streams. A rebuild is a full scan
 * of the log, so what each row costs to send and parse is its speed.
 */
export async function forEachStreamToFold(
  db: Queries,
  visit: (tenantId: string, streamId: string, events: readonly StreamEvent[]) => Promise<void>,
): Promise<void> {
  await walkStreams(
    db,
    {
      columns: sql.fragment`tenant_id, stream_id, stream_version, type, data, recorded_at,
        CASE WHEN stream_id LIKE ${slotStreams} THEN hash END AS hash`,
      row: foldRow,
      toEvent: (row) => ({ type: row.type, data: row.data, recordedAt: row.recorded_at, hash: row.hash }),
      batch: 20_000,
    },
    visit,
  );
}
