import { EventStoreDBClient } from '@eventstore/db-client';
import { catchUp } from '../../src/consumers/processNextBatch.js';
import { createDatabasePool } from '../../src/db/pool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { eventStoreMirror } from '../../src/mirror/eventStoreMirror.js';
import { MIRROR_BATCH_SIZE } from '../../src/mirror/runMirror.js';
import type { BenchCluster } from './cluster.js';
import { startEventStoreChild } from './eventStoreChild.js';
import { type Check, type Figure, progress } from './figures.js';

/** The floor for a catch-up into the loopback server. */
const MIRROR_TARGET_EVENTS_PER_S = 20_000;
const EVENTS_PER_STREAM = 5;
const TYPES = ['SeatsHeld', 'PaymentStarted', 'PaymentSucceeded', 'ReservationPaid', 'ReminderSent'];

/**
 * The mirror's catch-up: BENCH_MIRROR_EVENTS (default 1,000,000) events seeded straight into the
 * events table (their speed is not what is measured; the mirror does not check hash chains), then
 * one catch-up from position 0 through the real client into the loopback gRPC server, timed; the
 * server runs in its own process (eventStoreProcess.ts), as a real one would.
 * Streams of five events, written round-robin so that the log interleaves them as a busy ledger
 * does: each batch carries one event of each of up to 2,000 streams, the mirror's least favourable
 * shape (one append per event).
 */
export async function benchMirror(cluster: BenchCluster): Promise<{ figures: Figure[]; checks: Check[] }> {
  const total = Number(process.env.BENCH_MIRROR_EVENTS ?? '1000000');
  const streams = Math.ceil(total / EVENTS_PER_STREAM);
  const database = 'bench_mirror';
  const url = await cluster.createMigratedDatabase(database);
  progress(`mirror: seeding ${streams * EVENTS_PER_STREAM} events in ${streams} streams`);
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
  const pool = await createDatabasePool(url, { maximumPoolSize: 2, role: SYSTEM_ROLE });
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
    progress('mirror: catching up from position 0 into the loopback EventStoreDB');
    const started = performance.now();
    const taken = await catchUp(pool, mirror, { batchSize: MIRROR_BATCH_SIZE });
    const seconds = (performance.now() - started) / 1000;
    const inMirror = await server.contents();
    const eventsPerSecond = taken / seconds;
    return {
      figures: [
        {
          name: 'mirror_catch_up_events_per_s',
          value: eventsPerSecond,
          unit: 'events/s',
          target: MIRROR_TARGET_EVENTS_PER_S,
          pass: eventsPerSecond >= MIRROR_TARGET_EVENTS_PER_S,
          events: taken,
          streams,
          seconds,
          batch_size: MIRROR_BATCH_SIZE,
        },
      ],
      checks: [
        {
          name: 'mirror_catch_up_check',
          ok: taken === streams * EVENTS_PER_STREAM && inMirror.events === taken && inMirror.streams === streams,
          events_read: taken,
          events_in_mirror: inMirror.events,
          streams_in_mirror: inMirror.streams,
        },
      ],
    };
  } finally {
    await client.dispose();
    await server.stop();
    await pool.end();
  }
}
