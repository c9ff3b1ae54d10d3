import { withTransaction } from '../../db/transaction.js';
import type { Principal } from '../../identity/principal.js';
import { acknowledgeConflict, listConflicts, type PanelConflictKind, readLastPullAt } from '../../../projections/panelSync.js';
import type { AppDeps } from '../context.js';
import { notFound, type Outcome } from '../outcome.js';
import { readAsTenant } from '../readAsTenant.js';
import { type PushQueueSummary, pushQueueSummary } from './pushQueueSummary.js';

/** Conflicts one status shows: open ones first, then the latest acknowledged. */
const CONFLICTS_SHOWN = 500;

export type PanelConflictView = {
  readonly id: string;
  readonly kind: PanelConflictKind;
  readonly slotId: string;
  readonly reservationId?: string;
  readonly bookingId?: string;
  readonly detail: string;
  readonly openedAt: string;
  readonly acknowledgedAt?: string;
};

export type PanelSyncStatus = PushQueueSummary & {
  readonly enabled: boolean;
  readonly lastPullAt: string | null;
  /** Seconds since the catalogue was last read in full; null before the first complete pull. */
  readonly lagSeconds: number | null;
  readonly conflicts: readonly PanelConflictView[];
};

/** `GET /v1/backoffice/sync`: the tenant's sync with its panel as the backoffice sees it (API.md). */
export async function readPanelSyncStatus(deps: AppDeps, principal: Principal, enabled: boolean): Promise<PanelSyncStatus> {
  const tenantId = principal.tenantId;
  const now = deps.clock();
  return readAsTenant(deps.pool, principal, async (tx) => {
    const [lastPullAt, conflicts, pushes] = await Promise.all([
      readLastPullAt(tx, tenantId),
      listConflicts(tx, tenantId, CONFLICTS_SHOWN),
      pushQueueSummary(tx),
    ]);
    return {
      enabled,
      lastPullAt,
      lagSeconds: lastPullAt === null ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(lastPullAt)) / 1000)),
      ...pushes,
      conflicts: conflicts.map((row) => ({
        id: row.id,
        kind: row.kind,
        slotId: row.slot_id,
        ...(row.reservation_id === null ? {} : { reservationId: row.reservation_id }),
        ...(row.booking_id === null ? {} : { bookingId: row.booking_id }),
        detail: row.detail,
        openedAt: row.opened_at,
        ...(row.acknowledged_at === null ? {} : { acknowledgedAt: row.acknowledged_at }),
      })),
    };
  });
}

/** Closes an open conflict with the admin's note: who, when and why stay on its row. */
export async function acknowledgePanelConflict(
  deps: AppDeps,
  principal: Principal,
  input: { readonly conflictId: string; readonly note: string },
): Promise<Outcome<{ readonly id: string; readonly acknowledgedAt: string }>> {
  const now = deps.clock().toISOString();
  const tenantId = principal.tenantId;
  const id = await withTransaction(
    deps.pool,
    (tx) => acknowledgeConflict(tx, { tenantId, id: input.conflictId, by: principal.sub, note: input.note, now }),
    { tenantId },
  );
  if (id === null) return { ok: false, error: notFound(`open conflict ${input.conflictId}`) };
  return { ok: true, value: { id, acknowledgedAt: now } };
}
