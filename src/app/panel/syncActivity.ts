import { decideActivity } from '../../domain/activity.js';
import { isDomainError } from '../../domain/errors.js';
import type { PanelActivity } from '../../panel/panel.js';
import type { Command } from '../command/command.js';
import { type PanelChangeOutcome, panelMetadata } from './panelChange.js';

/**
 * A panel activity into the ledger's activity of the same id (name and time zone, ADR 0038). The
 * panel has no locale: the one an admin set in the ledger is kept.
 */
export function syncActivityCommand(tenantId: string, activity: PanelActivity): Command<PanelChangeOutcome> {
  return {
    name: 'syncPanelActivity',
    tenantId,
    metadata: panelMetadata({ via: 'pull' }),
    streams: [{ aggregate: 'activity', id: activity.activityId }],
    decide: (loaded) => {
      const state = loaded.activity(activity.activityId);
      const locale = state.status === 'defined' ? state.locale : null;
      const events = decideActivity(
        { type: 'DefineActivity', activityId: activity.activityId, name: activity.name, timeZone: activity.timeZone, locale },
        state,
      );
      if (isDomainError(events)) return events;
      return { changes: [{ aggregate: 'activity', id: activity.activityId, events }], result: events.length > 0 ? 'applied' : 'unchanged' };
    },
  };
}
