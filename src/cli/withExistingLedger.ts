import type { AppConfig } from '../config/config.js';
import { openExistingLedger } from '../db/openExistingLedger.js';
import type { DatabaseLogins } from '../db/roles.js';

/**
 * Runs `work` against the ledger the configuration points at, which must already exist (a
 * `NoLedgerError` otherwise): joins or starts its embedded cluster, and stops what it started.
 */
export async function withExistingLedger<T>(config: AppConfig, work: (logins: DatabaseLogins) => Promise<T>): Promise<T> {
  const database = await openExistingLedger(config);
  try {
    return await work(database.logins);
  } finally {
    await database.close();
  }
}
