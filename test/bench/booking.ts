import { randomUUID } from 'node:crypto';
import type { TestIdentity } from '../../src/identity/testing/tokens.js';
import { checkNoOverbooking } from './checks.js';
import type { BenchCluster } from './cluster.js';
import { cpuPerOperation, sampleCpu } from './cpu.js';
import { type Check, type Figure, type Phases, progress, summarize } from './figures.js';
import { defineSlots, startBenchLedger, type BenchLedger } from './ledger.js';
import type { LoadDriver } from './loadDriver.js';
import type { JobResult } from './loadProtocol.js';
import { countQueries, type QueryTally } from './queryProbe.js';

export const BOOKING_CLIENTS = 16;
export const SERVER_POOL_SIZE = 20;
export const SPREAD_SLOTS = 1_000;
/** The API caps capacity at 100,000 (defineSlotBody), far more than any run here can hold. */
const HOT_CAPACITY = 100_000;
const EXHAUSTION_CAPACITY = 20;
const EXHAUSTION_REQUESTS = 100;

export type BookingResults = {
  readonly hot: Figure;
  readonly spread: Figure;
  readonly figures: Figure[];
  readonly checks: Check[];
};

type Measured = { readonly result: JobResult; readonly cpu: ReturnType<typeof cpuPerOperation> };

/** Runs a job with the server's (this process's) and PostgreSQL's CPU sampled around it. */
async function measured(job: () => Promise<JobResult>): Promise<Measured> {
  const before = sampleCpu();
  const result = await job();
  const after = sampleCpu();
  return { result, cpu: cpuPerOperation(before, after, result.sent, { load_client: result.clientCpuMs }) };
}

function loadFigure(name: string, { result, cpu }: Measured, extra: Record<string, unknown> = {}): Figure {
  const ok = result.statuses['201'] ?? result.statuses['200'] ?? 0;
  return {
    name,
    value: result.completed / result.seconds,
    unit: 'ops/s',
    ...summarize(result.latenciesMs),
    clients: BOOKING_CLIENTS,
    requests: result.completed,
    seconds: result.seconds,
    sent_incl_warmup: result.sent,
    ok_responses: ok,
    statuses: result.statuses,
    ...(Object.keys(result.codes).length > 0 ? { codes: result.codes } : {}),
    ...(result.sampleErrors.length > 0 ? { sample_errors: result.sampleErrors } : {}),
    ...cpu,
    ...extra,
  };
}

/** Every request of a load run must have been answered as expected (only 201s for holds that cannot fill). */
function requestCheck(scenario: string, result: JobResult, expectedStatus: number): Check {
  const unexpected = Object.entries(result.statuses).filter(([status]) => Number(status) !== expectedStatus);
  return {
    name: 'request_status_check',
    ok: unexpected.length === 0 && result.sent > 0,
    scenario,
    expected: expectedStatus,
    statuses: result.statuses,
    ...(result.sampleErrors.length > 0 ? { sample_errors: result.sampleErrors } : {}),
  };
}

async function withLedger<T>(
  cluster: BenchCluster,
  database: string,
  identity: TestIdentity,
  work: (ledger: BenchLedger) => Promise<T>,
): Promise<T> {
  const ledger = await startBenchLedger(cluster, database, { poolSize: SERVER_POOL_SIZE, customers: BOOKING_CLIENTS, identity });
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

async function holdLoad(
  driver: LoadDriver,
  ledger: BenchLedger,
  label: string,
  slotIds: readonly string[],
  phases: Phases,
  concurrency = BOOKING_CLIENTS,
): Promise<JobResult> {
  return driver.run({
    kind: 'load',
    label,
    baseUrl: ledger.url,
    concurrency,
    warmupMs: phases.warmupMs,
    measureMs: phases.measureMs,
    request: { type: 'hold', slotIds, tokens: ledger.customerTokens, keyPrefix: `${label}-${randomUUID()}` },
  });
}

/**
 * Holds through the real HTTP server, 16 concurrent clients (each its own customer, keep-alive
 * connection, unique Idempotency-Key per request, 1 seat): one hot slot, then 1,000 slots; then a
 * 20-seat slot hit by 100 requests at once. Every scenario ends with the SQL overbooking check.
 */
export async function benchBooking(
  cluster: BenchCluster,
  driver: LoadDriver,
  identity: TestIdentity,
  phases: Phases,
  suffix = '',
): Promise<BookingResults> {
  const figures: Figure[] = [];
  const checks: Check[] = [];
  const hotName = `hold_hot_slot${suffix}`;
  const spreadName = `hold_spread_1000_slots${suffix}`;

  const hot = await withLedger(cluster, 'bench_booking_hot', identity, async (ledger) => {
    const slotId = 'bench-hot-slot';
    await defineSlots(ledger, [slotId], HOT_CAPACITY);
    await cluster.query(ledger.database, 'VACUUM ANALYZE');
    progress(`booking hot${suffix}: ${BOOKING_CLIENTS} clients on one slot via ${ledger.url}`);
    const run = await measured(() => holdLoad(driver, ledger, hotName, [slotId], phases));
    const result = run.result;
    const figure = loadFigure(hotName, run, { slots: 1 });
    checks.push(requestCheck(hotName, result, 201));
    checks.push(await checkNoOverbooking(cluster, ledger.database, hotName, result.createdPerSlot));
    return figure;
  });
  figures.push(hot);

  const spread = await withLedger(cluster, 'bench_booking_spread', identity, async (ledger) => {
    const slotIds = Array.from({ length: SPREAD_SLOTS }, (_, index) => `bench-slot-${String(index).padStart(4, '0')}`);
    progress(`booking spread${suffix}: defining ${SPREAD_SLOTS} slots`);
    await defineSlots(ledger, slotIds, HOT_CAPACITY);
    await cluster.query(ledger.database, 'VACUUM ANALYZE');
    progress(`booking spread${suffix}: ${BOOKING_CLIENTS} clients over ${SPREAD_SLOTS} slots`);
    const run = await measured(() => holdLoad(driver, ledger, spreadName, slotIds, phases));
    const result = run.result;
    const figure = loadFigure(spreadName, run, { slots: SPREAD_SLOTS });
    checks.push(requestCheck(spreadName, result, 201));
    checks.push(await checkNoOverbooking(cluster, ledger.database, spreadName, result.createdPerSlot));
    return figure;
  });
  figures.push(spread);

  await withLedger(cluster, 'bench_booking_exhaustion', identity, async (ledger) => {
    const slotId = 'bench-small-slot';
    await defineSlots(ledger, [slotId], EXHAUSTION_CAPACITY);
    progress(`exhaustion${suffix}: ${EXHAUSTION_REQUESTS} concurrent holds on a ${EXHAUSTION_CAPACITY}-seat slot`);
    const result = await driver.run({
      kind: 'burst',
      label: 'exhaustion',
      baseUrl: ledger.url,
      count: EXHAUSTION_REQUESTS,
      slotId,
      tokens: ledger.customerTokens,
      keyPrefix: `exhaustion-${randomUUID()}`,
    });
    const created = result.statuses['201'] ?? 0;
    const full = result.codes.slot_full ?? 0;
    const conflicts = result.statuses['409'] ?? 0;
    checks.push({
      name: 'exhaustion_check',
      scenario: `exhaustion${suffix}`,
      ok: created === EXHAUSTION_CAPACITY && conflicts === EXHAUSTION_REQUESTS - EXHAUSTION_CAPACITY && full === conflicts,
      capacity: EXHAUSTION_CAPACITY,
      requests: EXHAUSTION_REQUESTS,
      created_201: created,
      slot_full_409: full,
      statuses: result.statuses,
      ...summarize(result.latenciesMs),
      ...(result.sampleErrors.length > 0 ? { sample_errors: result.sampleErrors } : {}),
    });
    checks.push(await checkNoOverbooking(cluster, ledger.database, `exhaustion${suffix}`, result.createdPerSlot));
  });

  return { hot, spread, figures, checks };
}

function probeFields(tally: QueryTally, holds: number): Record<string, unknown> {
  const per = (value: number) => (holds > 0 ? Math.round((value / holds) * 100) / 100 : null);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    queries_per_hold: per(tally.queries),
    db_wait_ms_per_hold: per(tally.totalMs),
    statements_per_hold: Object.fromEntries(Object.entries(tally.byStatement).map(([label, count]) => [label, per(count)])),
    ...(tally.lock
      ? {
          lock_hold_ms: {
            p50: round(tally.lock.hold.p50_ms),
            p99: round(tally.lock.hold.p99_ms),
            mean: round(tally.lock.hold.mean_ms),
            db_wait_mean: round(tally.lock.dbMsMean),
            js_and_event_loop_mean: round(tally.lock.jsMsMean),
            statements_under_lock: round(tally.lock.statementsMean),
          },
        }
      : {}),
  };
}

/**
 * Where a hold's time goes, for the report: the HTTP layer alone (GET /health: no auth, one query;
 * GET /v1/slots/:id: token verification + one query) under the same 16 clients, and one client
 * booking alone with every query the server sends counted.
 */
export async function benchDiagnostics(
  cluster: BenchCluster,
  driver: LoadDriver,
  identity: TestIdentity,
  phases: Phases,
): Promise<{ figures: Figure[]; checks: Check[] }> {
  const short: Phases = { warmupMs: Math.min(phases.warmupMs, 500), measureMs: Math.min(phases.measureMs, 2_000) };
  return withLedger(cluster, 'bench_diagnostics', identity, async (ledger) => {
    const figures: Figure[] = [];
    const checks: Check[] = [];
    const slotId = 'bench-diag-slot';
    await defineSlots(ledger, [slotId], HOT_CAPACITY);

    progress('diagnostics: GET /health and GET /v1/slots/:id with 16 clients');
    const health = await measured(() =>
      driver.run({
        kind: 'load',
        label: 'diag_http_health',
        baseUrl: ledger.url,
        concurrency: BOOKING_CLIENTS,
        ...short,
        request: { type: 'get', path: '/health' },
      }),
    );
    figures.push(loadFigure('diag_http_health', health));
    checks.push(requestCheck('diag_http_health', health.result, 200));
    const readSlot = await measured(() =>
      driver.run({
        kind: 'load',
        label: 'diag_get_slot',
        baseUrl: ledger.url,
        concurrency: BOOKING_CLIENTS,
        ...short,
        request: { type: 'get', path: `/v1/slots/${slotId}`, token: ledger.customerTokens[0]! },
      }),
    );
    figures.push(loadFigure('diag_get_slot_authenticated', readSlot));
    checks.push(requestCheck('diag_get_slot', readSlot.result, 200));

    progress('diagnostics: one client booking alone, counting queries');
    const { result: aloneRun, tally } = await countQueries(() =>
      measured(() => holdLoad(driver, ledger, 'diag_hold_single_client', [slotId], short, 1)),
    );
    const alone = aloneRun.result;
    figures.push(loadFigure('diag_hold_single_client', aloneRun, { clients: 1, ...probeFields(tally, alone.sent) }));
    checks.push(requestCheck('diag_hold_single_client', alone, 201));

    progress('diagnostics: 16 clients on one slot, timing the row lock');
    const { result: hotRun, tally: hotTally } = await countQueries(() =>
      measured(() => holdLoad(driver, ledger, 'diag_hold_hot_lock_probe', [slotId], short)),
    );
    figures.push(loadFigure('diag_hold_hot_lock_probe', hotRun, probeFields(hotTally, hotRun.result.sent)));
    checks.push(requestCheck('diag_hold_hot_lock_probe', hotRun.result, 201));
    const createdPerSlot = { [slotId]: (alone.createdPerSlot[slotId] ?? 0) + (hotRun.result.createdPerSlot[slotId] ?? 0) };
    checks.push(await checkNoOverbooking(cluster, ledger.database, 'diagnostics', createdPerSlot));
    return { figures, checks };
  });
}
