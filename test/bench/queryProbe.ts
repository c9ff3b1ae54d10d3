import pg from 'pg';
import { summarize, type LatencySummary } from './figures.js';

export type QueryTally = {
  readonly queries: number;
  /** Wall time from sending each query to its answer (event-loop delay included), summed. */
  readonly totalMs: number;
  /** Statements by their first word(s), e.g. `INSERT events`, `COMMIT`. */
  readonly byStatement: Readonly<Record<string, number>>;
  /**
   * Row-lock hold per transaction that ran a `… FOR UPDATE`: from that query's answer to the
   * COMMIT/ROLLBACK answer, split into time waiting on PostgreSQL (queries in flight) and the rest
   * (JavaScript and event-loop delay between queries), with the number of statements sent meanwhile.
   */
  readonly lock: {
    readonly transactions: number;
    readonly hold: LatencySummary;
    readonly dbMsMean: number;
    readonly jsMsMean: number;
    readonly statementsMean: number;
  } | null;
};

function statementLabel(text: string): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const verb = (words[0] ?? '').toUpperCase();
  const upper = words.map((word) => word.toUpperCase());
  const anchor = verb === 'INSERT' ? upper.indexOf('INTO') : verb === 'UPDATE' ? 0 : upper.indexOf('FROM');
  const target = anchor >= 0 ? (words[anchor + 1] ?? '').replace(/[^\w]/g, '') : '';
  const forUpdate = /FOR UPDATE/i.test(text) ? ' FOR UPDATE' : '';
  return `${verb}${target ? ` ${target}` : ''}${forUpdate}`;
}

type LockState = { since: number; dbMs: number; statements: number };

/**
 * Counts every query this process sends through `pg` (which slonik drives) while `work` runs, so
 * the bench can say how many statements one request sends and how long a slot's row lock is held.
 * On the command pool (ADR 0018) statements sent together share a round trip, so the statement
 * count is higher than the round trips, and the lock-hold split into database and JavaScript time
 * overlaps.
 * Diagnostic only: it wraps `pg.Client.prototype.query` and restores it afterwards.
 */
export async function countQueries<T>(work: () => Promise<T>): Promise<{ result: T; tally: QueryTally }> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const byStatement: Record<string, number> = {};
  const locks = new WeakMap<object, LockState>();
  const holds: number[] = [];
  let lockDbMs = 0;
  let lockJsMs = 0;
  let lockStatements = 0;
  let queries = 0;
  let totalMs = 0;
  prototype.query = function (this: object, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
    const label = typeof text === 'string' ? statementLabel(text) : 'other';
    byStatement[label] = (byStatement[label] ?? 0) + 1;
    queries++;
    const began = performance.now();
    const returned = original.apply(this, args);
    if (!returned || typeof (returned as Promise<unknown>).then !== 'function') return returned;
    return (returned as Promise<unknown>).finally(() => {
      const ended = performance.now();
      totalMs += ended - began;
      const held = locks.get(this);
      if (held) {
        held.dbMs += ended - began;
        held.statements++;
        if (label === 'COMMIT' || label === 'ROLLBACK') {
          const hold = ended - held.since;
          holds.push(hold);
          lockDbMs += held.dbMs;
          lockJsMs += hold - held.dbMs;
          lockStatements += held.statements;
          locks.delete(this);
        }
      } else if (label.endsWith('FOR UPDATE')) {
        locks.set(this, { since: ended, dbMs: 0, statements: 0 });
      }
    });
  };
  try {
    const result = await work();
    const n = holds.length;
    return {
      result,
      tally: {
        queries,
        totalMs,
        byStatement,
        lock:
          n === 0
            ? null
            : {
                transactions: n,
                hold: summarize(holds),
                dbMsMean: lockDbMs / n,
                jsMsMean: lockJsMs / n,
                statementsMean: lockStatements / n,
              },
      },
    };
  } finally {
    prototype.query = original;
  }
}
