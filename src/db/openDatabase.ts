import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres } from './embeddedPostgres.js';

export type OpenedDatabase = {
  readonly url: string;
  /** What to say in logs: never the password. */
  readonly description: string;
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
 * `DATABASE_URL` when given; otherwise the embedded cluster in `<dataDir>/pg`, started here and
 * stopped on close — or, when a server already runs it (a CLI command beside `npm start`), joined.
 */
export async function openDatabase(options: {
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly log?: (message: string) => void;
}): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    return {
      url: options.databaseUrl,
      description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
      close: async () => undefined,
    };
  }
  const dir = embeddedClusterDir(options.dataDir);
  const runningPort = await runningClusterPort(dir);
  const cluster = await startEmbeddedPostgres(
    runningPort === null ? { dataDir: dir, log: options.log } : { dataDir: dir, port: runningPort, log: options.log, attachOnly: true },
  );
  return {
    url: cluster.urlFor(DATABASE_NAME),
    description: `embedded PostgreSQL in ${dir} on 127.0.0.1:${cluster.port}`,
    close: () => cluster.stop(),
  };
}
