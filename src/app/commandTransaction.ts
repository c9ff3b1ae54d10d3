import type { CommandTransaction } from '../db/commandPool.js';
import { noticeIfAppended } from '../ledger/commitNotice.js';
import type { AppDeps } from './context.js';

/**
 * A command's transaction on the command pool (ADR 0018). After a commit that appended events,
 * the log's listeners are woken, as `withTransaction` does for the slonik pool.
 */
export async function inCommandTransaction<T>(deps: AppDeps, work: (tx: CommandTransaction) => Promise<T>): Promise<T> {
  let transaction: CommandTransaction | undefined;
  const result = await deps.commands.transaction((tx) => {
    transaction = tx;
    return work(tx);
  });
  if (transaction !== undefined) noticeIfAppended(deps.pool, transaction);
  return result;
}
