import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { EmbeddedClusterError, MissingSystemLoginError } from './errors.js';
import { localLoginsOf, provideLocalLogins } from './localLogins.js';
import { migrate, type MigrationResult } from './migrate.js';
import { inspectPostmasterLock, POSTMASTER_PID_FILE } from './postmasterLock.js';
import type { DatabaseLogins } from './roles.js';

export type DatabaseLog = { info(message: string): void; warn(message: string): void };

/**
 * What to do when another process already runs the data directory's embedded cluster: a CLI
 * command (verify, replay, …) attaches to it; a server refuses, since the cluster stops when its
 * owner stops and the second server would be left without a database.
 */
export type WhenClusterRunning = 'attach' | 'refuse';

export type OpenedDatabase = {
  /** Where the server's sessions log in: `ledger_app` for requests, `ledger_system` for system work. */
  readonly logins: DatabaseLogins;
  /**
   * The schema owner's connection string, when this process may migrate: the embedded cluster's,
   * or `MIGRATION_DATABASE_URL`. Only migrations use it (ADR 0034).
   */
  readonly ownerUrl: string | undefined;
  /** What to say in logs: never the password. */
  readonly description: string;
  /**
   * Applies pending migrations as the owner; on an embedded cluster it also makes sure its logins
   * exist (they need the roles the migrations create). Null when there is no owner URL here.
   */
  migrate(): Promise<MigrationResult | null>;
  close(): Promise<void>;
};

const DATABASE_NAME = 'postgres';

/** Where the embedded cluster of a data directory lives. */
export function embeddedClusterDir(dataDir: string): string {
  return path.resolve(dataDir, 'pg');
}

/**
 * `DATABASE_URL` (with `SYSTEM_DATABASE_URL`, and `MIGRATION_DATABASE_URL` when this process may
 * migrate) when given; otherwise the embedded cluster in `<dataDir>/pg`, started here and stopped
 * on close, or, when another live process runs it, attached to (`whenClusterRunning`). The
 * embedded cluster's owner is its superuser; its sessions log in as the local logins.
 */
export async function openDatabase(options: {
  readonly databaseUrl?: string | undefined;
  readonly systemDatabaseUrl?: string | undefined;
  readonly migrationDatabaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly whenClusterRunning: WhenClusterRunning;
  readonly log: DatabaseLog;
}): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    if (!options.systemDatabaseUrl) throw new MissingSystemLoginError();
    const url = new URL(options.databaseUrl);
    const ownerUrl = options.migrationDatabaseUrl;
    return {
      logins: { app: options.databaseUrl, system: options.systemDatabaseUrl },
      ownerUrl,
      description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
      migrate: async () => (ownerUrl === undefined ? null : migrate(ownerUrl)),
      close: async () => undefined,
    };
  }
  const dir = embeddedClusterDir(options.dataDir);
  const lock = await inspectPostmasterLock(dir);
  if (lock.state === 'stale') {
    // PostgreSQL refuses to start while its pid file names any live process, even an unrelated one.
    await unlink(path.join(dir, POSTMASTER_PID_FILE)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    options.log.warn(`embedded PostgreSQL: removed the stale ${POSTMASTER_PID_FILE} in ${dir}: ${lock.reason}`);
  }
  if (lock.state === 'running') {
    const owner = `postmaster pid ${lock.pid}, port ${lock.port}`;
    if (options.whenClusterRunning === 'refuse') {
      throw new EmbeddedClusterError(
        `the embedded PostgreSQL in ${dir} is already run by another server (${owner})`,
        `stop that server first, or give this one another LEDGER_DATA_DIR (several instances share one database through DATABASE_URL); ` +
          `if that server crashed and left its PostgreSQL running, stop it with "kill ${lock.pid}"`,
      );
    }
    if (!lock.answers) {
      throw new EmbeddedClusterError(
        `the embedded PostgreSQL in ${dir} (${owner}) does not answer`,
        'it is starting or stopping; try again in a moment, or stop the process that runs it',
      );
    }
    options.log.warn(`ATTACHING to the embedded PostgreSQL another process runs in ${dir} (${owner}); it stops when that process stops`);
  }
  const cluster = await startEmbeddedPostgres(
    lock.state === 'running' ? { dataDir: dir, port: lock.port, attachOnly: true } : { dataDir: dir },
  );
  const ownerUrl = cluster.urlFor(DATABASE_NAME);
  return {
    logins: localLoginsOf(ownerUrl),
    ownerUrl,
    description: `embedded PostgreSQL in ${dir} on 127.0.0.1:${cluster.port}`,
    migrate: async () => {
      const result = await migrate(ownerUrl);
      await provideLocalLogins(ownerUrl);
      return result;
    },
    close: () => cluster.stop(),
  };
}
