import { loadConfig } from '../../config/config.js';
import { MissingOwnerLoginError } from '../../db/errors.js';
import { openDatabase } from '../../db/openDatabase.js';

/**
 * `ledger migrate`: unlike the commands that read a ledger, it creates one where there is none. As
 * the schema owner: the embedded cluster's, or MIGRATION_DATABASE_URL beside DATABASE_URL.
 */
export async function run(): Promise<number> {
  const config = await loadConfig();
  const database = await openDatabase(config);
  try {
    const result = await database.migrate();
    if (result === null) throw new MissingOwnerLoginError();
    console.log(JSON.stringify(result));
  } finally {
    await database.close();
  }
  return 0;
}
