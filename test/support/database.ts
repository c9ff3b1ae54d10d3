import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type CommandPool, createCommandPool } from '../../src/db/commandPool.js';
import { createDatabasePool, type DatabasePool } from '../../src/db/pool.js';
import { localLoginsOf } from '../../src/db/localLogins.js';
import { type DatabaseLogins, SYSTEM_ROLE } from '../../src/db/roles.js';

export type TestDatabase = {
  /** The owner's connection string (what migrations and `asOwner` use); the server's sessions never log in with it. */
  readonly url: string;
  /** The logins the server's sessions use (ADR 0034): `app` holds only `ledger_app`, `system` holds `ledger_system`. */
  readonly logins: DatabaseLogins;
  /** The application's pool, exactly as the server gets it: the app login, role `ledger_app`, under row-level security. */
  readonly pool: DatabasePool;
  /** The application's command pool (holds, webhooks), on the same role as `pool`. */
  readonly commands: CommandPool;
  /**
   * A pool of the system login whose sessions are `ledger_system`, as the server's system work, for tests of cross-tenant machinery (the log, consumers,
   * checkpoints) that read or set up data outside any one tenant's transaction.
   */
  readonly systemPool: DatabasePool;
  /** Runs raw SQL as the cluster superuser (the table owner): for tamper tests and assertions. */
  asOwner<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
};

/** Another cluster than the run's shared one (a test that kills its own): a superuser URL and a migrated template. */
export type TestCluster = { readonly adminUrl: string; readonly template: string };

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh, migrated database for one test file, cloned from the template the global setup made. */
export async function createTestDatabase(options: { maximumPoolSize?: number; cluster?: TestCluster } = {}): Promise<TestDatabase> {
  const adminUrl = options.cluster?.adminUrl ?? inject('pgAdminUrl');
  const template = options.cluster?.template ?? inject('pgTemplateDatabase');
  const name = `t_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  // The logins the global setup made (cluster-wide), on this database.
  const logins = localLoginsOf(url);
  const pool = await createDatabasePool(logins.app, { maximumPoolSize: options.maximumPoolSize ?? 10 });
  const systemPool = await createDatabasePool(logins.system, { maximumPoolSize: 4, role: SYSTEM_ROLE });
  const commands = createCommandPool(logins.app, { maximumPoolSize: options.maximumPoolSize ?? 10 });
  return {
    url,
    logins,
    pool,
    commands,
    systemPool,
    async asOwner(text, values) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    },
    async drop() {
      await pool.end();
      await commands.end();
      await systemPool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
