import { randomUUID } from 'node:crypto';
import type { DatabasePool } from '../../src/db/pool.js';
import { withTransaction } from '../../src/db/transaction.js';
import { appendToStream, type NewEvent } from '../../src/ledger/testing/appendToStream.js';
import type { Consumer } from '../../src/consumers/consumer.js';
import { consumerLag } from '../../src/consumers/consumerLag.js';
import { catchUp, processNextBatch } from '../../src/consumers/processNextBatch.js';

/** Appends `events` as a new stream (or at `expectedVersion`) in its own transaction. */
export async function appendEvents(
  pool: DatabasePool,
  options: { tenantId?: string; streamId?: string; expectedVersion?: number; events: NewEvent[]; recordedAt?: string },
): Promise<string> {
  const streamId = options.streamId ?? `test-${randomUUID()}`;
  const tenantId = options.tenantId ?? 'tenant-a';
  await withTransaction(
    pool,
    (tx) =>
      appendToStream(tx, {
        tenantId,
        streamId,
        expectedVersion: options.expectedVersion ?? 0,
        recordedAt: options.recordedAt ?? new Date().toISOString(),
        events: options.events,
      }),
    { tenantId },
  );
  return streamId;
}

/** Polls `check` until it holds, failing the test after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Catches the consumer up until no committed event is left behind it. `catchUp` alone may stop
 * short while any transaction in the cluster (another test file's) is still open: the gap-safe
 * read waits for it, by design.
 */
export async function drain(pool: DatabasePool, consumer: Consumer, timeoutMs = 10_000): Promise<number> {
  let total = 0;
  await eventually(
    async () => {
      total += await catchUp(pool, consumer);
      const lag = (await consumerLag(pool, [consumer.name])).find((c) => c.name === consumer.name);
      return lag?.lag === 0;
    },
    timeoutMs,
    `consumer ${consumer.name} to catch up`,
  );
  return total;
}

/** Runs one batch of a consumer that dies before its checkpoint, once the events are visible to it. */
export async function crashOnce(pool: DatabasePool, crashing: Consumer, message: string): Promise<void> {
  await eventually(
    async () => {
      const outcome = await processNextBatch(pool, crashing).then(
        () => 'nothing to read',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (outcome !== message && outcome !== 'nothing to read') throw new Error(outcome);
      return outcome === message;
    },
    10_000,
    'the crashing batch',
  );
}
