import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { provideLocalLogins } from '../../src/db/localLogins.js';
import { migrate } from '../../src/db/migrate.js';

export const TEMPLATE_DATABASE = 'ledger_test_template';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- only an interface merges into vitest's own
  export interface ProvidedContext {
    /** A superuser connection string to the test cluster's maintenance database. */
    pgAdminUrl: string;
    pgTemplateDatabase: string;
  }
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * One real PostgreSQL for the whole run (embedded, or the server `DATABASE_URL` names); each test
 * file then gets a fresh database cloned from a migrated template, which takes milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  let stop: () => Promise<void> = async () => undefined;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-test-pg-'));
    // mkdtemp makes the folder private to root; PostgreSQL runs as the `postgres` user.
    await chmod(dir, 0o755);
    const cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), durable: false, persistent: false });
    adminUrl = cluster.adminUrl;
    stop = async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  await migrate(databaseUrl(adminUrl, TEMPLATE_DATABASE));
  // The server's own logins (ADR 0034), as the embedded setup makes them: every test's pools use them.
  await provideLocalLogins(adminUrl);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDatabase', TEMPLATE_DATABASE);
  return stop;
}
