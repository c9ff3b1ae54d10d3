import { decideReservation } from '../domain/reservation.js';
import { withSystemTransaction, withTransaction } from '../db/transaction.js';
import { hasPaymentInFlight } from '../../projections/paymentView.js';
import { findDueHolds } from '../../projections/reservationView.js';
import { changeReservation } from './changeReservation.js';
import type { AppDeps } from './context.js';
import { runRefusable } from './outcome.js';
import { createWriteSet } from './writeSet.js';

export type ExpirySweep = { readonly expired: number; readonly kept: number };

/**
 * Expires holds whose time is up and releases their seats, each in its own transaction under its
 * slot's lock. A hold whose payment the provider is still processing is kept: the webhook or
 * reconciliation decides it. A hold that changed meanwhile (paid, cancelled) is refused by the
 * decider and simply counted as kept. Finding the due holds is the one step that looks across
 * tenants (as the system role); each expiry then runs in its own tenant's transaction.
 */
export async function expireDueHolds(deps: AppDeps, batchSize = 100): Promise<ExpirySweep> {
  const now = deps.clock().toISOString();
  const due = await withSystemTransaction(deps.pool, (tx) => findDueHolds(tx, now, batchSize));
  let expired = 0;
  for (const hold of due) {
    const outcome = await runRefusable(() =>
      withTransaction(
        deps.pool,
        async (tx) => {
          const writes = createWriteSet();
          const change = await changeReservation(tx, writes, {
            tenantId: hold.tenantId,
            reservationId: hold.reservationId,
            now,
            metadata: { actor: 'system:hold-expiry' },
            decide: async (reservation) => {
              const paymentInFlight = await hasPaymentInFlight(tx, hold.tenantId, hold.reservationId);
              return decideReservation({ type: 'ExpireHold', now, paymentInFlight }, reservation);
            },
          });
          await writes.flush(tx);
          return change;
        },
        { tenantId: hold.tenantId },
      ),
    );
    if (outcome.ok) expired += 1;
  }
  return { expired, kept: due.length - expired };
}
