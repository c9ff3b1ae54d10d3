import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';
import { z } from 'zod';
import { chainEvents, type NewEvent } from '../chainEvents.js';
import { markAppended } from '../../db/commitNotice.js';
import { EventIdReusedError, StreamVersionConflictError } from '../errors.js';
import { asStreamVersionConflict, insertEventsStatement } from '../insertEvents.js';
import { EMPTY_STREAM_HEAD, type StreamHead } from '../streamHead.js';

export type { NewEvent } from '../chainEvents.js';

export type AppendRequest = {
  readonly tenantId: string;
  readonly streamId: string;
  /** How many events the caller saw in the stream when it decided (0 for a new stream). */
  readonly expectedVersion: number;
  /**
   * The hash of the stream's event at `expectedVersion`, when the caller has it (the last event it
   * folded, or the head kept on a locked row): the append then chains onto it without reading the
   * stream's head. A stale head still fails on the unique version constraint.
   */
  readonly expectedHash?: string;
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

async function readStreamHead(db: Queries, tenantId: string, streamId: string) {
  return db.maybeOne(sql.type(streamHeadRow)`
    SELECT stream_version, hash FROM events
    WHERE tenant_id = ${tenantId} AND stream_id = ${streamId}
    ORDER BY stream_version DESC LIMIT 1`);
}

/** The head the new events chain onto: given by the caller, or read (a new stream has nothing to read). */
async function expectedHead(db: Queries, request: AppendRequest): Promise<StreamHead> {
  if (request.expectedVersion === 0) return EMPTY_STREAM_HEAD;
  if (request.expectedHash !== undefined) return { version: request.expectedVersion, hash: request.expectedHash };
  const head = await readStreamHead(db, request.tenantId, request.streamId);
  const currentVersion = head?.stream_version ?? 0;
  if (currentVersion !== request.expectedVersion) {
    throw new StreamVersionConflictError(request.streamId, request.expectedVersion, currentVersion);
  }
  return { version: currentVersion, hash: head?.hash ?? EMPTY_STREAM_HEAD.hash };
}

async function alreadyRecorded(db: Queries, request: AppendRequest): Promise<boolean> {
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
export async function appendToStream(db: Queries, request: AppendRequest): Promise<AppendResult> {
  if (request.events.length === 0) return { nextVersion: request.expectedVersion, appended: false };
  if (await alreadyRecorded(db, request)) {
    const head = await readStreamHead(db, request.tenantId, request.streamId);
    return { nextVersion: head?.stream_version ?? 0, appended: false };
  }
  const head = await expectedHead(db, request);
  const { rows } = chainEvents({
    tenantId: request.tenantId,
    streamId: request.streamId,
    head,
    events: request.events,
    recordedAt: request.recordedAt,
  });
  try {
    await db.query(sql.typeAlias('void')`${insertEventsStatement(rows)}`);
  } catch (error) {
    throw asStreamVersionConflict(error, rows);
  }
  markAppended(db);
  return { nextVersion: request.expectedVersion + request.events.length, appended: true };
}
