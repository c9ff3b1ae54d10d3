import type { DatabasePool } from '../db/pool.js';
import type { Consumer } from './consumer.js';
import { listenForCommits, type LogListener } from './logListener.js';
import { DEFAULT_BATCH_SIZE, processNextBatch } from './processNextBatch.js';
import { createWaker } from './waker.js';

export type RunConsumerOptions = {
  /** When given, a LISTEN connection wakes the consumer as soon as events commit. */
  readonly databaseUrl?: string;
  /** The fallback: how long to sleep when idle and no notification comes. */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  readonly clock?: () => Date;
  /** A failed batch was rolled back and will be retried after the next wake-up; never thrown away silently. */
  readonly onError: (error: unknown, consumer: string) => void;
  /** The LISTEN connection was lost and is listening again (after `attempt` tries): worth a log line. */
  readonly onListenerRestored?: (consumer: string, attempt: number) => void;
};

export type RunningConsumer = {
  readonly name: string;
  /** Resolves once the batch in progress (if any) has committed or rolled back. */
  stop(): Promise<void>;
};

const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * Runs a consumer until stopped: batch after batch while there is work, then a sleep that a
 * commit notification or the poll interval ends. Restarting it anywhere continues from its
 * checkpoint, since the checkpoint is the only state it keeps.
 */
const NOTICE_RETRY_MS = 50;
const NOTICE_RETRIES = 100;

export async function runConsumer(pool: DatabasePool, consumer: Consumer, options: RunConsumerOptions): Promise<RunningConsumer> {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const waker = createWaker();

  let listener: LogListener | null = null;
  if (options.databaseUrl) {
    listener = await listenForCommits(options.databaseUrl, {
      onCommit: () => waker.notify(),
      onError: (error) => options.onError(error, consumer.name),
      onRestored: (attempt) => options.onListenerRestored?.(consumer.name, attempt),
    });
  }

  const loop = async () => {
    // Notified commits not yet read: the gap-safe read holds events back while any older transaction
    // in the cluster is still open, so after a notification that found nothing, look again soon
    // instead of waiting a whole poll interval.
    let noticeRetries = 0;
    while (!waker.stopped) {
      if (waker.takeNotice()) noticeRetries = NOTICE_RETRIES;
      let full = false;
      let handled = false;
      try {
        const outcome = await processNextBatch(pool, consumer, { batchSize, clock: options.clock });
        handled = outcome.kind === 'handled' && outcome.events > 0;
        full = outcome.kind === 'handled' && outcome.events === batchSize;
      } catch (error) {
        options.onError(error, consumer.name);
      }
      if (handled) noticeRetries = 0;
      // A full batch means more may be waiting: read on without sleeping.
      if (full) continue;
      if (noticeRetries > 0) {
        noticeRetries -= 1;
        await waker.sleep(NOTICE_RETRY_MS);
      } else {
        await waker.sleep(pollIntervalMs);
      }
    }
  };
  const running = loop();

  return {
    name: consumer.name,
    async stop() {
      waker.stop();
      await running;
      await listener?.close();
    },
  };
}
