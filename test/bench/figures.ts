/**
 * What the bench prints: one JSON object per line on stdout (figures, ratios, checks), so a run can
 * be piped into `jq` or compared with an earlier one. Progress and diagnostics go to stderr.
 */

export type LatencySummary = {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly mean_ms: number;
  readonly max_ms: number;
};

export type Figure = {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
} & Partial<LatencySummary> &
  Readonly<Record<string, unknown>>;

export type Ratio = {
  readonly name: string;
  readonly value: number;
  readonly target: number;
  readonly pass: boolean;
  readonly numerator: string;
  readonly denominator: string;
};

export type Check = { readonly name: string; readonly ok: boolean } & Readonly<Record<string, unknown>>;

const round = (value: number, digits = 2) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export function printLine(line: Readonly<Record<string, unknown>>): void {
  const rounded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(line)) {
    const digits = key === 'value' && typeof value === 'number' && Math.abs(value) >= 10 ? 1 : 3;
    rounded[key] = typeof value === 'number' && !Number.isInteger(value) ? round(value, digits) : value;
  }
  process.stdout.write(`${JSON.stringify(rounded)}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

/** Nearest-rank percentile of an already sorted array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    mean_ms: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    max_ms: sorted.at(-1) ?? Number.NaN,
  };
}

/** One round of the booking bench: a figure and the baseline measured right before it. */
export type Pair = { readonly measured: Figure; readonly baseline: Figure };

/**
 * measured ÷ baseline, round by round, and the median of those ratios.
 *
 * Each round measures the baseline and then booking, one right after the other: on a machine whose
 * speed drifts (a shared VM here runs the same fixed workload 30 % faster or slower from one minute
 * to the next), a ratio of two runs far apart measures the drift as much as the code. The median
 * of the rounds' ratios keeps one slow or fast moment from deciding the result either way. Every
 * round's ratio is printed, the worst among them.
 */
export function pairedRatio(name: string, pairs: readonly Pair[], target: number): Ratio & { rounds: number[]; worst: number } {
  if (pairs.length === 0) throw new Error(`${name}: no rounds to compare`);
  const ratios = pairs.map(({ measured, baseline }) => (baseline.value > 0 ? measured.value / baseline.value : 0));
  const value = median(ratios);
  return {
    name,
    value: round(value, 3),
    target,
    pass: value >= target,
    numerator: pairs[0]!.measured.name,
    denominator: pairs[0]!.baseline.name,
    rounds: ratios.map((ratio) => round(ratio, 3)),
    worst: round(Math.min(...ratios), 3),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The measured window of a fixed-duration run: warm-up first, then `measureMs`. */
export type Phases = { readonly warmupMs: number; readonly measureMs: number };

/**
 * Three seconds of warm-up by default: the server's JavaScript takes a few thousand requests to be
 * compiled by V8's optimising tier, and a server is measured as it runs, warm. With one second the
 * hot-slot holds measured about a fifth lower (490 against 606/s in two runs of the same code).
 */
export function phasesFromEnv(): Phases {
  const seconds = Number(process.env.BENCH_SECONDS ?? '5');
  const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? '3');
  if (!(seconds > 0) || !(warmup >= 0)) throw new Error('BENCH_SECONDS must be > 0 and BENCH_WARMUP_SECONDS >= 0');
  return { warmupMs: warmup * 1000, measureMs: seconds * 1000 };
}

/**
 * Runs `workers` loops of `step` until warm-up + measure has passed; only operations that both start
 * and finish inside the measured window count towards throughput and latency. Every loop is bounded
 * by the deadline; a failing step stops the run.
 */
export async function runTimed(
  workers: number,
  phases: Phases,
  step: (worker: number, iteration: number) => Promise<void>,
): Promise<{ readonly completed: number; readonly seconds: number; readonly latencies: number[]; readonly total: number }> {
  const start = performance.now();
  const measureFrom = start + phases.warmupMs;
  const deadline = measureFrom + phases.measureMs;
  const latencies: number[] = [];
  let total = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const began = performance.now();
        await step(worker, iteration);
        const ended = performance.now();
        total++;
        if (began >= measureFrom && ended <= deadline) latencies.push(ended - began);
      }
    }),
  );
  return { completed: latencies.length, seconds: phases.measureMs / 1000, latencies, total };
}
