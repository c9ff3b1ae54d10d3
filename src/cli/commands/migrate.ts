import { loadConfig } from '../../config/config.js';
import { MissingOwnerLoginError } from '../../db/errors.js';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/openDatabase.js';

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
