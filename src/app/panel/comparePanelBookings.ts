import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { withSystemTransaction } from '../../db/transaction.js';
import { sql } from '../../db/sql.js';
import { panelStatusOf, type PanelBookingStatus } from '../../domain/panelPush.js';
import type { ActivityPanel, PanelBooking } from '../../panel/panel.js';
import type { AppDeps } from '../context.js';
import { requeuePush } from './panelDeliveries.js';
import { departureIdOfSlot, PANEL_SLOT_PREFIX } from './panelPushReaction.js';

type Shown = { readonly departureId: string; readonly status: PanelBookingStatus; readonly seats: number };

/** A reservation the panel shows otherwise than the ledger (`panel: null`: it lacks it; `ledger: null`: the ledger does). */
export type BookingDifference = { readonly reservationId: string; readonly ledger: Shown | null; readonly panel: Shown | null };

export type ComparisonReport = {
  readonly tenantId: string;
  readonly checked: number;
  readonly differences: readonly BookingDifference[];
  /** Reservations queued to be pushed again (every difference the ledger has a reservation for). */
  readonly repushed: number;
};

const reservationRow = z.object({
  reservation_id: z.string(),
  slot_id: z.string(),
  seats: z.number(),
  status: z.enum(['held', 'paid', 'expired', 'cancelled', 'refunded']),
  version: z.number(),
});

/** Pages of the panel's bookings: the whole list, from its start. */
async function allLedgerBookings(panel: ActivityPanel, accountId: string): Promise<PanelBooking[]> {
  const found: PanelBooking[] = [];
  let cursor: string | undefined;
  do {
    const page = await panel.bookings(accountId, cursor === undefined ? {} : { cursor });
    found.push(...page.items.filter((booking) => booking.source === 'ledger'));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return found;
}

const same = (a: Shown, b: Shown) => a.departureId === b.departureId && a.status === b.status && a.seats === b.seats;

/**
 * The daily comparison (PANEL.md): the panel's `source: ledger` bookings of each synced account
 * against the ledger's reservations on the panel's slots. A reservation the panel lacks or shows
 * otherwise (status, seats, departure) is queued to be pushed again at its current version; a
 * booking the ledger has no reservation for is reported only. Each account's findings are stored
 * (panel_comparisons) and returned for the log; a panel that cannot be reached fails the run, and
 * the next day's run compares again.
 */
export async function comparePanelBookings(
  deps: Pick<AppDeps, 'systemPool' | 'clock'> & { readonly panel: ActivityPanel },
  accounts: readonly string[],
): Promise<ComparisonReport[]> {
  const reports: ComparisonReport[] = [];
  for (const tenantId of accounts) {
    const atPanel = new Map<string, Shown>();
    for (const booking of await allLedgerBookings(deps.panel, tenantId)) {
      if (booking.externalRef === undefined) continue;
      atPanel.set(booking.externalRef, { departureId: booking.departureId, status: booking.status, seats: booking.seats });
    }
    const now = deps.clock().toISOString();
    const report = await withSystemTransaction(deps.systemPool, async (tx) => {
      const reservations = await tx.any(sql.type(reservationRow)`
        SELECT reservation_id::text, slot_id, seats, status, version FROM reservations_view
        WHERE tenant_id = ${tenantId} AND starts_with(slot_id, ${PANEL_SLOT_PREFIX})`);
      const differences: BookingDifference[] = [];
      let repushed = 0;
      for (const row of reservations) {
        const departureId = departureIdOfSlot(row.slot_id);
        if (departureId === null) continue;
        const ledger: Shown = { departureId, status: panelStatusOf(row.status), seats: row.seats };
        const panel = atPanel.get(row.reservation_id) ?? null;
        atPanel.delete(row.reservation_id);
        if (panel !== null && same(ledger, panel)) continue;
        differences.push({ reservationId: row.reservation_id, ledger, panel });
        await requeuePush(tx, { tenantId, reservationId: row.reservation_id, version: row.version, now });
        repushed += 1;
      }
      for (const [reservationId, panel] of atPanel) differences.push({ reservationId, ledger: null, panel });
      await tx.query(sql.typeAlias('void')`
        INSERT INTO panel_comparisons (id, tenant_id, compared_at, checked, differences)
        VALUES (${randomUUID()}, ${tenantId}, ${now}::timestamptz, ${reservations.length}, ${JSON.stringify(differences)}::jsonb)`);
      return { tenantId, checked: reservations.length, differences, repushed };
    });
    reports.push(report);
  }
  return reports;
}
