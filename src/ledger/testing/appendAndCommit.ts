import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import type { CommandPool } from '../../db/commandPool.js';
import type { DatabasePool } from '../../db/pool.js';
import { sql } from '../../db/sql.js';
import { tenantSettingSource, withTransaction } from '../../db/transaction.js';
import { type AppendRequest, type AppendResult, appendToStream } from './appendToStream.js';
import { type ChainedEvent, chainEvents } from '../chainEvents.js';
import { noticeLogCommitted } from '../../db/commitNotice.js';
import { EMPTY_STREAM_HEAD, type StreamHead } from '../streamHead.js';

/** The pools an append in a transaction of its own runs on (the server's `AppDeps` has both). */
export type EventLogPools = {
  /** The pipelined pool (ADR 0018): an append is one statement run alone on it, or a read and a write. */
  readonly commands: CommandPool;
  /** The slonik pool: the commit notice, and the checked path of an append that met a conflict. */
  readonly pool: DatabasePool;
};

/** What one append binds to its INSERT, in the order the statement's placeholders take them. */
type AppendValues = readonly [
  streamId: string,
  recordedAt: string,
  tenantId: string,
  versions: readonly number[],
  eventIds: readonly string[],
  types: readonly string[],
  data: readonly string[],
  metadata: readonly string[],
  prevHashes: readonly string[],
  hashes: readonly string[],
];

/**
 * The INSERT of one stream's chained events, which also sets the transaction's tenant: the rows are
 * produced from `tenantSettingSource`, so row-level security checks them against the tenant set,
 * and their tenant column is that tenant. The whole append is this one statement.
 */
function composeAppendStatement(values: AppendValues) {
  const [streamId, recordedAt, tenantId, versions, eventIds, types, data, metadata, prevHashes, hashes] = values;
  return sql.typeAlias('void')`
    INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
    SELECT tenant_setting.tenant_id, ${streamId}, e.version, e.event_id, e.type, e.data, e.metadata, ${recordedAt}::timestamptz,
      e.prev_hash, e.hash
    FROM ${tenantSettingSource(tenantId)},
      unnest(${sql.array(versions, 'int4')}, ${sql.array(eventIds, 'uuid')}, ${sql.array(types, 'text')}, ${sql.array(data, 'jsonb')},
        ${sql.array(metadata, 'jsonb')}, ${sql.array(prevHashes, 'text')}, ${sql.array(hashes, 'text')})
      AS e(version, event_id, type, data, metadata, prev_hash, hash)`;
}

/**
 * The statement composed once, by the tag (composing it was a sixth of an append's CPU in this
 * process): each append binds its own values to the same text. That the tag binds them in
 * `AppendValues` order is checked here, once, with values that cannot be confused.
 */
const appendStatementTemplate = (() => {
  const sentinels: AppendValues = ['stream', 'recorded', 'tenant', [1], ['event'], ['type'], ['data'], ['metadata'], ['prev'], ['hash']];
  const template = composeAppendStatement(sentinels);
  if (template.values.length !== sentinels.length || template.values.some((value, index) => value !== sentinels[index])) {
    throw new Error('the append statement does not bind its values in AppendValues order');
  }
  return template;
})();

function appendStatement(request: AppendRequest, rows: readonly ChainedEvent[]) {
  const values: AppendValues = [
    request.streamId,
    request.recordedAt,
    request.tenantId,
    rows.map((row) => row.version),
    rows.map((row) => row.eventId),
    rows.map((row) => row.type),
    rows.map((row) => row.data),
    rows.map((row) => row.metadata),
    rows.map((row) => row.prevHash),
    rows.map((row) => row.hash),
  ];
  return { ...appendStatementTemplate, values: values as unknown as typeof appendStatementTemplate.values };
}

const headRow = z.object({ stream_version: z.number(), hash: z.string() });

/** The stream's head, read in the tenant the statement sets: the first statement of the transaction, sent with BEGIN. */
function streamHeadStatement(request: AppendRequest) {
  return sql.type(headRow)`
    SELECT e.stream_version, e.hash
    FROM ${tenantSettingSource(request.tenantId)}
    CROSS JOIN LATERAL (
      SELECT stream_version, hash FROM events
      WHERE tenant_id = tenant_setting.tenant_id AND stream_id = ${request.streamId}
      ORDER BY stream_version DESC LIMIT 1
    ) AS e`;
}

/**
 * What `appendToStream` in its own transaction settles exactly: a unique violation (the event ids
 * were recorded already — a retry — or another writer took the version) and the class-40 failures
 * that transaction retries. Either way nothing of this attempt committed.
 */
function needsCheckedPath(error: unknown): boolean {
  if (error instanceof UniqueIntegrityConstraintViolationError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('40');
}

/**
 * Appends events to one stream in a transaction of its own, with every guarantee of
 * `appendToStream` — expected version, hash chain, event-id idempotency, row-level security, the
 * transaction id the global log is read by — and wakes the log's listeners once it has committed.
 *
 * The usual append is one statement and one round trip. The events are chained in TypeScript onto
 * a head that needs no reading — a new stream's, or the caller's `expectedHash` — and the INSERT
 * runs as a transaction of its own on the command pool (no BEGIN, no COMMIT to send: PostgreSQL
 * commits it, durably, when it has run). A head that must be read costs one round trip more: the
 * read travels with BEGIN, the INSERT with COMMIT.
 *
 * What this path does not check beforehand, the unique constraints decide: an event id recorded
 * already, or a version another writer took, fails the INSERT and nothing is written. Such an
 * append is run again by `appendToStream`, which reads before it writes and answers as it always
 * has: a retry with the same event ids is a no-op (`appended: false`), a stale version a
 * `StreamVersionConflictError`, an id used for other events an `EventIdReusedError`. A conflicting
 * row, once committed, is there for good, so the second run never appends what the first could not.
 */
export async function appendAndCommit(pools: EventLogPools, request: AppendRequest): Promise<AppendResult> {
  if (request.events.length === 0) return { nextVersion: request.expectedVersion, appended: false };
  let outcome: 'appended' | 'checked_path';
  try {
    outcome = await appendUnchecked(pools.commands, request);
  } catch (error) {
    if (!needsCheckedPath(error)) throw error;
    outcome = 'checked_path';
  }
  if (outcome === 'checked_path') {
    return withTransaction(pools.pool, (tx) => appendToStream(tx, request), { tenantId: request.tenantId });
  }
  noticeLogCommitted(pools.pool);
  return { nextVersion: request.expectedVersion + request.events.length, appended: true };
}

/** The INSERT alone, onto a head known or read first; 'checked_path' when the head read is not the expected one. */
async function appendUnchecked(commands: CommandPool, request: AppendRequest): Promise<'appended' | 'checked_path'> {
  const chainOnto = (head: StreamHead) =>
    appendStatement(
      request,
      chainEvents({ tenantId: request.tenantId, streamId: request.streamId, head, events: request.events, recordedAt: request.recordedAt })
        .rows,
    );
  const { expectedHash } = request;
  if (request.expectedVersion === 0 || expectedHash !== undefined) {
    const head =
      request.expectedVersion === 0 || expectedHash === undefined
        ? EMPTY_STREAM_HEAD
        : { version: request.expectedVersion, hash: expectedHash };
    await commands.runAlone(chainOnto(head));
    return 'appended';
  }
  return commands.transaction(async (tx) => {
    const head = await tx.maybeOne(streamHeadStatement(request));
    if (head?.stream_version !== request.expectedVersion) return 'checked_path';
    await tx.commitWith(chainOnto({ version: head.stream_version, hash: head.hash }));
    return 'appended';
  });
}
