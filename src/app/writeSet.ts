import type { FragmentSqlToken, QuerySqlToken } from 'slonik';
import type { CommandTransaction } from '../db/commandPool.js';
import { composition } from '../db/composedStatement.js';
import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import { type ChainedEvent, chainEvents } from '../ledger/chainEvents.js';
import { markAppended } from '../db/commitNotice.js';
import { asStreamVersionConflict, insertEventsStatement } from '../ledger/insertEvents.js';
import type { StreamHead } from '../ledger/streamHead.js';
import { type FollowUpJob, jobsAsJson } from '../jobs/followUpJobs.js';
import type { DomainEventShape, EventMetadata } from './streams.js';

/**
 * A command's unit of work: the events it appends (to any number of streams) and the rows it
 * saves (projections, the stored idempotent response, the inbox outcome), collected while it
 * decides and written by `flush` (or `commit`, which sends it with the COMMIT on the command pool)
 * in ONE statement — one round trip while the slot lock is held, instead of one per write.
 * Everything in it commits with the command's transaction or not at all.
 *
 * PostgreSQL runs the parts of one statement (data-modifying CTEs) on one snapshot and none sees
 * another's changes, so the same row must not be written twice in a set: `save` takes the row's
 * key and refuses a second write to it, and a stream can be appended to once per set. A stale
 * stream head still fails on the unique (stream_id, stream_version) constraint, surfacing as
 * `StreamVersionConflictError`.
 */
export type WriteSet = {
  /** Chains the events onto `head` (the version and hash the command decided on) and returns the new head. */
  append(input: AppendToSet): StreamHead;
  /** One INSERT/UPDATE without RETURNING, written with the set; `rowKey` names the row it writes. */
  save(rowKey: string, statement: FragmentSqlToken): void;
  /** Queues follow-up work (a refund, a push) that exists exactly when this set commits. */
  enqueue(job: FollowUpJob): void;
  flush(tx: Queries): Promise<void>;
  /** `flush` as the transaction's last statement, sent together with its COMMIT (the command pool's transactions). */
  commit(tx: CommandTransaction): Promise<void>;
};

export type AppendToSet = {
  readonly tenantId: string;
  readonly streamId: string;
  readonly head: StreamHead;
  readonly events: readonly DomainEventShape[];
  readonly recordedAt: string;
  readonly metadata: EventMetadata;
};

/** The set's statements as one: the last one, with the others as data-modifying CTEs ahead of it (composed once per shape). */
const writeStatementOf = composition((statements) => {
  const last = statements.at(-1);
  if (last === undefined) throw new Error('a write set composes at least one statement');
  // One flat list of pieces, not fragments nested in fragments: the tag re-reads a nested fragment's
  // whole text at every level.
  const pieces = statements
    .slice(0, -1)
    .flatMap((statement, index) => [
      index === 0 ? sql.fragment`WITH ` : sql.fragment`, `,
      sql.identifier([`write_${index}`]),
      sql.fragment` AS (`,
      statement,
      sql.fragment`)`,
    ]);
  return sql.typeAlias('void')`${sql.join([...pieces, sql.fragment` `, last], sql.fragment``)}`;
});

export function createWriteSet(): WriteSet {
  const rows: ChainedEvent[] = [];
  const streams = new Set<string>();
  const saves = new Map<string, FragmentSqlToken>();
  const jobs: FollowUpJob[] = [];
  let flushed = false;

  const open = () => {
    if (flushed) throw new Error('this write set was already flushed');
  };

  /** Every write of the set as one statement: the last one, with the others as data-modifying CTEs ahead of it. */
  const writeStatement = (): QuerySqlToken | null => {
    open();
    flushed = true;
    const statements = [
      ...(rows.length > 0 ? [insertEventsStatement(rows)] : []),
      ...saves.values(),
      // Last, as the statement's main query: a SELECT ahead of it as a CTE would not run unless read.
      ...(jobs.length > 0 ? [sql.fragment`SELECT FROM ledger_enqueue_jobs(${jobsAsJson(jobs)}::jsonb)`] : []),
    ];
    return statements.length === 0 ? null : writeStatementOf(statements);
  };

  /** Runs the set's statement: a stale head is the typed conflict, and appended events wake the log's listeners after commit. */
  const write = async (tx: object, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      throw asStreamVersionConflict(error, rows);
    }
    if (rows.length > 0) markAppended(tx);
  };

  return {
    append(input) {
      open();
      if (input.events.length === 0) return input.head;
      const stream = `${input.tenantId}\u0000${input.streamId}`;
      if (streams.has(stream)) throw new Error(`stream ${input.streamId} is appended to twice in one write set`);
      streams.add(stream);
      const chained = chainEvents({
        tenantId: input.tenantId,
        streamId: input.streamId,
        head: input.head,
        events: input.events.map((event) => ({ type: event.type, data: event.data, metadata: input.metadata })),
        recordedAt: input.recordedAt,
      });
      rows.push(...chained.rows);
      return chained.head;
    },
    enqueue(job) {
      open();
      jobs.push(job);
    },
    save(rowKey, statement) {
      open();
      if (saves.has(rowKey)) throw new Error(`row ${rowKey} is written twice in one write set`);
      saves.set(rowKey, statement);
    },
    async flush(tx) {
      const statement = writeStatement();
      if (statement !== null) await write(tx, () => tx.query(statement));
    },
    async commit(tx) {
      const statement = writeStatement() ?? sql.typeAlias('void')`SELECT`;
      await write(tx, () => tx.commitWith(statement));
    },
  };
}
