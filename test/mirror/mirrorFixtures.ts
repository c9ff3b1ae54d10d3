import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { DatabasePool } from '../../src/db/pool.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { recordedEventColumns, recordedEventRow, toRecordedEvent } from '../../src/ledger/recordedEvent.js';
import { mirrorStreamName } from '../../src/mirror/mirroredEvent.js';
import type { EventStoreServer } from '../support/eventStoreServer.js';

/** A mirrored event as a subscriber reads it: decoded from what the server stores. */
export type SeenInMirror = { id: string; type: string; data: unknown; metadata: unknown };

/** Every stream the ledger should have in the mirror, by mirror name, for `tenants` (all when absent). */
export async function expectedMirror(pool: DatabasePool, tenants?: readonly string[]): Promise<Map<string, SeenInMirror[]>> {
  const rows = await withSystemTransaction(pool, (tx) =>
    tx.any(sql.type(recordedEventRow)`SELECT ${recordedEventColumns} FROM events ORDER BY tenant_id, stream_id, stream_version`),
  );
  const streams = new Map<string, SeenInMirror[]>();
  for (const event of rows.map(toRecordedEvent)) {
    if (tenants && !tenants.includes(event.tenantId)) continue;
    const name = mirrorStreamName(event.tenantId, event.streamId);
    // Written out here rather than taken from the mirror's own mapping, so that a mapping that drops or alters a field fails.
    const metadata = {
      tenantId: event.tenantId,
      streamId: event.streamId,
      version: event.version,
      globalPosition: event.globalPosition,
      recordedAt: event.recordedAt,
      prevHash: event.prevHash,
      hash: event.hash,
      ledger: event.metadata,
      ...(typeof event.metadata['correlationId'] === 'string' ? { $correlationId: event.metadata['correlationId'] } : {}),
    };
    const seen = { id: event.eventId, type: event.type, data: event.data, metadata };
    const stream = streams.get(name) ?? [];
    // Revisions in the mirror are array positions there: the ledger's versions must line up with them.
    if (event.version !== stream.length + 1) throw new Error(`ledger stream ${name} skips from ${stream.length} to ${event.version}`);
    streams.set(name, [...stream, seen]);
  }
  return streams;
}

/** What the loopback server holds, decoded. */
export function actualMirror(server: EventStoreServer): Map<string, SeenInMirror[]> {
  const decode = (bytes: Uint8Array) => z.unknown().parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  return new Map(
    [...server.streams].map(([name, events]) => [
      name,
      events.map((event) => ({ id: event.id, type: event.type, data: decode(event.data), metadata: decode(event.customMetadata) })),
    ]),
  );
}
