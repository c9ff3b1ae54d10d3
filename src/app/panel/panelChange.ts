import { sha256 } from '../../ledger/sha256.js';
import type { EventMetadata } from '../streams.js';
import {
  conflictRowKey,
  openConflictStatement,
  type PanelConflict,
  recordWebhookStatement,
  webhookInboxRowKey,
} from '../../../projections/panelSync.js';
import type { Decision } from '../command/command.js';

/** The actor of every event the panel's changes make: auditors see the panel changed it, not a person. */
export const PANEL_ACTOR = 'panel';

/** How a panel change reached the ledger: a webhook (applied once per event id) or the periodic pull. */
export type PanelChangeSource =
  { readonly via: 'pull' } | { readonly via: 'webhook'; readonly eventId: string; readonly eventType: string };

/** What applying one panel change did (the webhook's receipt says it back). */
export type PanelChangeOutcome = 'applied' | 'unchanged' | 'duplicate' | 'ignored';

/** The ledger's slot for a panel departure (PANEL.md). */
export function slotIdOfDeparture(departureId: string): string {
  return `panel-${departureId}`;
}

export function panelMetadata(source: PanelChangeSource): EventMetadata {
  return source.via === 'webhook'
    ? { actor: PANEL_ACTOR, source: 'panel-webhook', providerEventId: source.eventId }
    : { actor: PANEL_ACTOR, source: 'panel-pull' };
}

/**
 * A conflict's id, from what it is about and when it was opened: the same decision gives the same id
 * (decide stays a function of its input), and the partial unique index keeps one open per thing.
 */
function conflictId(tenantId: string, conflict: PanelConflict, now: string): string {
  const hex = sha256(`${conflictRowKey(tenantId, conflict)}@${now}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The rows a panel change writes with its events: the conflicts it opens and, for a webhook, its id claimed. */
export function panelChangeRows(
  tenantId: string,
  source: PanelChangeSource,
  conflicts: readonly PanelConflict[],
  now: string,
): NonNullable<Decision<unknown>['rows']> {
  const rows = conflicts.map((conflict) => ({
    key: conflictRowKey(tenantId, conflict),
    statement: openConflictStatement(tenantId, conflictId(tenantId, conflict, now), conflict, now),
  }));
  if (source.via === 'webhook') {
    rows.push({
      key: webhookInboxRowKey(tenantId, source.eventId),
      statement: recordWebhookStatement(tenantId, source.eventId, source.eventType, now),
    });
  }
  return rows;
}
