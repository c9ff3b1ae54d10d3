import type { AppConfig } from '../config/config.js';
import { createCommandPool } from '../db/commandPool.js';
import { createDatabasePool } from '../db/pool.js';
import { createPaymentsModule, type PaymentsReconciliation } from './module.js';

type Log = { error(message: string, error?: unknown): void };

/** `npx ledger reconcile`: one reconciliation run, then the refunds still to send, against the configured providers. */
export async function runReconcileCommand(
  databaseUrl: string,
  config: AppConfig,
  olderThanSeconds: number | undefined,
  log: Log,
): Promise<PaymentsReconciliation & { refundsSubmitted: number; refundsFailed: number }> {
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 4 });
  const commands = createCommandPool(databaseUrl, { maximumPoolSize: 4 });
  try {
    const deps = { pool, commands, clock: () => new Date(), holdTtlSeconds: config.holdTtlSeconds };
    const payments = createPaymentsModule(deps, config, (message, error) => log.error(message, error));
    const report = await payments.reconcile(olderThanSeconds === undefined ? {} : { olderThanSeconds });
    const refunds = await payments.refunds.dispatchDue();
    return { ...report, refundsSubmitted: refunds.submitted, refundsFailed: refunds.failed };
  } finally {
    await commands.end();
    await pool.end();
  }
}
