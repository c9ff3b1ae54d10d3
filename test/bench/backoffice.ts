import { benchDeps } from './benchDeps.js';
import { benchRoutes } from './benchRoutes.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { type RebuildReport, rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { createCommandPool } from '../../src/db/commandPool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { createDatabasePool, type DatabasePool } from '../../src/db/pool.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { sql } from '../../src/db/sql.js';
import { buildServer } from '../../src/http/server.js';
import { createTestTokenVerifier, mintToken, type TestIdentity } from '../../src/identity/testing/tokens.js';
import type { BenchCluster } from './cluster.js';
import { type Check, type Figure, progress, summarize } from './figures.js';
import { activityOf, customerEmail, generateLedger } from './generateLedger.js';

/**
 * Issue 5's figures at scale: a ledger of BENCH_BACKOFFICE_EVENTS (default 1,000,000) events made by
 * the deciders, then (1) full rebuilds of the inline projections — the code path of
 * `npx ledger rebuild-projections` — in events/s (target ≥ 50,000): once into empty tables (every
 * row written), once over existing projections with 1,000 wrong rows (as an operator runs it), and (2) the backoffice lists
 * through the real HTTP server, first page and a page deep behind the cursor, p50/p99 (target < 50 ms).
 */

const REBUILD_TARGET_EVENTS_PER_S = 50_000;
const LIST_TARGET_MS = 50;
const TENANT = 'tenant-bench';
const SAMPLES = Number(process.env.BENCH_BACKOFFICE_SAMPLES ?? '30');
/** Pages of 200 walked to reach the "deep" cursor: 10,000 rows behind the first. */
const DEEP_PAGES = 50;

const scenarios: readonly { readonly name: string; readonly path: string }[] = [
  { name: 'reservations', path: '/v1/backoffice/reservations?' },
  { name: 'reservations_status_paid', path: '/v1/backoffice/reservations?status=paid' },
  { name: 'reservations_status_held', path: '/v1/backoffice/reservations?status=held' },
  { name: 'reservations_slot', path: '/v1/backoffice/reservations?slotId=slot-00042' },
  { name: 'reservations_activity', path: `/v1/backoffice/reservations?activityId=${activityOf(3)}` },
  { name: 'reservations_departure_day', path: '/v1/backoffice/reservations?from=2026-06-01&to=2026-06-01' },
  {
    name: 'reservations_departure_month_activity',
    path: `/v1/backoffice/reservations?from=2026-06-01&to=2026-06-30&activityId=${activityOf(5)}`,
  },
  { name: 'reservations_created_week', path: '/v1/backoffice/reservations?createdFrom=2026-03-01&createdTo=2026-03-07' },
  { name: 'reservations_email', path: `/v1/backoffice/reservations?email=${encodeURIComponent(customerEmail(123).toUpperCase())}` },
  { name: 'payments', path: '/v1/backoffice/payments?' },
  { name: 'payments_status_succeeded', path: '/v1/backoffice/payments?status=succeeded' },
  { name: 'payments_provider_pix', path: '/v1/backoffice/payments?provider=pix' },
  { name: 'payments_refunded_stripe', path: '/v1/backoffice/payments?status=refunded&provider=stripe' },
  { name: 'payments_created_week', path: '/v1/backoffice/payments?from=2026-03-01&to=2026-03-07' },
];

async function getJson(url: string, token: string): Promise<{ items: unknown[]; nextCursor: string | null }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} → ${response.status} ${text}`);
  return JSON.parse(text) as { items: unknown[]; nextCursor: string | null };
}

async function timeRequests(url: string, token: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES + 3; i++) {
    const began = performance.now();
    await getJson(url, token);
    if (i >= 3) latencies.push(performance.now() - began); // the first three warm the plan cache
  }
  return latencies;
}

const countRow = z.object({ n: z.number() });
/** Live rows damaged before the second rebuild, which must put back exactly these. */
const CORRUPTED_ROWS = 1_000;

function rebuildFigure(name: string, report: RebuildReport): Figure {
  return {
    name,
    value: report.eventsPerSecond,
    unit: 'events/s',
    target: REBUILD_TARGET_EVENTS_PER_S,
    pass: report.eventsPerSecond >= REBUILD_TARGET_EVENTS_PER_S,
    events: report.events,
    streams: report.streams,
    seconds: report.seconds,
    rows_removed: report.rowsRemoved,
    rows_written: report.rowsWritten,
  };
}

async function count(pool: DatabasePool, table: 'reservations_view' | 'payments_view' | 'slot_availability'): Promise<number> {
  // Every tenant's rows: a system read (ADR 0014).
  return withSystemTransaction(pool, (tx) => tx.oneFirst(sql.type(countRow)`SELECT count(*)::int AS n FROM ${sql.identifier([table])}`));
}

export async function benchBackoffice(cluster: BenchCluster, identity: TestIdentity): Promise<{ figures: Figure[]; checks: Check[] }> {
  const figures: Figure[] = [];
  const checks: Check[] = [];
  const target = Number(process.env.BENCH_BACKOFFICE_EVENTS ?? '1000000');
  const database = 'bench_backoffice';
  const url = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(url, { maximumPoolSize: 8 });
  const commands = createCommandPool(url, { maximumPoolSize: 2 });
  // The bench cluster's sessions log in as its owner; the system role is taken the same way as the app role.
  const systemPool = await createDatabasePool(url, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  let server: FastifyInstance | undefined;
  try {
    progress(`backoffice: generating ${target} events through the deciders`);
    const generationStarted = performance.now();
    const generated = await generateLedger(pool, {
      events: target,
      tenants: [
        { tenantId: TENANT, share: 0.9, currency: 'EUR' },
        { tenantId: 'tenant-bench-other', share: 0.1, currency: 'BRL' },
      ],
      slotsPerTenant: 3_000,
      activities: 25,
      customers: 30_000,
      onProgress: (events) => progress(`backoffice: ${events} events generated`),
    });
    await cluster.query(database, 'VACUUM ANALYZE events');
    progress(`backoffice: ${JSON.stringify(generated)} in ${((performance.now() - generationStarted) / 1000).toFixed(1)} s`);

    // The generator wrote events only, so the first run builds every row of empty projections.
    progress('backoffice: building every inline projection from empty tables (npx ledger rebuild-projections)');
    const built = await rebuildProjections(pool);
    figures.push(rebuildFigure('backoffice_build_from_empty_events_per_s', built));
    const rows = {
      reservations: await count(pool, 'reservations_view'),
      payments: await count(pool, 'payments_view'),
      slots: await count(pool, 'slot_availability'),
    };
    checks.push({
      name: 'backoffice_rebuild_check',
      ok:
        built.events === generated.events &&
        rows.reservations === generated.reservations &&
        rows.payments === generated.payments &&
        rows.slots === generated.slots,
      generated,
      rows,
    });
    // VACUUM runs alone (never in a multi-statement, implicitly transactional query).
    for (const table of ['reservations_view', 'payments_view', 'slot_availability'])
      await cluster.query(database, `VACUUM ANALYZE ${table}`);

    // As an operator runs it: over existing projections, some of which went wrong.
    await cluster.query(
      database,
      `UPDATE reservations_view SET seats = seats + 1 WHERE reservation_id IN (
      SELECT reservation_id FROM reservations_view ORDER BY reservation_id LIMIT ${CORRUPTED_ROWS})`,
    );
    progress(`backoffice: rebuilding over existing projections, ${CORRUPTED_ROWS} rows wrong`);
    const rebuilt = await rebuildProjections(pool);
    figures.push(rebuildFigure('backoffice_rebuild_events_per_s', rebuilt));
    checks.push({
      name: 'backoffice_rebuild_repairs_check',
      ok:
        rebuilt.rowsRemoved === CORRUPTED_ROWS &&
        rebuilt.rowsWritten === CORRUPTED_ROWS &&
        (await count(pool, 'reservations_view')) === generated.reservations,
      rows_removed: rebuilt.rowsRemoved,
      rows_written: rebuilt.rowsWritten,
    });
    await cluster.query(database, 'ANALYZE reservations_view; ANALYZE payments_view; ANALYZE slot_availability');

    const deps = benchDeps({ pool, systemPool, commands });
    server = await buildServer({
      verifier: createTestTokenVerifier(identity),
      users: createUserDirectory(pool, deps.clock),
      routes: benchRoutes(deps),
      rateLimits: { booking: false },
    });
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    const staff = mintToken(identity, { tenantId: TENANT, groups: ['staff'], sub: randomUUID(), email: 'staff@example.com' });

    for (const scenario of scenarios) {
      const first = `${base}${scenario.path}&limit=50`;
      const firstPage = await getJson(first, staff);
      const firstLatencies = await timeRequests(first, staff);
      figures.push(listFigure(scenario.name, 'first', firstLatencies, { rows: firstPage.items.length }));
      // Walk behind the first page, as far as the filter's rows reach, then time the page there.
      let cursor: string | null = null;
      let depth = 0;
      for (let page = 0; page < DEEP_PAGES; page++) {
        const walked: { items: unknown[]; nextCursor: string | null } = await getJson(
          `${base}${scenario.path}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          staff,
        );
        if (walked.nextCursor === null) break;
        depth += walked.items.length;
        cursor = walked.nextCursor;
      }
      if (cursor === null) continue;
      const deep = `${base}${scenario.path}&limit=50&cursor=${encodeURIComponent(cursor)}`;
      figures.push(listFigure(scenario.name, 'deep', await timeRequests(deep, staff), { depth }));
    }

    // The export streams a month of departures as JSON lines.
    const exportStarted = performance.now();
    const response = await fetch(`${base}/v1/backoffice/reservations/export?from=2026-06-01&to=2026-06-30`, {
      headers: { authorization: `Bearer ${staff}` },
    });
    const body = await response.text();
    const seconds = (performance.now() - exportStarted) / 1000;
    const lines = body.length === 0 ? 0 : body.trimEnd().split('\n').length;
    figures.push({ name: 'backoffice_export_month_rows_per_s', value: lines / seconds, unit: 'rows/s', rows: lines, seconds });
    checks.push({ name: 'backoffice_export_check', ok: response.status === 200 && lines > 0, status: response.status, rows: lines });
  } finally {
    await server?.close();
    await commands.end();
    await systemPool.end();
    await pool.end();
    await cluster.query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
  return { figures, checks };
}

function listFigure(scenario: string, page: 'first' | 'deep', latencies: readonly number[], extra: Record<string, number>): Figure {
  const summary = summarize(latencies);
  return {
    name: `backoffice_list_${scenario}_${page}`,
    value: summary.p50_ms,
    unit: 'ms',
    ...summary,
    target_ms: LIST_TARGET_MS,
    pass: summary.p99_ms < LIST_TARGET_MS,
    samples: latencies.length,
    ...extra,
  };
}
