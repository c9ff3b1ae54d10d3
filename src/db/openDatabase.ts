import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { MissingSystemLoginError } from './errors.js';
import { localLoginsOf, provideLocalLogins } from './localLogins.js';
import { migrate, type MigrationResult } from './migrate.js';
import type { DatabaseLogins } from './roles.js';

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

/** The port of a cluster already running in `dir` (postmaster.pid, line 4), or null. */
async function runningClusterPort(dir: string): Promise<number | null> {
  let pidFile: string;
  try {
    pidFile = await readFile(path.join(dir, 'postmaster.pid'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    // No such process: a stale pid file from a crash, which PostgreSQL itself clears on start.
    return null;
  }
}

/**
 * `DATABASE_URL` (with `SYSTEM_DATABASE_URL`, and `MIGRATION_DATABASE_URL` when this process may
 * migrate) when given; otherwise the embedded cluster in `<dataDir>/pg`, started here and stopped
 * on close — or, when a server already runs it (a CLI command beside `npm start`), joined. The
 * embedded cluster's owner is its superuser; its sessions log in as the local logins.
 */
export async function openDatabase(options: {
  readonly databaseUrl?: string | undefined;
  readonly systemDatabaseUrl?: string | undefined;
  readonly migrationDatabaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly log?: (message: string) => void;
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
  const runningPort = await runningClusterPort(dir);
  const cluster = await startEmbeddedPostgres(
    runningPort === null ? { dataDir: dir, log: options.log } : { dataDir: dir, port: runningPort, log: options.log, attachOnly: true },
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
