import type { DatabasePool, DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { Queries } from './queries.js';
import { APP_ROLE, SYSTEM_ROLE } from './roles.js';
import { noticeIfAppended } from '../ledger/commitNotice.js';
import { sql } from './sql.js';

export type Transaction = DatabaseTransactionConnection;

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

/**
 * The one place a transaction begins and ends. Serialization failures and deadlocks are retried
 * by slonik (its `transactionRetryLimit`); every other error rolls back and propagates. After a
 * commit that appended events, the log's listeners are notified.
 * Without `tenantId` the transaction runs as the application role with no tenant: row-level
 * security then shows it no tenant row at all, until `enterTenant` (or `tenantSettingSource`) names one.
 */
export async function withTransaction<T>(
  pool: DatabasePool,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  let transaction: Transaction | undefined;
  const result = await pool.transaction(async (tx) => {
    transaction = tx;
    if (options.repeatableRead) await tx.query(sql.typeAlias('void')`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
    if (options.system) await enterSystemMode(tx);
    if (options.tenantId !== undefined) {
      await tx.query(sql.typeAlias('void')`SELECT FROM set_config('app.tenant_id', ${options.tenantId}, true)`);
    }
    return work(tx);
  });
  // Committed: if it appended events, wake the log's listeners now (see noticeLogCommitted).
  if (transaction !== undefined) noticeIfAppended(pool, transaction);
  return result;
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
 * discovery steps of the hold sweeper, reconciliation and the refund outbox.
 */
export async function enterSystemMode(tx: Queries): Promise<void> {
  await tx.query(sql.typeAlias('void')`SET LOCAL ROLE ${sql.identifier([SYSTEM_ROLE])}`);
}

/** A transaction of system work across tenants: `withTransaction` that first takes the system role. */
export async function withSystemTransaction<T>(
  pool: DatabasePool,
  work: (tx: Transaction) => Promise<T>,
  options: Pick<TransactionOptions, 'repeatableRead'> = {},
): Promise<T> {
  return withTransaction(pool, work, { ...options, system: true });
}
