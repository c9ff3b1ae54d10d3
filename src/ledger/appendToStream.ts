import { randomUUID } from 'node:crypto';
import { type CommonQueryMethods, UniqueIntegrityConstraintViolationError } from 'slonik';
import { sql } from '../db/sql.js';
import { z } from 'zod';
import { canonicalJson } from './canonicalJson.js';
import { EventIdReusedError, StreamVersionConflictError } from './errors.js';
import { eventHash, GENESIS_HASH } from './hashChain.js';

export type NewEvent = {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Give an id to make a retried append a no-op; omitted ids are fresh. */
  readonly eventId?: string;
};

export type AppendRequest = {
  readonly tenantId: string;
  readonly streamId: string;
  /** How many events the caller saw in the stream when it decided (0 for a new stream). */
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
  readonly recordedAt: string;
};

export type AppendResult = {
  readonly nextVersion: number;
  /** False when every event id was already recorded in this stream: the append was a retry. */
  readonly appended: boolean;
};

const streamHeadRow = z.object({ stream_version: z.number(), hash: z.string() });
const existingIdRow = z.object({ event_id: z.string(), stream_id: z.string(), tenant_id: z.string() });

async function readStreamHead(db: CommonQueryMethods, tenantId: string, streamId: string) {
  return db.maybeOne(sql.type(streamHeadRow)`
    SELECT stream_version, hash FROM events
    WHERE tenant_id = ${tenantId} AND stream_id = ${streamId}
    ORDER BY stream_version DESC LIMIT 1`);
}

async function alreadyRecorded(db: CommonQueryMethods, request: AppendRequest): Promise<boolean> {
  const ids = request.events.flatMap((event) => (event.eventId ? [event.eventId] : []));
  if (ids.length === 0) return false;
  const rows = await db.any(sql.type(existingIdRow)`
    SELECT event_id, stream_id, tenant_id FROM events WHERE event_id = ANY(${sql.array(ids, 'uuid')})`);
  if (rows.length === 0) return false;
  const sameStream = rows.every((row) => row.stream_id === request.streamId && row.tenant_id === request.tenantId);
  if (rows.length === request.events.length && sameStream) return true;
  throw new EventIdReusedError(rows.map((row) => row.event_id));
}

/**
 * Appends events to one stream at the version the caller decided on, chaining each event's hash
 * to the one before it. A concurrent writer that appended first makes this throw
 * {@link StreamVersionConflictError}; the caller's transaction must then be rolled back.
 */
export async function appendToStream(db: CommonQueryMethods, request: AppendRequest): Promise<AppendResult> {
  if (request.events.length === 0) return { nextVersion: request.expectedVersion, appended: false };
  if (await alreadyRecorded(db, request)) {
    const head = await readStreamHead(db, request.tenantId, request.streamId);
    return { nextVersion: head?.stream_version ?? 0, appended: false };
  }
  // A new stream has nothing to read: if a concurrent writer creates it first, version 1 collides below.
  const head = request.expectedVersion === 0 ? null : await readStreamHead(db, request.tenantId, request.streamId);
  const currentVersion = head?.stream_version ?? 0;
  if (currentVersion !== request.expectedVersion) {
    throw new StreamVersionConflictError(request.streamId, request.expectedVersion, currentVersion);
  }
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows = request.events.map((event, index) => {
    const version = request.expectedVersion + index + 1;
    const eventId = event.eventId ?? randomUUID();
    const metadata = event.metadata ?? {};
    const hash = eventHash(prevHash, {
      tenantId: request.tenantId,
      streamId: request.streamId,
      version,
      eventId,
      type: event.type,
      data: event.data,
      metadata,
      recordedAt: request.recordedAt,
    });
    const row = [version, eventId, event.type, canonicalJson(event.data), canonicalJson(metadata), prevHash, hash];
    prevHash = hash;
    return row;
  });
  try {
    await db.query(sql.typeAlias('void')`
      INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
      SELECT ${request.tenantId}, ${request.streamId}, e.version, e.event_id, e.type, e.data, e.metadata,
             ${request.recordedAt}::timestamptz, e.prev_hash, e.hash
      FROM ${sql.unnest(rows, ['int4', 'uuid', 'text', 'jsonb', 'jsonb', 'text', 'text'])}
        AS e(version, event_id, type, data, metadata, prev_hash, hash)`);
  } catch (error) {
    if (error instanceof UniqueIntegrityConstraintViolationError && error.constraint === 'events_stream_version_unique') {
      throw new StreamVersionConflictError(request.streamId, request.expectedVersion, null, { cause: error });
    }
    throw error;
  }
  return { nextVersion: request.expectedVersion + request.events.length, appended: true };
}
