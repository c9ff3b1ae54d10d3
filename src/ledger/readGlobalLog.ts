import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import { type RecordedEvent, recordedEventColumns, recordedEventRow, toRecordedEvent } from './recordedEvent.js';

/** Where a reader of the global log stands: the last event it has taken, in commit order. */
export type LogPosition = { readonly transactionId: string; readonly globalPosition: number };

export const START_OF_LOG: LogPosition = { transactionId: '0', globalPosition: 0 };

/**
 * The next events of the whole log in commit order, never skipping one.
 *
 * Identity values are handed out when a row is inserted, not when its transaction commits, so a
 * reader ordering by position alone would step past an event whose transaction began earlier and
 * commits later. Taking only rows written by transactions older than every transaction still
 * running (`pg_snapshot_xmin`) and ordering by (transaction id, position) closes that gap: no row
 * can later appear before the position a reader has passed.
 */
export async function readGlobalLog(db: Queries, after: LogPosition, limit: number): Promise<RecordedEvent[]> {
  const rows = await db.any(sql.type(recordedEventRow)`
    SELECT ${recordedEventColumns}
    FROM events
    WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      AND (transaction_id, global_position) > (${after.transactionId}::xid8, ${after.globalPosition}::bigint)
    -- Qualified: the select list outputs transaction_id as text, and an unqualified ORDER BY would sort
    -- that text ('1000' before '998'), handing out events out of order once xids gain a digit.
    ORDER BY events.transaction_id, events.global_position
    LIMIT ${limit}`);
  return rows.map(toRecordedEvent);
}

export function positionOf(event: RecordedEvent): LogPosition {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}
