import { loadConfig } from '../../config/config.js';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/openDatabase.js';
import { cliLog } from '../log.js';

/** `ledger migrate`: unlike the commands that read a ledger, it creates one where there is none. */
export async function run(): Promise<number> {
  const config = await loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    whenClusterRunning: 'attach',
    log: cliLog,
  });
  try {
    console.log(JSON.stringify(await migrate(database.url)));
  } finally {
    await database.close();
  }
  return 0;
}
