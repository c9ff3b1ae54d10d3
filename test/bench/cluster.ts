import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { migrate } from '../../src/db/migrate.js';

export type BenchCluster = {
  readonly adminUrl: string;
  urlFor(database: string): string;
  /** A fresh empty database. */
  createDatabase(name: string): Promise<string>;
  /** A fresh database with every migration applied (cloned from a migrated template). */
  createMigratedDatabase(name: string): Promise<string>;
  /** The postmaster's process id (its backends are its children). */
  readonly postmasterPid: number;
  /** Runs SQL as the cluster superuser (the tables' owner) on `database`. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  stop(): Promise<void>;
};

const TEMPLATE = 'bench_template';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * One durable embedded PostgreSQL (fsync and synchronous_commit at their defaults, like the
 * server's) in a temporary folder, removed again by `stop`.
 */
export async function startBenchCluster(log: (message: string) => void): Promise<BenchCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-bench-pg-'));
  // mkdtemp makes the folder private to root; PostgreSQL runs as the `postgres` user.
  await chmod(dir, 0o755);
  // Last resort when the process exits without its cleanup (run.ts stops the cluster on SIGINT/SIGTERM first).
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  let cluster: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), durable: true, persistent: false });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const adminUrl = cluster.adminUrl;
  // postmaster.pid's first line is the postmaster's process id.
  const postmasterPid = Number((await readFile(path.join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const urlFor = (database: string) => cluster.urlFor(database);

  async function query<R extends pg.QueryResultRow>(database: string, text: string, values?: unknown[]) {
    const client = new pg.Client({ connectionString: urlFor(database) });
    client.on('error', () => undefined); // A dropped connection also rejects the query, which is what reports it.
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  }

  async function createDatabase(name: string, template?: string): Promise<string> {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain database name: ${name}`);
    await query('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await query('postgres', `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
    return urlFor(name);
  }

  let templateReady: Promise<void> | undefined;
  const ensureTemplate = () => {
    templateReady ??= (async () => {
      await createDatabase(TEMPLATE);
      const result = await migrate(urlFor(TEMPLATE));
      log(`template database migrated (${result.applied.length} migrations)`);
    })();
    return templateReady;
  };

  return {
    adminUrl,
    postmasterPid,
    urlFor,
    createDatabase: (name) => createDatabase(name),
    async createMigratedDatabase(name) {
      await ensureTemplate();
      return createDatabase(name, TEMPLATE);
    },
    query,
    async stop() {
      try {
        await cluster.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
        process.off('exit', removeDir);
      }
    },
  };
}
