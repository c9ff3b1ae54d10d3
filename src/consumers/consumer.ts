import type { Transaction } from '../db/transaction.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';

/**
 * An asynchronous reader of the global log. `handle` runs inside the transaction that also moves
 * the consumer's checkpoint past `events`, so its database effects are applied exactly once; an
 * effect outside the database (an e-mail) is at-least-once and must be idempotent on the event id.
 */
export type Consumer = {
  /** Unique and stable: it keys the checkpoint row. */
  readonly name: string;
  handle(tx: Transaction, events: readonly RecordedEvent[]): Promise<void>;
};
