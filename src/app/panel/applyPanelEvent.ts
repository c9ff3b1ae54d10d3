import type { PanelEvent } from '../../panel/panel.js';
import { decidedResult } from '../command/commandEnd.js';
import { runCommand } from '../command/runCommand.js';
import type { AppDeps } from '../context.js';
import type { Outcome } from '../outcome.js';
import type { PanelChangeOutcome } from './panelChange.js';
import { syncBookingCommand } from './syncBooking.js';
import { syncDepartureCommand } from './syncDeparture.js';

/**
 * A panel webhook, its signature verified: applied once per event id, its id claimed in the same
 * transaction as the change (ADR 0045). Accounts this server does not sync, and the ledger's own
 * bookings coming back, are ignored; so is a booking on a departure the ledger has not read yet
 * (not claimed: the pull brings it once its departure is in).
 */
export async function applyPanelEvent(deps: AppDeps, accounts: readonly string[], event: PanelEvent): Promise<Outcome<PanelChangeOutcome>> {
  if (!accounts.includes(event.accountId)) return { ok: true, value: 'ignored' };
  const source = { via: 'webhook', eventId: event.id, eventType: event.type } as const;
  switch (event.type) {
    case 'departure.updated':
    case 'departure.cancelled':
      return decidedResult(await runCommand(deps, syncDepartureCommand(event.accountId, event.data, source)));
    case 'booking.created':
    case 'booking.cancelled':
      if (event.data.source !== 'panel') return { ok: true, value: 'ignored' };
      return decidedResult(await runCommand(deps, syncBookingCommand(event.accountId, event.data, source)));
  }
}
