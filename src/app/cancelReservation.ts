import { decideReservation } from '../domain/reservation.js';
import { withTransaction } from '../db/transaction.js';
import { readReservationView } from '../../projections/reservationView.js';
import { changeReservation } from './changeReservation.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { forbidden, notFound, type Outcome, refuse, runRefusable } from './outcome.js';
import { mayCancelReservation, mayReadReservation } from './policy.js';
import type { ReservationChange } from './changeReservation.js';
import type { Transaction } from '../db/transaction.js';
import { createWriteSet } from './writeSet.js';

/** What the payments flow adds to a cancellation, in its transaction (asking for a refund). */
export type AfterCancel = (tx: Transaction, change: ReservationChange, caller: Caller) => Promise<void>;

/**
 * Cancels a reservation and releases its seats at once. A paid one is marked as waiting for its
 * refund; `afterCancel` lets the payments flow ask the provider for it in the same transaction.
 */
export async function cancelReservation(
  deps: AppDeps,
  caller: Caller,
  reservationId: string,
  afterCancel?: AfterCancel,
): Promise<Outcome<ReservationChange>> {
  const tenantId = caller.principal.tenantId;
  return runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx) => {
        const view = await readReservationView(tx, tenantId, reservationId);
        if (!view || !mayReadReservation(caller.principal, view.owner_sub)) refuse(notFound(`reservation ${reservationId}`));
        if (!mayCancelReservation(caller.principal, view.owner_sub)) {
          refuse(forbidden('only the customer who booked it or an admin may cancel a reservation'));
        }
        const now = deps.clock().toISOString();
        const writes = createWriteSet();
        const change = await changeReservation(tx, writes, {
          tenantId,
          reservationId,
          now,
          metadata: metadataFor(caller),
          decide: (reservation) => decideReservation({ type: 'CancelReservation', now, by: caller.principal.sub }, reservation),
        });
        if (afterCancel) await afterCancel(tx, change, caller);
        await writes.flush(tx);
        return change;
      },
      { tenantId },
    ),
  );
}
