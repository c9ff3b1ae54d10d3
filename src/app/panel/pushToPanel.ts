import { randomUUID } from 'node:crypto';
import { type CallLease, claimCallLease, holdsCallLease, releaseCallLease } from '../../db/callLeases.js';
import { withSystemTransaction } from '../../db/transaction.js';
import type { Queries } from '../../db/queries.js';
import { sql } from '../../db/sql.js';
import { afterFailedPush, panelStatusOf } from '../../domain/panelPush.js';
import {
  type ActivityPanel,
  type LedgerBooking,
  PANEL_REQUEST_TIMEOUT_MS,
  PanelProtocolError,
  PanelUnavailableError,
  type PushOutcome,
} from '../../panel/panel.js';
import { readReservationView, type ReservationView } from '../../../projections/reservationView.js';
import type { AppDeps } from '../context.js';
import {
  markAttemptFailed,
  markConflict,
  markPushed,
  panelInBackoff,
  pendingPushes,
  type PendingPush,
  recordPush,
  reservationsDue,
} from './panelDeliveries.js';
import { departureIdOfSlot } from './panelPushReaction.js';

export type PushDeps = Pick<AppDeps, 'systemPool' | 'clock' | 'personalData'> & { readonly panel: ActivityPanel };

/** What one push of a reservation came to. */
export type PushResult = 'sent' | 'conflict' | 'retry' | 'failed' | 'nothing' | 'busy';

/** How many reservations one sweep pushes at most: the next sweep takes the rest. */
const SWEEP_BATCH = 100;

/** The reservation as the panel is to store it: its state now, at its stream's version now. */
export function ledgerBookingOf(row: ReservationView): LedgerBooking | null {
  const departureId = departureIdOfSlot(row.slot_id);
  if (departureId === null) return null;
  return {
    reservationId: row.reservation_id,
    departureId,
    seats: row.seats,
    status: panelStatusOf(row.status),
    customer: { name: row.customer_name, email: row.customer_email },
    total: { amount: row.total_amount, currency: row.total_currency },
    version: row.version,
  };
}

/**
 * The `pushToPanel` job: the version its change committed is recorded, then the reservation is
 * pushed at once — unless the panel is failing (pushes wait for their retry), in which case the
 * recorded version is due now and the sweep sends it: while the panel is down or slow, its calls
 * take one worker (the sweep's), not one per booking.
 */
export async function recordAndPush(
  deps: PushDeps,
  job: { tenantId: string; reservationId: string; version: number },
): Promise<PushResult> {
  const failing = await withSystemTransaction(deps.systemPool, async (tx) => {
    const now = deps.clock().toISOString();
    await recordPush(tx, { ...job, now });
    return panelInBackoff(tx, now);
  });
  if (failing) return 'nothing';
  return pushReservation(deps, job.tenantId, job.reservationId);
}

export type PushCounts = Record<PushResult, number>;

/**
 * The periodic sweep: the reservations whose push is due now (new ones, and retries whose time has
 * come), one after the other. The first try that fails ends the sweep: the panel is down or busy,
 * and the others wait for the next sweep rather than each waiting for a timeout now.
 */
export async function sendDuePushes(deps: PushDeps): Promise<PushCounts> {
  const counts: PushCounts = { sent: 0, conflict: 0, retry: 0, failed: 0, nothing: 0, busy: 0 };
  const due = await withSystemTransaction(deps.systemPool, (tx) => reservationsDue(tx, deps.clock().toISOString(), SWEEP_BATCH));
  for (const { tenantId, reservationId } of due) {
    const result = await pushReservation(deps, tenantId, reservationId);
    counts[result] += 1;
    if (result === 'retry' || result === 'failed') break;
  }
  return counts;
}

/**
 * The sweep as the periodic job runs it: a run that starts while this process's previous one is
 * still waiting on a slow panel does nothing, so sweeps never pile up on the job workers.
 */
export function createPushSweeper(deps: PushDeps): () => Promise<PushCounts | null> {
  let running = false;
  return async () => {
    if (running) return null;
    running = true;
    try {
      return await sendDuePushes(deps);
    } finally {
      running = false;
    }
  };
}

/**
 * How long a push holds its reservation: the panel's longest call with a wide margin, so a live
 * pusher never loses it mid-call; a dead one's comes free then.
 */
export const PUSH_LEASE_SECONDS = PANEL_REQUEST_TIMEOUT_MS / 1000 + 50;

/** One push to make, read under the reservation's lease. */
type PushToMake = {
  readonly lease: CallLease;
  readonly pending: readonly PendingPush[];
  readonly booking: LedgerBooking;
  readonly slotId: string;
  readonly now: string;
};

type PanelAnswer = PushOutcome | PanelUnavailableError | PanelProtocolError;

/**
 * Pushes one reservation as it stands now, if it has a queued version whose time has come. The
 * order per reservation comes from here, not from the job queue: one worker at a time holds the
 * reservation's push (a lease, ADR 0055) and always sends its latest state and version, which the
 * panel keeps over any lower version — so versions recorded while an older one waited are covered
 * by one request, and a retry can never put an older state over a newer one.
 *
 * No transaction is open while the panel is called: a short one claims the lease and reads what to
 * send, a second records the answer and releases. A version recorded during the call (its own job
 * found the reservation `busy`) is seen by the second one, which releases first: the reservation is
 * then pushed again at once, as it stands then.
 */
export async function pushReservation(deps: PushDeps, tenantId: string, reservationId: string): Promise<PushResult> {
  // What this call did: a push sent before a second round found nothing to do (or another worker on it) was sent.
  let sent: 'sent' | null = null;
  for (;;) {
    const push = await withSystemTransaction(deps.systemPool, async (tx) => {
      const claim = await claimCallLease(tx, pushLeaseKey(tenantId, reservationId), PUSH_LEASE_SECONDS);
      if (!claim.claimed) return 'busy' as const;
      return pushToMake(tx, deps, tenantId, reservationId, claim.lease);
    });
    if (push === 'busy' || push === 'nothing') return sent ?? push;
    const answer = await callPanel(deps, tenantId, push);
    const recorded = await withSystemTransaction(deps.systemPool, (tx) => recordAnswer(tx, { tenantId, reservationId }, push, answer));
    if (!recorded.againNow) return recorded.result;
    sent = 'sent';
  }
}

const pushLeaseKey = (tenantId: string, reservationId: string) => `panel-push:${tenantId}:${reservationId}`;

/** What to push now, under `lease`; with nothing due, the lease is released. */
async function pushToMake(
  tx: Queries,
  deps: PushDeps,
  tenantId: string,
  reservationId: string,
  lease: CallLease,
): Promise<PushToMake | 'nothing'> {
  const pending = await pendingPushes(tx, tenantId, reservationId);
  const now = deps.clock().toISOString();
  if (pending.length === 0 || !pending.some((row) => row.next_attempt_at <= now)) {
    await releaseCallLease(tx, lease);
    return 'nothing';
  }
  const reservation = await readReservationView(tx, tenantId, reservationId);
  if (reservation === null) throw new Error(`panel push of reservation ${reservationId}: no such reservation in tenant ${tenantId}`);
  const sealed = ledgerBookingOf(reservation);
  if (sealed === null) throw new Error(`panel push of reservation ${reservationId}: slot ${reservation.slot_id} is not the panel's`);
  // The panel gets the customer as the API shows them: opened, or `[erased]`.
  const booking = { ...sealed, customer: await deps.personalData.openCustomer(tx, sealed.customer) };
  return { lease, pending, booking, slotId: reservation.slot_id, now };
}

/** The panel's answer, or the failure to retry; any other error releases the lease and propagates. */
async function callPanel(deps: PushDeps, tenantId: string, push: PushToMake): Promise<PanelAnswer> {
  try {
    return await deps.panel.putBooking(tenantId, push.booking);
  } catch (error) {
    if (error instanceof PanelUnavailableError || error instanceof PanelProtocolError) return error;
    await withSystemTransaction(deps.systemPool, (tx) => releaseCallLease(tx, push.lease));
    throw error;
  }
}

/**
 * Records the panel's answer and releases the lease, then looks for versions recorded during the
 * call (the lease's row is locked first: a job that found the reservation busy had recorded its
 * version before). `againNow`: the panel stored this push and a newer version waits. A pusher whose
 * lease ran out and went to another (a long pause) records nothing: the new holder owns the
 * reservation's pushes and may have sent a newer version since.
 */
async function recordAnswer(
  tx: Queries,
  { tenantId, reservationId }: { tenantId: string; reservationId: string },
  push: PushToMake,
  answer: PanelAnswer,
): Promise<{ result: PushResult; againNow: boolean }> {
  if (!(await holdsCallLease(tx, push.lease))) return { result: 'busy', againNow: false };
  const { booking, now } = push;
  if (answer instanceof PanelUnavailableError || answer instanceof PanelProtocolError) {
    const result = await recordFailure(tx, push.pending, now, answer);
    await releaseCallLease(tx, push.lease);
    return { result, againNow: false };
  }
  if (answer.kind === 'noCapacity') {
    const detail = `the panel has no room for ${booking.seats} seat(s) of reservation ${reservationId} on departure ${booking.departureId}`;
    await markConflict(tx, { tenantId, reservationId, now, detail, pushedVersion: booking.version });
    await openNoCapacityConflict(tx, { tenantId, slotId: push.slotId, reservationId, detail, now });
    await releaseCallLease(tx, push.lease);
    return { result: 'conflict', againNow: false };
  }
  await markPushed(tx, { tenantId, reservationId, pending: push.pending, pushedVersion: booking.version, now });
  await releaseCallLease(tx, push.lease);
  // What is still queued was recorded during the call (markPushed settled every version up to this one).
  const queued = await pendingPushes(tx, tenantId, reservationId);
  return { result: 'sent', againNow: queued.some((row) => row.version > booking.version) };
}

async function recordFailure(
  tx: Queries,
  pending: readonly { id: string; attempts: number; queued_at: string }[],
  now: string,
  error: PanelUnavailableError | PanelProtocolError,
): Promise<PushResult> {
  // The reservation's versions wait together: the backoff of the one tried most often.
  const failedAttempts = Math.max(...pending.map((row) => row.attempts)) + 1;
  const retryAfterSeconds = error instanceof PanelUnavailableError ? error.retryAfterSeconds : undefined;
  const rows = pending.map((row) => {
    const next = afterFailedPush({
      failedAttempts,
      queuedAt: row.queued_at,
      now,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
    return { id: row.id, nextAttemptAt: next.kind === 'retry' ? next.at : null };
  });
  await markAttemptFailed(tx, { now, error: error.message, rows });
  return rows.some((row) => row.nextAttemptAt !== null) ? 'retry' : 'failed';
}

/** PANEL.md: `409 no_capacity` is a conflict for the backoffice (one open conflict per reservation), never retried. */
async function openNoCapacityConflict(
  tx: Queries,
  input: { tenantId: string; slotId: string; reservationId: string; detail: string; now: string },
): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO panel_conflicts (id, tenant_id, kind, slot_id, reservation_id, detail, opened_at)
    VALUES (${randomUUID()}, ${input.tenantId}, 'no_capacity', ${input.slotId}, ${input.reservationId}::uuid, ${input.detail}, ${input.now}::timestamptz)
    ON CONFLICT DO NOTHING`);
}
