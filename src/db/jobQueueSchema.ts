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
