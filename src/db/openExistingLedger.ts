import path from 'node:path';
import { isInitialisedCluster } from './embeddedPostgres.js';
import { NoLedgerError } from './errors.js';
import { hasLedgerSchema } from './ledgerSchema.js';
import { type DatabaseLog, embeddedClusterDir, openDatabase, type OpenedDatabase } from './openDatabase.js';

export type LedgerLocation = {
  readonly databaseUrl?: string | undefined;
  readonly systemDatabaseUrl?: string | undefined;
  readonly migrationDatabaseUrl?: string | undefined;
  readonly dataDir: string;
};

/**
 * Throws `NoLedgerError` when no `DATABASE_URL` is set and the data directory holds no initialised
 * embedded cluster. Looks at files only: creates nothing, starts nothing.
 */
export async function assertLedgerLocation(location: LedgerLocation): Promise<void> {
  if (location.databaseUrl) return;
  if (!(await isInitialisedCluster(embeddedClusterDir(location.dataDir)))) {
    throw new NoLedgerError(`at ${path.resolve(location.dataDir)}`, 'start the server once or set DATABASE_URL');
  }
}

/**
 * Opens a ledger that already exists, for commands that read one (verify, replay, …): unlike
 * `openDatabase` it never initialises a cluster nor creates the schema in an empty database, which
 * would answer an auditor's question about a ledger with a fresh, empty one. An existing ledger
 * still gets its pending migrations when this process has the owner's URL (the embedded cluster's,
 * or MIGRATION_DATABASE_URL), as the code that reads it expects the current schema.
 */
export async function openExistingLedger(location: LedgerLocation, log: DatabaseLog): Promise<OpenedDatabase> {
  await assertLedgerLocation(location);
  // Beside a running server, a command attaches to the cluster it runs.
  const database = await openDatabase({ ...location, whenClusterRunning: 'attach', log });
  try {
    if (!(await hasLedgerSchema(database.ownerUrl ?? database.logins.system))) {
      throw new NoLedgerError(`in ${database.description}`, 'it has no ledger schema; start the server once or run npx ledger migrate');
    }
    await database.migrate();
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
