import type { AppConfig } from '../config/config.js';
import { createCommandPool } from '../db/commandPool.js';
import { createDatabasePool } from '../db/pool.js';
import { createPaymentsModule, type PaymentsReconciliation } from './module.js';

import { runDueJobs } from '../jobs/jobWorker.js';

type Log = { error(message: string, error?: unknown): void };

/**
 * `npx ledger reconcile`: one reconciliation run against the configured providers, then every
 * follow-up job that is due (the refunds it asked for, and any a stopped server left behind), so
 * that the command's report means the providers were asked.
 */
export async function runReconcileCommand(
  databaseUrl: string,
  config: AppConfig,
  olderThanSeconds: number | undefined,
  log: Log,
): Promise<PaymentsReconciliation> {
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 4 });
  const commands = createCommandPool(databaseUrl, { maximumPoolSize: 4 });
  try {
    const deps = { pool, commands, clock: () => new Date(), holdTtlSeconds: config.holdTtlSeconds };
    const payments = createPaymentsModule(deps, config, (message, error) => log.error(message, error));
    const report = await payments.reconcile(olderThanSeconds === undefined ? {} : { olderThanSeconds });
    await runDueJobs({
      connectionString: databaseUrl,
      handlers: { sendRefund: (payload) => payments.sendRefund(payload) },
      log: { info: () => undefined, warn: (message) => log.error(message), error: (message, error) => log.error(message, error) },
    });
    return report;
  } finally {
    await commands.end();
    await pool.end();
  }
}
