import type { DatabasePoolConnection } from 'slonik';
import type { DatabasePool } from './pool.js';
import { z } from 'zod';
import type { Queries } from './queries.js';
import { APP_ROLE, SYSTEM_ROLE } from './roles.js';
import { noticeIfAppended } from './commitNotice.js';
import { sql } from './sql.js';

/**
 * A transaction's handle: the query methods only. No nested transactions (and no slonik
 * `transaction`, whose AsyncLocalStorage withTransaction keeps out of the process).
 */
export type Transaction = Queries;

export type TransactionOptions = {
  /** Sets `app.tenant_id` for this transaction only, which the row-level security policies read. */
  readonly tenantId?: string;
  /** One snapshot for every statement (verify, checkpoints): must be the transaction's first statement. */
  readonly repeatableRead?: boolean;
  /** Cross-tenant system work (ADR 0014): the transaction takes the `ledger_system` role first. */
  readonly system?: boolean;
};

/**
 * A one-row FROM item that sets `app.tenant_id` for the rest of the transaction as the row is
 * produced. A command's first statement can select from it instead of paying a round trip for
 * `set_config` alone; the statement's own writes then run with the tenant already set (their
 * rows come from this one). Pass no `tenantId` to `withTransaction` when the work does this.
 */
export function tenantSettingSource(tenantId: string) {
  return sql.fragment`(SELECT set_config('app.tenant_id', ${tenantId}, true) AS tenant_id) AS tenant_setting`;
}

/** A first try and slonik's default `transactionRetryLimit` of five more, as slonik's own transactions had. */
export const TRANSACTION_ATTEMPTS = 6;

/** Serialization failures and deadlocks (SQLSTATE class 40): the transaction rolled back, and running it again may succeed. */
export function isTransactionRollback(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('40');
}

type Attempt<T> = { readonly committed: true; readonly value: T } | { readonly committed: false; readonly error: unknown };

/**
 * The one place a transaction begins and ends. Serialization failures and deadlocks are retried
 * (TRANSACTION_ATTEMPTS in all); every other error rolls back and propagates. After a commit that
 * appended events, the log's listeners are notified.
 * Without `tenantId` the transaction runs as the application role with no tenant: row-level
 * security then shows it no tenant row at all, until `enterTenant` (or `tenantSettingSource`) names one.
 *
 * Why not slonik's `pool.transaction` (ADR 0020): it runs each transaction inside an
 * AsyncLocalStorage, and the first one switches on Node's promise hooks for the whole process, for
 * good. Every promise of every request then pays for them, the booking path's included, which
 * never uses slonik's transactions: about a tenth of the server's CPU per hold. Here the
 * transaction is BEGIN and COMMIT on a connection of the same pool, which enables nothing.
 */
export async function withTransaction<T>(
  pool: DatabasePool,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await pool.connect((connection) => attemptTransaction(pool, connection, work, options));
    if (outcome.committed) return outcome.value;
    if (attempt < TRANSACTION_ATTEMPTS && isTransactionRollback(outcome.error)) continue;
    throw outcome.error;
  }
}

async function attemptTransaction<T>(
  pool: DatabasePool,
  connection: DatabasePoolConnection,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions,
): Promise<Attempt<T>> {
  await connection.query(sql.typeAlias('void')`START TRANSACTION`);
  let value: T;
  try {
    if (options.repeatableRead) await connection.query(sql.typeAlias('void')`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
    if (options.system) await enterSystemMode(connection);
    if (options.tenantId !== undefined) {
      await connection.query(sql.typeAlias('void')`SELECT FROM set_config('app.tenant_id', ${options.tenantId}, true)`);
    }
    value = await work(connection);
    // slonik types a command tag as one of the DML verbs; PostgreSQL answers COMMIT or ROLLBACK here.
    const ended: string = (await connection.query(sql.typeAlias('void')`COMMIT`)).command;
    // COMMIT of a transaction that a failed statement left aborted (one `work` caught) rolls back instead.
    if (ended !== 'COMMIT') throw new Error(`the transaction did not commit (${ended})`);
  } catch (error) {
    try {
      await connection.query(sql.typeAlias('void')`ROLLBACK`);
    } catch {
      // The connection is in doubt (it broke, or a rollback cannot run on it). Throwing out of
      // `connect` makes slonik destroy it rather than pool it; the error the caller needs is the first.
      throw error;
    }
    return { committed: false, error };
  }
  // Committed: if it appended events, wake the log's listeners now (see noticeLogCommitted).
  noticeIfAppended(pool, connection);
  return { committed: true, value };
}

const enteredRow = z.object({ role: z.string(), tenant_id: z.string() });

/**
 * Names the tenant of a transaction that learned it only from its own reads (a webhook resolves
 * its payment first), as the application role: every later statement sees that tenant's rows only.
 */
export async function enterTenant(tx: Queries, tenantId: string): Promise<void> {
  await tx.query(sql.type(enteredRow)`
    SELECT set_config('role', ${APP_ROLE}, true) AS role, set_config('app.tenant_id', ${tenantId}, true) AS tenant_id`);
}

/**
 * Takes the cross-tenant system role for the rest of this transaction (ADR 0014). Only system
 * work calls it: consumers of the global log, checkpoints, verify/rebuild/replay, and the
 * discovery steps of the hold sweeper and reconciliation. Only a session of the system login may
 * (ADR 0034): on the request pools the database refuses it.
 */
export async function enterSystemMode(tx: Queries): Promise<void> {
  await tx.query(sql.typeAlias('void')`SET LOCAL ROLE ${sql.identifier([SYSTEM_ROLE])}`);
}

/** A transaction of system work across tenants: `withTransaction` that first takes the system role; `pool` is the system login's. */
export async function withSystemTransaction<T>(
  pool: DatabasePool,
  work: (tx: Transaction) => Promise<T>,
  options: Pick<TransactionOptions, 'repeatableRead'> = {},
): Promise<T> {
  return withTransaction(pool, work, { ...options, system: true });
}
