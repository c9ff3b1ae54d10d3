import type { DatabasePool } from '../db/pool.js';
import { type Transaction, withTransaction } from '../db/transaction.js';
import type { Principal } from '../identity/principal.js';

/**
 * Runs a request's reads in a transaction of the caller's tenant. Reads keep their own
 * `tenant_id` predicates; row-level security (ADR 0014) is what hides every other tenant's rows
 * from a read that forgot its predicate — and outside such a transaction a read sees nothing.
 */
export function readAsTenant<T>(pool: DatabasePool, principal: Principal, read: (tx: Transaction) => Promise<T>): Promise<T> {
  return withTransaction(pool, read, { tenantId: principal.tenantId });
}
