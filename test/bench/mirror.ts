import { EventStoreDBClient } from '@eventstore/db-client';
import { catchUp } from '../../src/consumers/processNextBatch.js';
import { createDatabasePool, type DatabasePool } from '../../src/db/pool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { eventStoreMirror } from '../../src/mirror/eventStoreMirror.js';
import { MIRROR_BATCH_SIZE } from '../../src/mirror/runMirror.js';
import type { BenchCluster } from './cluster.js';
import { startEventStoreChild } from './eventStoreChild.js';
import { type Check, type Figure, progress } from './figures.js';
import { generateLedger } from './generateLedger.js';

/** The floor for a catch-up into the loopback server. */
const MIRROR_TARGET_EVENTS_PER_S = 20_000;
const EVENTS_PER_STREAM = 5;
const TYPES = ['SeatsHeld', 'PaymentStarted', 'PaymentSucceeded', 'ReservationPaid', 'ReminderSent'];

/**
 * The mirror's catch-up from position 0, through the real client into the loopback gRPC server (in
 * its own process, eventStoreProcess.ts, as a real server is), timed, over two logs:
 *
 * - **ledger** (the figure with the issue's target): BENCH_MIRROR_EVENTS (default 1,000,000) events
 *   made by the deciders (generateLedger.ts): reservations held, paid, refunded or expired one after
 *   another on 3,000 departures of two tenants, so each batch holds whole reservation and payment
 *   streams while the departures' streams get one event here and there — the shape of an
 *   operator's log, where a reservation lives its life within minutes;
 * - **interleaved** (reported, no target): BENCH_MIRROR_WORST_EVENTS (default 200,000) events in
 *   streams of five written round-robin, so that each batch carries one event of each of 2,000
 *   streams: one append per event, the least favourable shape, which only a log of 40,000
 *   reservations all in flight at once would have. Its speed is the client's cost of one append.
 */
export async function benchMirror(cluster: BenchCluster): Promise<{ figures: Figure[]; checks: Check[] }> {
  const ledger = await ledgerShape(cluster, Number(process.env.BENCH_MIRROR_EVENTS ?? '1000000'));
  const interleaved = await interleavedShape(cluster, Number(process.env.BENCH_MIRROR_WORST_EVENTS ?? '200000'));
  return { figures: [ledger.figure, interleaved.figure], checks: [ledger.check, interleaved.check] };
}

type Outcome = { figure: Figure; check: Check };

async function ledgerShape(cluster: BenchCluster, total: number): Promise<Outcome> {
  const database = 'bench_mirror_ledger';
  const url = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  let generated;
  try {
    progress(`mirror: generating ${total} events through the deciders`);
    generated = await generateLedger(pool, {
      events: total,
      tenants: [
        { tenantId: 'tenant-bench', share: 0.9, currency: 'EUR' },
        { tenantId: 'tenant-bench-other', share: 0.1, currency: 'BRL' },
      ],
      slotsPerTenant: 3_000,
      activities: 25,
      customers: 30_000,
    });
  } finally {
    await pool.end();
  }
  await cluster.query(database, 'VACUUM ANALYZE events');
  const streams = await cluster.query(database, 'SELECT count(DISTINCT (tenant_id, stream_id))::int AS n FROM events');
  return catchUpInto(url, {
    figure: 'mirror_catch_up_events_per_s',
    target: MIRROR_TARGET_EVENTS_PER_S,
    events: generated.events,
    streams: (streams.rows[0] as { n: number }).n,
  });
}

async function interleavedShape(cluster: BenchCluster, total: number): Promise<Outcome> {
  const streams = Math.ceil(total / EVENTS_PER_STREAM);
  const database = 'bench_mirror_interleaved';
  const url = await cluster.createMigratedDatabase(database);
  progress(`mirror: seeding ${streams * EVENTS_PER_STREAM} events in ${streams} streams, round-robin`);
  // Seeded straight into the table: the mirror does not check hash chains, and their making is not measured.
  await cluster.query(
    database,
    `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
     SELECT CASE WHEN s % 10 = 0 THEN 'tenant-bench-other' ELSE 'tenant-bench' END, 'reservation-' || s, v, gen_random_uuid(),
            ($2::text[])[v], jsonb_build_object('seats', 1 + s % 4, 'amount', 4500 * (1 + s % 4), 'currency', 'EUR'),
            jsonb_build_object('actor', 'customer-' || s % 997, 'correlationId', 'bench-' || s),
            now(), md5(s || '/' || (v - 1)) || md5((v - 1) || '/' || s), md5(s || '/' || v) || md5(v || '/' || s)
     FROM generate_series(1, $1::int) AS v, generate_series(0, $3::int - 1) AS s
     ORDER BY v, s`,
    [EVENTS_PER_STREAM, TYPES, streams],
  );
  await cluster.query(database, 'VACUUM ANALYZE events');
  return catchUpInto(url, {
    figure: 'mirror_interleaved_catch_up_events_per_s',
    target: null,
    events: streams * EVENTS_PER_STREAM,
    streams,
  });
}

/** One catch-up from position 0 into a fresh loopback server, timed, and what the server holds after it. */
async function catchUpInto(
  url: string,
  expected: { figure: string; target: number | null; events: number; streams: number },
): Promise<Outcome> {
  const pool: DatabasePool = await createDatabasePool(url, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  const server = await startEventStoreChild();
  const client = EventStoreDBClient.connectionString(server.connectionString);
  try {
    let mirrored = 0;
    const mirror = eventStoreMirror(client, {
      onAppended: (events) => {
        mirrored += events;
        if (mirrored % 100_000 < MIRROR_BATCH_SIZE) progress(`mirror: ${mirrored} events appended`);
      },
    });
    progress(`mirror: catching up ${expected.events} events in ${expected.streams} streams from position 0`);
    const started = performance.now();
    const taken = await catchUp(pool, mirror, { batchSize: MIRROR_BATCH_SIZE });
    const seconds = (performance.now() - started) / 1000;
    const inMirror = await server.contents();
    const eventsPerSecond = taken / seconds;
    return {
      figure: {
        name: expected.figure,
        value: eventsPerSecond,
        unit: 'events/s',
        ...(expected.target === null ? {} : { target: expected.target, pass: eventsPerSecond >= expected.target }),
        events: taken,
        streams: expected.streams,
        appends: inMirror.appends,
        events_per_append: taken / Math.max(1, inMirror.appends),
        seconds,
        batch_size: MIRROR_BATCH_SIZE,
      },
      check: {
        name: `${expected.figure.replace(/_events_per_s$/, '')}_check`,
        ok: taken === expected.events && inMirror.events === taken && inMirror.streams === expected.streams,
        events_read: taken,
        events_in_mirror: inMirror.events,
        streams_in_mirror: inMirror.streams,
      },
    };
  } finally {
    await client.dispose();
    await server.stop();
    await pool.end();
  }
}
