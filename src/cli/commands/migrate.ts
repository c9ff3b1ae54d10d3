import { constants } from 'node:os';
import { loadConfig } from '../../config/config.js';
import { MissingOwnerLoginError } from '../../db/errors.js';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/openDatabase.js';
import { createLedgerLogger, logLevelOf } from '../../main.js';
import { stopOnSignal } from '../stopOnSignal.js';

const STOP_DEADLINE_MS = 10_000;

/**
 * `ledger migrate`: unlike the commands that read a ledger, it creates one where there is none. As
 * the schema owner: MIGRATION_DATABASE_URL when a database is configured (the server's logins,
 * DATABASE_URL and SYSTEM_DATABASE_URL, are not the owner and are not needed here), else the
 * embedded cluster's owner.
 */
export async function run(): Promise<number> {
  const config = await loadConfig();
  if (config.migrationDatabaseUrl !== undefined || config.databaseUrl !== undefined) {
    if (config.migrationDatabaseUrl === undefined) throw new MissingOwnerLoginError();
    console.log(JSON.stringify(await migrate(config.migrationDatabaseUrl)));
    return 0;
  }
  const cliLog = createLedgerLogger(logLevelOf(config), 'stderr');
  // An interrupted migration still stops the embedded cluster it started (exit code 128 + the signal's number).
  const signals = stopOnSignal({ log: cliLog, deadlineMs: STOP_DEADLINE_MS, exitCode: (signal) => 128 + constants.signals[signal] });
  try {
    const database = await openDatabase({ ...config, whenClusterRunning: 'attach', log: cliLog });
    signals.started({ stop: () => database.close() });
    try {
      const result = await database.migrate();
      if (result === null) throw new MissingOwnerLoginError();
      console.log(JSON.stringify(result));
    } finally {
      await database.close();
    }
  } finally {
    signals.release();
  }
  return 0;
}
