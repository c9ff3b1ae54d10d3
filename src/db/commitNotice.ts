import type { DatabasePool } from './pool.js';
import { sql } from './sql.js';

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

/** After a commit: wakes the log's listeners if the transaction `db` appended events. */
export function noticeIfAppended(pool: DatabasePool, db: object): void {
  if (appendedIn(db)) noticeLogCommitted(pool);
}

/**
 * Notifications are rate-limited: consumers wake at most this often from one process, however many
 * commits land. A NOTIFY is itself a transaction with a commit to flush, so one per command would
 * double the commits of the write path; a consumer behind by a few milliseconds reads them all.
 */
export const NOTIFY_INTERVAL_MS = 20;

type Notifier = { pending: boolean; busy: boolean; lastSentAt: number };
const notifiers = new WeakMap<DatabasePool, Notifier>();

/**
 * Wakes the log's listeners after a transaction that appended events has committed.
 *
 * Why not NOTIFY inside the appending transaction (a trigger did that before migration 0021):
 * PostgreSQL serialises the commits of all transactions that issued a NOTIFY with one
 * database-wide lock held through the commit's WAL flush, so every booking and webhook — on any
 * slot — would commit one at a time. Here the NOTIFY is a statement of its own, after the commit:
 * at most one is in flight per pool, at most one per NOTIFY_INTERVAL_MS, and commits that land
 * meanwhile are covered by the next one. Listeners read the log from their checkpoint, so one
 * wake-up for many commits loses nothing, and consumers still poll for notifications that never arrive.
 */
export function noticeLogCommitted(pool: DatabasePool): void {
  const notifier = notifiers.get(pool) ?? { pending: false, busy: false, lastSentAt: -Infinity };
  notifiers.set(pool, notifier);
  notifier.pending = true;
  if (!notifier.busy) schedule(pool, notifier);
}

function schedule(pool: DatabasePool, notifier: Notifier): void {
  notifier.busy = true;
  const wait = notifier.lastSentAt + NOTIFY_INTERVAL_MS - performance.now();
  // Unref'd: a wake-up still due must not keep a finished process alive (consumers poll anyway).
  if (wait > 0) setTimeout(() => send(pool, notifier), wait).unref();
  else send(pool, notifier);
}

function send(pool: DatabasePool, notifier: Notifier): void {
  // A pool closing down (shutdown, the end of a test) has no one left to wake in this process.
  if (pool.state().state !== 'ACTIVE') {
    notifier.busy = false;
    return;
  }
  notifier.pending = false;
  notifier.lastSentAt = performance.now();
  pool.query(sql.typeAlias('void')`SELECT FROM pg_notify(${LOG_CHANNEL}, '')`).then(
    () => {
      if (notifier.pending) schedule(pool, notifier);
      else notifier.busy = false;
    },
    (error: unknown) => {
      notifier.busy = false;
      // Nobody awaits a wake-up: a lost one only delays consumers until their next poll, so it is reported, not thrown.
      process.emitWarning(new Error('could not notify the log listeners of a commit', { cause: error }));
    },
  );
}
