import type { DatabasePool } from 'slonik';
import { sql } from '../db/sql.js';

/** The channel consumers LISTEN on to learn that new events have committed. */
export const LOG_CHANNEL = 'ledger_events';

/** Transactions (their connection objects) that appended events and have not committed yet. */
const appendingTransactions = new WeakSet<object>();

/** Called by every writer of the log: the transaction `db` appended events. */
export function markAppended(db: object): void {
  appendingTransactions.add(db);
}

/** Whether the transaction appended events (asked once, after it committed). */
export function appendedIn(db: object): boolean {
  const appended = appendingTransactions.has(db);
  appendingTransactions.delete(db);
  return appended;
}

type Notifier = { inFlight: boolean; again: boolean };
const notifiers = new WeakMap<DatabasePool, Notifier>();

/**
 * Wakes the log's listeners after a transaction that appended events has committed.
 *
 * Why not NOTIFY inside the appending transaction (a trigger did that before migration 0021):
 * PostgreSQL serialises the commits of all transactions that issued a NOTIFY with one
 * database-wide lock held through the commit's WAL flush, so every booking and webhook — on any
 * slot — would commit one at a time. Here the NOTIFY is a statement of its own, after the commit,
 * and at most one is in flight per pool: commits that land meanwhile are covered by one more
 * notification when it returns. Listeners read the log from their checkpoint, so one wake-up for
 * many commits loses nothing, and consumers still poll for notifications that never arrive.
 */
export function noticeLogCommitted(pool: DatabasePool): void {
  const notifier = notifiers.get(pool) ?? { inFlight: false, again: false };
  notifiers.set(pool, notifier);
  if (notifier.inFlight) {
    notifier.again = true;
    return;
  }
  notifier.inFlight = true;
  const send = (): void => {
    notifier.again = false;
    pool.query(sql.typeAlias('void')`SELECT FROM pg_notify(${LOG_CHANNEL}, '')`).then(
      () => {
        if (notifier.again) send();
        else notifier.inFlight = false;
      },
      (error: unknown) => {
        notifier.inFlight = false;
        // Nobody awaits a wake-up: a lost one only delays consumers until their next poll, so it is reported, not thrown.
        process.emitWarning(new Error('could not notify the log listeners of a commit', { cause: error }));
      },
    );
  };
  send();
}
