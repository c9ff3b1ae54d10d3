import { sql } from '../../db/sql.js';
import { withTransaction } from '../../db/transaction.js';
import { jobsAsJson } from '../../jobs/followUpJobs.js';
import type { AppDeps } from '../context.js';
import { fail, notFound, type Outcome, succeed } from '../outcome.js';
import { retryFailedPush } from './panelDeliveries.js';

export type RetriedPush = { readonly id: string; readonly reservationId: string; readonly status: 'queued' };

/**
 * A person retries a push that failed (its 3 days ran out): it is queued again with 3 days anew, and
 * a push job is queued in the same transaction so a worker sends it at once. Only a `failed`
 * delivery of the caller's tenant can be retried; any other id is not found.
 */
export async function retryPanelPush(
  deps: Pick<AppDeps, 'pool' | 'clock'>,
  tenantId: string,
  deliveryId: string,
): Promise<Outcome<RetriedPush>> {
  const now = deps.clock().toISOString();
  const retried = await withTransaction(
    deps.pool,
    async (tx) => {
      const push = await retryFailedPush(tx, { tenantId, deliveryId, now });
      if (push === null) return null;
      const job = { task: 'pushToPanel' as const, payload: { tenantId, reservationId: push.reservationId, version: push.version } };
      await tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson([job])}::jsonb)`);
      return push;
    },
    { tenantId },
  );
  if (retried === null) return fail(notFound(`failed panel delivery ${deliveryId}`));
  return succeed({ id: deliveryId, reservationId: retried.reservationId, status: 'queued' });
}
