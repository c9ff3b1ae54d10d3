import { randomUUID } from 'node:crypto';
import { createDatabasePool } from '../../src/db/pool.js';
import { withTransaction } from '../../src/db/transaction.js';
import { appendToStream, type NewEvent } from '../../src/ledger/testing/appendToStream.js';
import type { BenchCluster } from './cluster.js';
import { cpuPerOperation, sampleCpu } from './cpu.js';
import { type Check, type Figure, type Phases, progress, runTimed, summarize } from './figures.js';

export const APPEND_WRITERS = 16;
const TENANT = 'tenant-bench';

function events(count: number, writer: number, iteration: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'SeatsHeld',
    data: { reservationId: randomUUID(), seats: 1 + ((iteration + index) % 4) },
    metadata: { actor: `bench-writer-${writer}`, correlationId: randomUUID() },
  }));
}

/**
 * The event log alone: `appendToStream` (expected version, hash chain) in its own transaction,
 * 16 writers each on its own stream, in batches of 1 and of 10 events per transaction.
 */
export async function benchAppend(cluster: BenchCluster, phases: Phases): Promise<{ figures: Figure[]; checks: Check[] }> {
  const figures: Figure[] = [];
  const checks: Check[] = [];
  for (const batch of [1, 10]) {
    const database = `bench_append_${batch}`;
    const url = await cluster.createMigratedDatabase(database);
    const pool = await createDatabasePool(url, { maximumPoolSize: APPEND_WRITERS });
    try {
      progress(`append: ${APPEND_WRITERS} writers, ${batch} event(s) per transaction`);
      const runId = randomUUID().slice(0, 8);
      const versions = new Array<number>(APPEND_WRITERS).fill(0);
      const streamOf = (writer: number) => `bench-${runId}-${writer}`;
      const before = sampleCpu();
      const result = await runTimed(APPEND_WRITERS, phases, async (writer, iteration) => {
        const expectedVersion = versions[writer]!;
        const appended = await withTransaction(
          pool,
          (tx) =>
            appendToStream(tx, {
              tenantId: TENANT,
              streamId: streamOf(writer),
              expectedVersion,
              events: events(batch, writer, iteration),
              recordedAt: new Date().toISOString(),
            }),
          { tenantId: TENANT },
        );
        versions[writer] = appended.nextVersion;
      });
      const cpu = cpuPerOperation(before, sampleCpu(), result.total);
      figures.push({
        name: `append_events_batch_${batch}`,
        value: (result.completed * batch) / result.seconds,
        unit: 'events/s',
        ...summarize(result.latencies),
        transactions_per_s: result.completed / result.seconds,
        writers: APPEND_WRITERS,
        batch,
        seconds: result.seconds,
        ...cpu,
      });
      const { rows } = await cluster.query<{ stream_id: string; n: number; max: number }>(
        database,
        `SELECT stream_id, count(*)::int AS n, max(stream_version)::int AS max FROM events WHERE stream_id LIKE $1 GROUP BY stream_id`,
        [`bench-${runId}-%`],
      );
      const expectedTotal = versions.reduce((sum, v) => sum + v, 0);
      const total = rows.reduce((sum, row) => sum + row.n, 0);
      checks.push({
        name: 'append_check',
        ok:
          total === expectedTotal &&
          rows.every((row) => row.n === row.max && row.max === versions[Number(row.stream_id.split('-').at(-1))]),
        batch,
        events: total,
        expected: expectedTotal,
      });
    } finally {
      await pool.end();
    }
  }
  return { figures, checks };
}
