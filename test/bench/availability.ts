import { benchDeps } from './benchDeps.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../src/app/context.js';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { createCommandPool } from '../../src/db/commandPool.js';
import { createDatabasePool } from '../../src/db/pool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { buildServer } from '../../src/http/server.js';
import { createTestTokenVerifier, mintToken, type TestIdentity } from '../../src/identity/testing/tokens.js';
import { benchRoutes } from './benchRoutes.js';
import type { BenchCluster } from './cluster.js';
import { type Check, type Figure, type Phases, progress, summarize } from './figures.js';
import type { LoadDriver } from './loadDriver.js';

/**
 * Issue 14 item 2's figure: `GET /public/v1/tenants/{tenantId}/availability` over 100,000 slots of
 * one tenant, 16 concurrent readers (no token, no rate limit) while 4 clients place holds on some of
 * the slots, p50/p99 per scenario (target p99 < 20 ms). The holds' slots are defined through the
 * API (their streams and rows); the other slots' rows are written straight into the projection
 * (`slot_availability`), which is all the public read touches. 100 activities, each with its IANA
 * time zone in `activity_view`, departures spread over a year.
 */

const TENANT = 'tenant-availability';
const SLOTS = Number(process.env.BENCH_AVAILABILITY_SLOTS ?? '100000');
const ACTIVITIES = 100;
const HELD_SLOTS = 50;
const READERS = 16;
const HOLDERS = 4;
const TARGET_P99_MS = 20;
const ZONES = ['America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'Europe/Lisbon', 'UTC', 'America/Mexico_City'];
const DAY_MS = 86_400_000;

const activityOf = (index: number) => `activity-${String(index % ACTIVITIES).padStart(3, '0')}`;

export async function benchAvailability(
  cluster: BenchCluster,
  driver: LoadDriver,
  identity: TestIdentity,
  phases: Phases,
): Promise<{ figures: Figure[]; checks: Check[] }> {
  const figures: Figure[] = [];
  const checks: Check[] = [];
  const database = 'bench_availability';
  const url = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(url, { maximumPoolSize: 8 });
  const commands = createCommandPool(url, { maximumPoolSize: 4 });
  const systemPool = await createDatabasePool(url, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  let server: FastifyInstance | undefined;
  try {
    const deps: AppDeps = { ...benchDeps({ pool, systemPool, commands }), reactions: [] };
    server = await buildServer({
      verifier: createTestTokenVerifier(identity),
      users: createUserDirectory(pool, deps.clock),
      routes: benchRoutes(deps),
      rateLimits: { booking: false, publicReads: false },
    });
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    const admin = mintToken(identity, { tenantId: TENANT, groups: ['admin'], sub: 'availability-admin' });
    const now = Date.now();

    progress(`availability: defining ${HELD_SLOTS} slots through the API, writing ${SLOTS - HELD_SLOTS} more rows`);
    const heldSlotIds: string[] = [];
    for (let i = 0; i < HELD_SLOTS; i++) {
      const slotId = `held-${String(i).padStart(3, '0')}`;
      const startsAt = new Date(now + (30 + i) * DAY_MS).toISOString();
      const response = await fetch(`${base}/v1/slots/${slotId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ activityId: activityOf(i), startsAt, capacity: 100_000, unitPrice: { amount: 4500, currency: 'BRL' } }),
      });
      if (response.status !== 201) throw new Error(`PUT /v1/slots/${slotId} → ${response.status} ${await response.text()}`);
      heldSlotIds.push(slotId);
    }
    await cluster.query(
      database,
      `INSERT INTO slot_availability (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
         unit_price_amount, unit_price_currency, version, updated_at, head_hash)
       SELECT $1, 'slot-' || lpad(i::text, 6, '0'), 'activity-' || lpad((i % ${ACTIVITIES})::text, 3, '0'),
              to_timestamp($2::double precision / 1000) + (i * interval '1 year' / $3::int), 20, i % 7, i % 5,
              4500, 'BRL', 1, now(), repeat('0', 64)
       FROM generate_series(1, $3::int - ${HELD_SLOTS}) AS i`,
      [TENANT, now, SLOTS],
    );
    await cluster.query(
      database,
      `INSERT INTO activity_view (tenant_id, activity_id, name, time_zone, locale, version, updated_at)
       SELECT $1, 'activity-' || lpad(i::text, 3, '0'), 'Activity ' || i, ($2::text[])[1 + i % array_length($2::text[], 1)], 'pt-BR', 1, now()
       FROM generate_series(0, ${ACTIVITIES - 1}) AS i`,
      [TENANT, ZONES],
    );
    await cluster.query(database, 'VACUUM ANALYZE slot_availability');
    await cluster.query(database, 'VACUUM ANALYZE activity_view');

    const tokens = Array.from({ length: HOLDERS }, (_, i) => mintToken(identity, { tenantId: TENANT, sub: `holder-${i}-${randomUUID()}` }));
    const weekFrom = new Date(now + 30 * DAY_MS).toISOString();
    const weekTo = new Date(now + 37 * DAY_MS).toISOString();
    const scenarios = [
      // A booking page's calendar: one activity, one week (about 20 departures, some of them being held).
      {
        name: 'one_activity_week',
        path: `/public/v1/tenants/${TENANT}/availability?activityId=${activityOf(7)}&from=${weekFrom}&to=${weekTo}`,
      },
      // The largest answer there is: every activity, the default window, cut at the item limit.
      { name: 'all_activities_default_window', path: `/public/v1/tenants/${TENANT}/availability` },
    ];

    for (const scenario of scenarios) {
      const first = await fetch(`${base}${scenario.path}`);
      const items = ((await first.json()) as { items: unknown[] }).items.length;
      progress(`availability: ${scenario.name}, ${READERS} readers (${items} items per answer) while ${HOLDERS} clients hold`);
      const [reads, holds] = await Promise.all([
        driver.run({
          kind: 'load',
          label: `availability_${scenario.name}`,
          baseUrl: base,
          concurrency: READERS,
          warmupMs: phases.warmupMs,
          measureMs: phases.measureMs,
          request: { type: 'get', path: scenario.path },
        }),
        driver.run({
          kind: 'load',
          label: `availability_${scenario.name}_holds`,
          baseUrl: base,
          concurrency: HOLDERS,
          warmupMs: phases.warmupMs,
          measureMs: phases.measureMs,
          request: { type: 'hold', slotIds: heldSlotIds, tokens, keyPrefix: `availability-${scenario.name}-${randomUUID()}` },
        }),
      ]);
      const summary = summarize(reads.latenciesMs);
      figures.push({
        name: `availability_${scenario.name}`,
        value: summary.p50_ms,
        unit: 'ms',
        ...summary,
        target_p99_ms: TARGET_P99_MS,
        pass: summary.p99_ms < TARGET_P99_MS,
        readers: READERS,
        items,
        slots: SLOTS,
        reads_per_s: reads.completed / reads.seconds,
        holds_per_s: holds.completed / holds.seconds,
      });
      checks.push({
        name: 'availability_statuses_check',
        scenario: scenario.name,
        ok: first.status === 200 && items > 0 && reads.statuses['200'] === reads.sent && holds.statuses['201'] === holds.sent,
        reads: reads.statuses,
        holds: holds.statuses,
        sample_errors: [...reads.sampleErrors, ...holds.sampleErrors].slice(0, 3),
      });
    }
  } finally {
    await server?.close();
    await commands.end();
    await systemPool.end();
    await pool.end();
    await cluster.query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
  return { figures, checks };
}
