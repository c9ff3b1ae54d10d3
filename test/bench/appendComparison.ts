import { randomUUID } from 'node:crypto';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import pg from 'pg';
import { createCommandPool } from '../../src/db/commandPool.js';
import { createDatabasePool } from '../../src/db/pool.js';
import { appendAndCommit } from '../../src/ledger/testing/appendAndCommit.js';
import { findChainBreak } from '../../src/ledger/hashChain.js';
import type { BenchCluster } from './cluster.js';
import { cpuPerOperation, sampleCpu } from './cpu.js';
import { type Check, type Figure, type Pair, pairedRatio, type Phases, progress, type Ratio, runTimed, summarize } from './figures.js';

/** 16 writers, each appending one event to a stream no one has written to yet, in a transaction of its own. */
export const COMPARISON_WRITERS = 16;
/** The ledger must append at least this many times as many events per second as Emmett (issue 11). */
export const APPEND_TARGET = 1.2;

const TENANT = 'tenant-bench';
const EVENT_TYPE = 'SeatsHeld';

/** The same event for both stores: data and metadata of the same shape and size. */
function eventOf(writer: number, iteration: number) {
  return {
    type: EVENT_TYPE,
    data: { reservationId: randomUUID(), seats: 1 + (iteration % 4) },
    metadata: { actor: `bench-writer-${String(writer).padStart(2, '0')}`, correlationId: randomUUID() },
  };
}

type Store = {
  readonly name: 'ledger' | 'emmett';
  /** Opens the store's pools, appends one event to the new stream `streamId` per call, and closes them again. */
  open(): Promise<{ append(streamId: string, writer: number, iteration: number): Promise<void>; close(): Promise<void> }>;
  /** How many events of streams starting with `prefix` the store holds, and whether they are what was appended. */
  check(prefix: string, expected: number): Promise<Check>;
};

/** The ledger through its append API for an append that is a transaction of its own (`appendAndCommit`), with an event id. */
function ledgerStore(cluster: BenchCluster, url: string, database: string): Store {
  return {
    name: 'ledger',
    async open() {
      // The slonik pool only sends the commit notice (and takes an append that met a conflict).
      const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
      const commands = createCommandPool(url, { maximumPoolSize: COMPARISON_WRITERS });
      return {
        async append(streamId, writer, iteration) {
          const event = eventOf(writer, iteration);
          await appendAndCommit(
            { commands, pool },
            {
              tenantId: TENANT,
              streamId,
              expectedVersion: 0,
              events: [{ ...event, eventId: randomUUID() }],
              recordedAt: new Date().toISOString(),
            },
          );
        },
        async close() {
          await commands.end();
          await pool.end();
        },
      };
    },
    async check(prefix, expected) {
      const { rows } = await cluster.query<{
        stream_id: string;
        stream_version: number;
        event_id: string;
        type: string;
        data: unknown;
        metadata: unknown;
        recorded_at: Date;
        prev_hash: string;
        hash: string;
        tenant_id: string;
      }>(
        database,
        `SELECT tenant_id, stream_id, stream_version, event_id::text, type, data, metadata, recorded_at, prev_hash, hash
         FROM events WHERE stream_id LIKE $1`,
        [`${prefix}%`],
      );
      const streams = new Set(rows.map((row) => row.stream_id));
      // Every stream has one event, the first of its chain: verify's own chain check, on each.
      const broken = rows.filter(
        (row) =>
          findChainBreak([
            {
              tenantId: row.tenant_id,
              streamId: row.stream_id,
              version: row.stream_version,
              eventId: row.event_id,
              type: row.type,
              data: row.data,
              metadata: row.metadata,
              recordedAt: row.recorded_at.toISOString(),
              prevHash: row.prev_hash,
              hash: row.hash,
            },
          ]) !== null,
      );
      return {
        name: 'append_comparison_check',
        store: 'ledger',
        ok: rows.length === expected && streams.size === expected && broken.length === 0,
        events: rows.length,
        expected,
        broken_chains: broken.length,
      };
    },
  };
}

/**
 * dumbo, under Emmett, sets `pg`'s process-wide parsers for bigint and json whenever a store is made.
 * They are put back when the store closes, so the ledger's rounds and the rest of the bench parse as before.
 */
function keepPgParsers(): () => void {
  const parsers = [pg.types.builtins.INT8, pg.types.builtins.JSON, pg.types.builtins.JSONB].map(
    (oid) => [oid, pg.types.getTypeParser(oid)] as const,
  );
  return () => {
    for (const [oid, parse] of parsers) pg.types.setTypeParser(oid, parse);
  };
}

/**
 * Emmett's PostgreSQL event store (`getPostgreSQLEventStore(...).appendToStream`) with the same 16
 * connections as the ledger's pool, each append in a transaction of its own (Emmett's own).
 */
function emmettStore(cluster: BenchCluster, url: string, database: string): Store {
  return {
    name: 'emmett',
    async open() {
      const restoreParsers = keepPgParsers();
      const pool = new pg.Pool({ connectionString: url, max: COMPARISON_WRITERS });
      pool.on('error', () => undefined);
      const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
      return {
        async append(streamId, writer, iteration) {
          const result = await store.appendToStream(streamId, [eventOf(writer, iteration)], {
            expectedStreamVersion: STREAM_DOES_NOT_EXIST,
          });
          if (result.nextExpectedStreamVersion !== 1n)
            throw new Error(`emmett appended to ${streamId} at ${String(result.nextExpectedStreamVersion)}`);
        },
        async close() {
          try {
            await store.close();
            await pool.end();
          } finally {
            restoreParsers();
          }
        },
      };
    },
    async check(prefix, expected) {
      const { rows } = await cluster.query<{ n: number; streams: number; max: number }>(
        database,
        `SELECT count(*)::int AS n, count(DISTINCT stream_id)::int AS streams, coalesce(max(stream_position), 0)::int AS max
         FROM emt_messages WHERE stream_id LIKE $1`,
        [`${prefix}%`],
      );
      const row = rows[0]!;
      return {
        name: 'append_comparison_check',
        store: 'emmett',
        ok: row.n === expected && row.streams === expected && row.max <= 1,
        events: row.n,
        expected,
      };
    },
  };
}

async function measure(store: Store, phases: Phases, round: number): Promise<{ figure: Figure; check: Check }> {
  const opened = await store.open();
  const prefix = `cmp-${randomUUID().slice(0, 8)}-`;
  try {
    progress(`append: ${store.name}, round ${round}: ${COMPARISON_WRITERS} writers, one event per new stream`);
    const before = sampleCpu();
    const result = await runTimed(COMPARISON_WRITERS, phases, (writer, iteration) =>
      opened.append(`${prefix}${writer}-${iteration}`, writer, iteration),
    );
    const cpu = cpuPerOperation(before, sampleCpu(), result.total);
    const figure: Figure = {
      name: `append_new_stream_${store.name}`,
      value: result.completed / result.seconds,
      unit: 'events/s',
      round,
      ...summarize(result.latencies),
      writers: COMPARISON_WRITERS,
      seconds: result.seconds,
      ...cpu,
    };
    return { figure, check: await store.check(prefix, result.total) };
  } finally {
    await opened.close();
  }
}

/**
 * `npm run bench -- append`: the ledger's append against Emmett's PostgreSQL event store on the same
 * cluster, each in a database of its own, in alternating rounds (ledger, Emmett, ledger, Emmett, …;
 * each run with its own warm-up). The ratio is ledger ÷ Emmett, the median of the rounds' ratios.
 */
export async function benchAppendComparison(
  cluster: BenchCluster,
  phases: Phases,
  rounds: number,
  emit: (line: Figure | Check) => void,
): Promise<Ratio & { rounds: number[]; worst: number }> {
  const ledgerDatabase = 'bench_append_ledger';
  const emmettDatabase = 'bench_append_emmett';
  const ledger = ledgerStore(cluster, await cluster.createMigratedDatabase(ledgerDatabase), ledgerDatabase);
  const emmettUrl = await cluster.createDatabase(emmettDatabase);
  const emmett = emmettStore(cluster, emmettUrl, emmettDatabase);
  // Emmett's schema is made once, before any round, as the ledger's migrations are.
  const restoreParsers = keepPgParsers();
  const migrating = getPostgreSQLEventStore(emmettUrl);
  try {
    await migrating.schema.migrate();
  } finally {
    await migrating.close();
    restoreParsers();
  }

  const pairs: Pair[] = [];
  for (let round = 1; round <= rounds; round++) {
    const fromLedger = await measure(ledger, phases, round);
    emit(fromLedger.figure);
    emit(fromLedger.check);
    const fromEmmett = await measure(emmett, phases, round);
    emit(fromEmmett.figure);
    emit(fromEmmett.check);
    pairs.push({ measured: fromLedger.figure, baseline: fromEmmett.figure });
  }
  return pairedRatio('ratio_append_ledger_vs_emmett', pairs, APPEND_TARGET);
}
