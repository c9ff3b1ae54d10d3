import { isDomainError } from '../domain/errors.js';
import { decideReservation } from '../domain/reservation.js';
import { withSystemTransaction } from '../db/transaction.js';
import type { PaymentProviders } from '../payments/provider.js';
import { hasOpenPayment } from '../../projections/paymentView.js';
import { findDueHolds } from '../../projections/reservationView.js';
import type { Command } from './command/command.js';
import { reservationChange } from './command/reservationChange.js';
import { runCommand } from './command/runCommand.js';
import type { AppDeps } from './context.js';
import { notFound } from './outcome.js';
import { closeOpenPayments } from './payments/closeOpenPayments.js';

export type ExpirySweep = { readonly expired: number; readonly kept: number };

export const HOLD_EXPIRY_ACTOR = 'system:hold-expiry';

/**
 * Expires one hold whose time is up and releases its seats, under its slot's lock. A hold with a
 * payment still open at the provider is kept (the decider refuses): it may still pay. So is a hold
 * that changed meanwhile (paid, cancelled).
 */
export function expireHoldCommand(tenantId: string, reservationId: string): Command<null, boolean> {
  return {
    name: 'expireHold',
    tenantId,
    metadata: { actor: HOLD_EXPIRY_ACTOR },
    lock: { ofReservation: reservationId },
    streams: [{ aggregate: 'reservation', id: reservationId }],
    facts: (tx) => hasOpenPayment(tx, tenantId, reservationId),
    decide: (loaded) => {
      const before = loaded.reservation(reservationId);
      if (before.status === 'none') return notFound(`reservation ${reservationId}`);
      if (!loaded.slot) throw new Error(`reservation ${reservationId} points at missing slot ${before.slotId}`);
      const events = decideReservation({ type: 'ExpireHold', now: loaded.now, paymentOpen: loaded.facts }, before);
      if (isDomainError(events)) return events;
      const changes = reservationChange(reservationId, before, events, loaded.slot);
      return isDomainError(changes) ? changes : { changes, result: null };
    },
  };
}

export type ExpiryOptions = {
  readonly batchSize?: number;
  /** A payment that could not be closed at its provider (its hold is kept for the next sweep). */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * false: leaves holds with open payments to a later sweep instead of asking their providers now
   * (at start, before listening, where a silent provider would hold up the start by its call budget).
   */
  readonly closeOpenPayments?: boolean;
};

/**
 * Expires the holds that are due, each in its own command. Finding them is the one step that looks
 * across tenants (as the system role); each expiry then runs in its own tenant. A due hold's open
 * payments are closed at their providers first, outside any transaction (so no slot lock is held
 * across an HTTP call): cancelled, or paid when the provider says the payment succeeded meanwhile.
 */
export async function expireDueHolds(deps: AppDeps, providers: PaymentProviders, options: ExpiryOptions = {}): Promise<ExpirySweep> {
  const now = deps.clock().toISOString();
  const batchSize = options.batchSize ?? 100;
  const onError = options.onError ?? (() => undefined);
  const due = await withSystemTransaction(deps.systemPool, (tx) => findDueHolds(tx, now, batchSize));
  let expired = 0;
  for (const hold of due) {
    if (options.closeOpenPayments !== false) await closeOpenPayments(deps, providers, hold, onError);
    const outcome = await runCommand(deps, expireHoldCommand(hold.tenantId, hold.reservationId));
    if (outcome.ok) expired += 1;
  }
  return { expired, kept: due.length - expired };
}

/**
 * Expires every hold that is due, batch after batch: at start, holds whose time ran out while no
 * server ran may be more than one sweep's batch. A hold another instance changed meanwhile is no
 * longer found; one kept (its payment could not be closed) is found again, so the batches end when
 * one expires nothing.
 */
export async function expireAllDueHolds(deps: AppDeps, providers: PaymentProviders, options: ExpiryOptions = {}): Promise<ExpirySweep> {
  const batchSize = options.batchSize ?? 100;
  let expired = 0;
  let kept = 0;
  for (;;) {
    const sweep = await expireDueHolds(deps, providers, { ...options, batchSize });
    expired += sweep.expired;
    kept += sweep.kept;
    if (sweep.expired === 0 || sweep.expired + sweep.kept < batchSize) return { expired, kept };
  }
}
