import type { DatabasePool, DatabaseTransactionConnection } from 'slonik';
import { sql } from './sql.js';

export type Transaction = DatabaseTransactionConnection;

export type TransactionOptions = {
  /** Sets `app.tenant_id` for this transaction only, which the row-level security policies read. */
  readonly tenantId?: string;
};

/**
 * The one place a transaction begins and ends. Serialization failures and deadlocks are retried
 * by slonik (its `transactionRetryLimit`); every other error rolls back and propagates.
 */
export async function withTransaction<T>(
  pool: DatabasePool,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return pool.transaction(async (tx) => {
    if (options.tenantId !== undefined) {
      await tx.query(sql.typeAlias('void')`SELECT FROM set_config('app.tenant_id', ${options.tenantId}, true)`);
    }
    return work(tx);
  });
}
