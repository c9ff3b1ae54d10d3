import type { AppConfig } from '../config/config.js';
import { openExistingLedger } from '../db/openExistingLedger.js';
import { cliLog } from './log.js';

/**
 * Runs `work` against the ledger the configuration points at, which must already exist (a
 * `NoLedgerError` otherwise): joins or starts its embedded cluster, and stops what it started.
 */
export async function withExistingLedger<T>(config: AppConfig, work: (url: string) => Promise<T>): Promise<T> {
  const database = await openExistingLedger({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, cliLog);
  try {
    return await work(database.url);
  } finally {
    await database.close();
  }
}
