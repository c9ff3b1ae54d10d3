import type { Consumer } from '../consumers/consumer.js';
import { listenForCommits, type LogListener } from '../consumers/logListener.js';
import { processNextBatch } from '../consumers/processNextBatch.js';
import { createWaker } from '../consumers/waker.js';
import type { DatabasePool } from '../db/pool.js';
import { MirrorDivergenceError } from './errors.js';

/** Events per batch: one read of the log, one round of appends, one checkpoint. */
export const MIRROR_BATCH_SIZE = 2_000;

export type Backoff = {
  /** The wait after the first failed batch; doubled after each further one. */
  readonly firstDelayMs: number;
  /** The longest wait between two tries. */
  readonly maxDelayMs: number;
};

export const DEFAULT_BACKOFF: Backoff = { firstDelayMs: 250, maxDelayMs: 30_000 };

export type RunMirrorOptions = {
  /** When given, a LISTEN connection wakes the mirror as soon as events commit (live mode). */
  readonly databaseUrl?: string;
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  readonly backoff?: Backoff;
  /** A batch failed (the server is down, a timeout): it was rolled back and is tried again after a backoff. */
  readonly onRetry: (error: unknown, attempt: number, delayMs: number) => void;
  /** The LISTEN connection failed; it listens again on its own, and the poll interval covers the meantime. */
  readonly onListenerError: (error: Error) => void;
  /** The mirror stopped for good: it diverges from the ledger at the error's stream. */
  readonly onHalted: (error: MirrorDivergenceError) => void;
};

export type RunningMirror = {
  /** Resolves once the batch in flight has committed or rolled back. */
  stop(): Promise<void>;
  /** Resolves when the mirror ends: with the divergence that halted it, or null once stopped. */
  readonly ended: Promise<MirrorDivergenceError | null>;
};

const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** The wait before try number `attempt` (1, 2, …): exponential, capped, with jitter so replicas do not retry in step. */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs the mirror consumer until stopped or halted: batch after batch while the log has more
 * (catch-up), then a sleep that a commit notification or the poll interval ends (live). A failed
 * batch waits a growing backoff before the next try; a divergence ends the run, since repeating it
 * would fail the same way and going past it would paper over it.
 */
export async function runMirror(pool: DatabasePool, mirror: Consumer, options: RunMirrorOptions): Promise<RunningMirror> {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const batchSize = options.batchSize ?? MIRROR_BATCH_SIZE;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const waker = createWaker();

  let listener: LogListener | null = null;
  if (options.databaseUrl) {
    listener = await listenForCommits(options.databaseUrl, { onCommit: () => waker.notify(), onError: options.onListenerError });
  }

  const loop = async (): Promise<MirrorDivergenceError | null> => {
    let attempt = 0;
    while (!waker.stopped) {
      waker.takeNotice();
      let full = false;
      try {
        const outcome = await processNextBatch(pool, mirror, { batchSize });
        attempt = 0;
        full = outcome.kind === 'handled' && outcome.events === batchSize;
      } catch (error) {
        if (error instanceof MirrorDivergenceError) {
          options.onHalted(error);
          return error;
        }
        attempt += 1;
        const delayMs = backoffDelayMs(attempt, backoff);
        options.onRetry(error, attempt, delayMs);
        // A backoff is not cut short by commits: only the server coming back would help, and nothing says it did.
        await waker.sleep(delayMs, { endedByCommit: false });
        continue;
      }
      if (full) continue;
      await waker.sleep(pollIntervalMs);
    }
    return null;
  };
  const ended = loop().finally(() => listener?.close());

  return {
    ended,
    async stop() {
      waker.stop();
      await ended;
    },
  };
}
