import { constants } from 'node:os';
import { loadConfig } from '../../config/config.js';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/openDatabase.js';
import { cliLog } from '../log.js';
import { stopOnSignal } from '../stopOnSignal.js';

const STOP_DEADLINE_MS = 10_000;

/** `ledger migrate`: unlike the commands that read a ledger, it creates one where there is none. */
export async function run(): Promise<number> {
  const config = await loadConfig();
  // An interrupted migration still stops the embedded cluster it started (exit code 128 + the signal's number).
  const signals = stopOnSignal({ log: cliLog, deadlineMs: STOP_DEADLINE_MS, exitCode: (signal) => 128 + constants.signals[signal] });
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      whenClusterRunning: 'attach',
      log: cliLog,
    });
    signals.started({ stop: () => database.close() });
    try {
      console.log(JSON.stringify(await migrate(database.url)));
    } finally {
      await database.close();
    }
  } finally {
    signals.release();
  }
  return 0;
}
