import type { DatabasePool } from '../db/pool.js';
import { withSystemTransaction } from '../db/transaction.js';
import { positionOf, readGlobalLog } from '../ledger/readGlobalLog.js';
import type { Consumer } from './consumer.js';
import { lockCheckpoint, saveCheckpoint } from './consumerCheckpoint.js';

export const DEFAULT_BATCH_SIZE = 500;

export type BatchOutcome =
  /** `events` were handled and the checkpoint now stands after the last of them (0: caught up). */
  | { readonly kind: 'handled'; readonly events: number }
  /** Another instance of this consumer holds its checkpoint; nothing was read. */
  | { readonly kind: 'busy' };

/**
 * Reads the next batch after the consumer's checkpoint and, in one transaction, lets the consumer
 * apply it and moves the checkpoint. A failure anywhere rolls both back, so the batch is read again
 * next time and its effects land once. `readGlobalLog` only returns events of transactions older
 * than every running one, so an event that commits late is never stepped over. Consumers follow
 * the whole log, every tenant's, so the batch runs as the system role (ADR 0014).
 */
export async function processNextBatch(
  pool: DatabasePool,
  consumer: Consumer,
  options: { readonly batchSize?: number; readonly clock?: () => Date } = {},
): Promise<BatchOutcome> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const clock = options.clock ?? (() => new Date());
  return withSystemTransaction(pool, async (tx) => {
    const position = await lockCheckpoint(tx, consumer.name);
    if (!position) return { kind: 'busy' } as const;
    const events = await readGlobalLog(tx, position, batchSize);
    const last = events[events.length - 1];
    if (!last) return { kind: 'handled', events: 0 } as const;
    await consumer.handle(tx, events);
    await saveCheckpoint(tx, consumer.name, positionOf(last), clock());
    return { kind: 'handled', events: events.length } as const;
  });
}

/** Handles batches until the consumer has taken every event visible now (tests, CLI, rebuilds). */
export async function catchUp(pool: DatabasePool, consumer: Consumer, options: { readonly batchSize?: number } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const outcome = await processNextBatch(pool, consumer, options);
    if (outcome.kind === 'busy') throw new ConsumerBusyError(consumer.name);
    if (outcome.events === 0) return total;
    total += outcome.events;
  }
}

/** Another process runs this consumer right now; catching up here would only wait on it. */
export class ConsumerBusyError extends Error {
  override readonly name = 'ConsumerBusyError';
  constructor(readonly consumer: string) {
    super(`consumer ${consumer} is being run by another instance`);
  }
}
