import type { Consumer } from '../../src/consumers/consumer.js';
import { resetCheckpoint } from '../../src/consumers/consumerCheckpoint.js';
import type { Transaction } from '../../src/db/transaction.js';
import { sql } from '../../src/db/sql.js';
import { foldOccupancy } from './occupancy.js';
import { foldRevenue } from './revenue.js';

export const DAILY_REPORTS_CONSUMER = 'daily-reports';

/** The daily occupancy and revenue reports, kept by an asynchronous consumer of the global log. */
export const dailyReportsConsumer: Consumer = {
  name: DAILY_REPORTS_CONSUMER,
  async handle(tx, events) {
    // In log order: a payment's start is folded before its success, a slot's definition before its seats.
    for (const event of events) {
      await foldOccupancy(tx, event);
      await foldRevenue(tx, event);
    }
  },
};

/**
 * Empties the report tables and rewinds the consumer, in one transaction, so it rebuilds from the log.
 * Every tenant's rows: run it in a system transaction (`withSystemTransaction`, ADR 0014).
 */
export async function resetDailyReports(tx: Transaction, at: Date): Promise<void> {
  // Rewinding first takes the checkpoint row lock: a batch in flight commits before the rows are cleared.
  await resetCheckpoint(tx, DAILY_REPORTS_CONSUMER, at);
  await tx.query(sql.typeAlias('void')`DELETE FROM report_slot_occupancy`);
  await tx.query(sql.typeAlias('void')`DELETE FROM report_revenue_daily`);
  await tx.query(sql.typeAlias('void')`DELETE FROM report_payments`);
}
