import pg from 'pg';
import type { BenchCluster } from './cluster.js';
import { cpuPerOperation, sampleCpu } from './cpu.js';
import { type Check, type Figure, type Phases, progress, runTimed, summarize } from './figures.js';

export const BASELINE_CONNECTIONS = 16;
export const SPREAD_ROWS = 10_000;

/**
 * What PostgreSQL itself does for the booking's core on this machine, with no application around
 * it: per transaction BEGIN; SELECT … FOR UPDATE one availability row; UPDATE it; INSERT a row;
 * COMMIT — from 16 plain `pg` connections, on one hot row or on rows picked at random.
 */
export async function benchBaseline(
  cluster: BenchCluster,
  phases: Phases,
  run = '',
): Promise<{ hot: Figure; spread: Figure; checks: Check[] }> {
  const hot = await runBaseline(cluster, 'hot', 1, phases, run);
  const spread = await runBaseline(cluster, 'spread', SPREAD_ROWS, phases, run);
  return { hot: hot.figure, spread: spread.figure, checks: [hot.check, spread.check] };
}

function lockSummary(holds: readonly number[]) {
  const { p50_ms, p99_ms, mean_ms } = summarize(holds);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { p50: round(p50_ms), p99: round(p99_ms), mean: round(mean_ms), statements_under_lock: 3 };
}

async function runBaseline(
  cluster: BenchCluster,
  kind: 'hot' | 'spread',
  rows: number,
  phases: Phases,
  run: string,
): Promise<{ figure: Figure; check: Check }> {
  const database = `bench_baseline_${kind}`;
  const url = await cluster.createDatabase(database);
  await cluster.query(
    database,
    `CREATE TABLE availability (
       id integer PRIMARY KEY, capacity integer NOT NULL, held integer NOT NULL DEFAULT 0,
       CHECK (held <= capacity));
     CREATE TABLE holds (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, availability_id integer NOT NULL,
       seats integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO availability (id, capacity) SELECT g, 100000000 FROM generate_series(1, ${rows}) g;`,
  );
  await cluster.query(database, 'VACUUM ANALYZE availability');

  const clients = Array.from({ length: BASELINE_CONNECTIONS }, () => {
    const client = new pg.Client({ connectionString: url });
    // A dropped connection (e.g. the cluster stopping on Ctrl-C) also rejects the pending query, which reports it.
    client.on('error', () => undefined);
    return client;
  });
  await Promise.all(clients.map((client) => client.connect()));
  progress(`baseline ${kind}${run}: ${BASELINE_CONNECTIONS} connections on ${rows} row(s)`);
  let committed = 0;
  const lockHolds: number[] = [];
  try {
    const before = sampleCpu();
    const result = await runTimed(BASELINE_CONNECTIONS, phases, async (worker) => {
      const client = clients[worker]!;
      const id = rows === 1 ? 1 : 1 + Math.floor(Math.random() * rows);
      await client.query('BEGIN');
      try {
        await client.query('SELECT held, capacity FROM availability WHERE id = $1 FOR UPDATE', [id]);
        const locked = performance.now();
        await client.query('UPDATE availability SET held = held + 1 WHERE id = $1', [id]);
        await client.query('INSERT INTO holds (availability_id, seats) VALUES ($1, 1)', [id]);
        await client.query('COMMIT');
        lockHolds.push(performance.now() - locked);
        committed++;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    });
    const cpu = cpuPerOperation(before, sampleCpu(), result.total);
    const {
      rows: [totals],
    } = await clients[0]!.query<{ held: string; holds: string }>(
      'SELECT (SELECT sum(held) FROM availability)::text AS held, (SELECT count(*) FROM holds)::text AS holds',
    );
    const held = Number(totals?.held);
    const holds = Number(totals?.holds);
    return {
      figure: {
        name: `baseline_${kind}_row${rows === 1 ? '' : 's'}${run}`,
        value: result.completed / result.seconds,
        unit: 'tx/s',
        ...summarize(result.latencies),
        connections: BASELINE_CONNECTIONS,
        rows,
        transactions: result.completed,
        seconds: result.seconds,
        ...cpu,
        lock_hold_ms: lockSummary(lockHolds),
      },
      check: {
        name: `baseline_${kind}_consistency${run}`,
        ok: held === committed && holds === committed,
        committed,
        held,
        holds,
      },
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}
