import { EventStoreDBClient } from '@eventstore/db-client';
import { type AppConfig, loadConfig } from '../../config/config.js';
import { createDatabasePool } from '../../db/pool.js';
import { type DatabaseLogins, SYSTEM_ROLE } from '../../db/roles.js';
import { createLedgerLogger, logLevelOf } from '../../main.js';
import { startMirror } from '../../mirror/startMirror.js';
import { verifyMirror } from '../../mirror/verifyMirror.js';
import { booleanFlag, type CommandInput } from '../commandSpec.js';
import { withExistingLedger } from '../withExistingLedger.js';

/**
 * `ledger mirror`: runs the EventStoreDB mirror in the foreground (catch-up, then live) until a
 * signal stops it or a divergence does (exit 1); `--verify [streamId]` compares the mirror with the
 * ledger instead and exits 1 when they differ.
 */
export async function run(input: CommandInput): Promise<number> {
  const [streamId] = input.positionals;
  const verifying = booleanFlag(input, 'verify');
  if (streamId !== undefined && !verifying) {
    // A usage error, found before the configuration is read: nothing touched (API.md: exit 2).
    console.error('ledger mirror: a streamId is taken with --verify only (see ledger help mirror)');
    return 2;
  }
  const config = await loadConfig();
  const { connectionString, tenants } = config.eventStore;
  if (!connectionString) {
    console.error('ledger mirror: EVENTSTORE_CONNECTION_STRING is not set, so there is no mirror to run or compare');
    return 1;
  }
  return withExistingLedger(config, (logins) =>
    verifying ? verify(logins, connectionString, { streamId, tenants }) : follow(config, logins, { connectionString, tenants }),
  );
}

async function verify(
  logins: DatabaseLogins,
  connectionString: string,
  options: { streamId: string | undefined; tenants: readonly string[] | undefined },
): Promise<number> {
  const pool = await createDatabasePool(logins.system, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  const client = EventStoreDBClient.connectionString(connectionString);
  try {
    const report = await verifyMirror(pool, client, options);
    if (options.streamId !== undefined && report.streams === 0) {
      console.error(`no stream ${options.streamId}${options.tenants ? ' in the mirrored tenants' : ''}`);
      return 1;
    }
    for (const { stream, revision, reason } of report.differences) console.log(`${stream} revision ${revision}: ${reason}`);
    if (report.differences.length > 0) {
      console.log(`the mirror differs from the ledger in ${report.differences.length} place(s) (${report.streams} stream(s) compared)`);
      return 1;
    }
    console.log(`the mirror matches the ledger: ${report.streams} stream(s), ${report.events} event(s) compared`);
    return 0;
  } finally {
    await client.dispose();
    await pool.end();
  }
}

async function follow(
  config: AppConfig,
  logins: DatabaseLogins,
  settings: { connectionString: string; tenants: readonly string[] | undefined },
): Promise<number> {
  const log = createLedgerLogger(logLevelOf(config), 'stderr');
  const pool = await createDatabasePool(logins.system, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  try {
    const mirror = await startMirror(pool, logins.system, settings, { log });
    // Runs until a signal ends the process (withExistingLedger stops the database first) or a divergence ends the mirror.
    const halted = await mirror.ended;
    if (halted) console.error(`ledger mirror: stopped: ${halted.message}`);
    return halted ? 1 : 0;
  } finally {
    await pool.end();
  }
}
