import { z } from 'zod';
import { sql } from '../db/sql.js';

export const recordedEventRow = z.object({
  global_position: z.number(),
  tenant_id: z.string(),
  stream_id: z.string(),
  stream_version: z.number(),
  event_id: z.string(),
  type: z.string(),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
  recorded_at: z.string(),
  transaction_id: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});

/** The columns every reader of the log selects, in the shape `recordedEventRow` parses. */
export const recordedEventColumns = sql.fragment`global_position, tenant_id, stream_id, stream_version,
  event_id::text, type, data, metadata, recorded_at, transaction_id::text, prev_hash, hash`;

export type RecordedEvent = {
  readonly globalPosition: number;
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly recordedAt: string;
  /** The writing transaction's id (xid8, as text): the global log is read in its order. */
  readonly transactionId: string;
  readonly prevHash: string;
  readonly hash: string;
};

export function toRecordedEvent(row: z.infer<typeof recordedEventRow>): RecordedEvent {
  return {
    globalPosition: row.global_position,
    tenantId: row.tenant_id,
    streamId: row.stream_id,
    version: row.stream_version,
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    transactionId: row.transaction_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
