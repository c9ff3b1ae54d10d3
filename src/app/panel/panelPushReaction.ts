import { panelStatusOf } from '../../domain/panelPush.js';
import type { FollowUpJob } from '../../jobs/followUpJobs.js';
import type { ChangeReaction } from '../command/reactions.js';

/** A slot that comes from the panel: `panel-<departureId>` (PANEL.md). Only these are pushed back. */
export const PANEL_SLOT_PREFIX = 'panel-';

/** The panel's departure id of a slot imported from it, or null for the ledger's own slots. */
export function departureIdOfSlot(slotId: string): string | null {
  return slotId.startsWith(PANEL_SLOT_PREFIX) && slotId.length > PANEL_SLOT_PREFIX.length ? slotId.slice(PANEL_SLOT_PREFIX.length) : null;
}

/**
 * Every change of a reservation that the panel shows differently (held, confirmed, cancelled), and
 * the erasure of its customer's data, is pushed to it, for tenants whose panel account is synced (PANEL_ACCOUNTS) and slots that came from
 * the panel. The job only records the push in the change's transaction; the order and the retries
 * come from the delivery table (ADR 0053).
 */
export function panelPushReaction(accounts: readonly string[]): ChangeReaction {
  const synced = new Set(accounts);
  return (change): readonly FollowUpJob[] => {
    if (change.aggregate !== 'reservation' || !synced.has(change.tenantId)) return [];
    const { before, after } = change;
    if (after.status === 'none' || departureIdOfSlot(after.slotId) === null) return [];
    // An erased customer is pushed again, so the panel's copy of their name and e-mail reads `[erased]` too.
    const erased = change.events.some((event) => event.type === 'CustomerDataErased');
    if (!erased && before.status !== 'none' && panelStatusOf(before.status) === panelStatusOf(after.status)) return [];
    return [{ task: 'pushToPanel', payload: { tenantId: change.tenantId, reservationId: change.id, version: change.version } }];
  };
}
