import type { ActivityPanel } from '../../panel/panel.js';
import type { AppDeps } from '../context.js';
import { pullPanelAccount, type PullReport } from './pullPanel.js';

export type PanelSyncLog = { info(message: string): void; error(message: string, error?: unknown): void };

/**
 * One run of the periodic pull: every synced account in turn. One account's panel failing (down,
 * busy, answering outside the protocol) does not keep the others from their pull; the run then
 * fails with every account's error, so the job counts as failed and the lag shows it.
 */
export async function pullEveryAccount(
  deps: { readonly app: AppDeps; readonly panel: ActivityPanel; readonly accounts: readonly string[] },
  log: PanelSyncLog,
): Promise<ReadonlyMap<string, PullReport>> {
  const reports = new Map<string, PullReport>();
  const failures: unknown[] = [];
  for (const account of deps.accounts) {
    try {
      const report = await pullPanelAccount({ app: deps.app, panel: deps.panel, onRefused: (message) => log.error(message) }, account);
      reports.set(account, report);
      if (report.applied > 0 || report.refused > 0) log.info(`panel pull ${account}: ${JSON.stringify(report)}`);
    } catch (error) {
      log.error(`panel pull ${account}: failed, the next run resumes where it stopped`, error);
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `panel pull failed for ${failures.length} account(s)`);
  return reports;
}
