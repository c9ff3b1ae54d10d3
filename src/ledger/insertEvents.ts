import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { sql } from '../db/sql.js';
import type { ChainedEvent } from './chainEvents.js';
import { StreamVersionConflictError } from './errors.js';

/**
 * The one INSERT of the event log, for chained rows of any number of streams: a statement on its
 * own (appendToStream) or one part of a command's single write statement (the write set).
 */
export function insertEventsStatement(rows: readonly ChainedEvent[]) {
  const values = rows.map((row) => [
    row.tenantId,
    row.streamId,
    row.version,
    row.eventId,
    row.type,
    row.data,
    row.metadata,
    row.recordedAt,
    row.prevHash,
    row.hash,
  ]);
  return sql.fragment`
    INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
    SELECT e.tenant_id, e.stream_id, e.version, e.event_id, e.type, e.data, e.metadata, e.recorded_at, e.prev_hash, e.hash
    FROM ${sql.unnest(values, ['text', 'text', 'int4', 'uuid', 'text', 'jsonb', 'jsonb', 'timestamptz', 'text', 'text'])}
      AS e(tenant_id, stream_id, version, event_id, type, data, metadata, recorded_at, prev_hash, hash)`;
}

/**
 * A writer that decided on a stale head loses to the one that appended first: the unique
 * (tenant_id, stream_id, stream_version) constraint refuses its rows. That is the typed
 * {@link StreamVersionConflictError} (the command must be decided again); anything else is rethrown.
 */
export function asStreamVersionConflict(error: unknown, rows: readonly ChainedEvent[]): unknown {
  if (!(error instanceof UniqueIntegrityConstraintViolationError) || error.constraint !== 'events_stream_version_unique') {
    return error;
  }
  // pg's DatabaseError: `detail` is PostgreSQL's DETAIL line, a string when the server sent one.
  const detail = (error.cause as { detail?: string } | undefined)?.detail ?? '';
  // The database names the colliding key, and among several streams we report the one it names —
  // but not to a role under row-level security, which PostgreSQL does not show key values. Then the
  // error says which streams it may be rather than guessing one.
  const named = rows.find((candidate) => detail.includes(`, ${candidate.streamId}, `));
  const streams = [...new Set(rows.map((candidate) => candidate.streamId))];
  const streamId = named?.streamId ?? (streams.length > 0 ? streams.join(' or ') : 'unknown');
  const expected = rows.filter((candidate) => candidate.streamId === streamId).reduce((min, r) => Math.min(min, r.version - 1), Infinity);
  return new StreamVersionConflictError(streamId, Number.isFinite(expected) ? expected : 0, null, { cause: error });
}
