import type pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';

/** graphile-worker's migrations speak through this; they are routine, so only warnings and errors are kept. */
const quietLogger = new Logger(() => (level, message) => {
  const severity: string = level;
  if (severity === 'error' || severity === 'warning') process.emitWarning(`job queue migration: ${message}`);
});

/**
 * Installs or upgrades the job queue's schema (`graphile_worker`) as the database owner. It is
 * idempotent and takes its own lock, so every process that migrates may call it.
 */
export async function installJobQueueSchema(databaseUrl: string): Promise<void> {
  await runMigrations({ connectionString: databaseUrl, logger: quietLogger });
}

/**
 * Lets `ledger_system` work the queue: the workers of every instance log in with the system login
 * (ADR 0034), not as the owner. Given after each migration run (under the migration lock), so
 * tables a newer graphile-worker adds are covered too; the schema itself (DDL, its migrations) stays the owner's. Commands never
 * touch these tables: they queue through `ledger_enqueue_jobs` (migration 0027).
 */
export async function grantJobQueueToSystemRole(client: pg.ClientBase): Promise<void> {
  await client.query(`
    GRANT USAGE ON SCHEMA graphile_worker TO ledger_system;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA graphile_worker TO ledger_system;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA graphile_worker TO ledger_system;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO ledger_system;
    DO $$
    DECLARE
      queue_table text;
    BEGIN
      -- graphile-worker turns row-level security on, without policies, to keep every role but the
      -- owner out of its tables; the system role is let in, to every row.
      FOR queue_table IN
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_policies p
                          WHERE p.schemaname = 'graphile_worker' AND p.tablename = c.relname AND p.policyname = 'ledger_system_workers')
      LOOP
        EXECUTE format('CREATE POLICY ledger_system_workers ON graphile_worker.%I FOR ALL TO ledger_system USING (true) WITH CHECK (true)', queue_table);
      END LOOP;
    END;
    $$`);
}
