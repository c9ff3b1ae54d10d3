import { withTransaction } from '../../db/transaction.js';
import type { ActivityPanel, PageRequest, PanelPage } from '../../panel/panel.js';
import { type PanelList, readPullPositions, savePullCompleted, savePullPosition } from '../../../projections/panelSync.js';
import type { Command } from '../command/command.js';
import { decidedResult } from '../command/commandEnd.js';
import { runCommand } from '../command/runCommand.js';
import type { AppDeps } from '../context.js';
import type { PanelChangeOutcome } from './panelChange.js';
import { syncActivityCommand } from './syncActivity.js';
import { syncBookingCommand } from './syncBooking.js';
import { syncDepartureCommand } from './syncDeparture.js';

/**
 * Commands of one page run this many at a time (the command pool holds 20): a page's departures are distinct slots, so they take
 * distinct locks; a page's bookings on one departure queue on its lock like any holds.
 */
const COMMANDS_AT_ONCE = 8;

export type PullReport = { readonly applied: number; readonly unchanged: number; readonly ignored: number; readonly refused: number };

export type PullDeps = {
  readonly app: AppDeps;
  readonly panel: ActivityPanel;
  /** A change the ledger refused (a currency change under sold seats): logged, and the pull goes on. */
  readonly onRefused: (message: string) => void;
};

type Counts = { applied: number; unchanged: number; ignored: number; refused: number };

/**
 * One pull of a panel account (= tenant): activities, then departures, then bookings (a booking's
 * departure is in the ledger before the booking), each list paged from where the last pull got to
 * (`panel_pull_state`), its position saved after every page so an interrupted pull resumes there.
 * Every item is applied as a command, exactly as its webhook would be: applying one twice changes
 * nothing, so the pull is the safety net for lost webhooks. The panel being down throws
 * `PanelUnavailableError` before anything of the page is applied; the next run resumes.
 */
export async function pullPanelAccount(deps: PullDeps, tenantId: string): Promise<PullReport> {
  const { app, panel } = deps;
  const positions = await withTransaction(app.pool, (tx) => readPullPositions(tx, tenantId), { tenantId });
  const counts: Counts = { applied: 0, unchanged: 0, ignored: 0, refused: 0 };
  await pullList(
    deps,
    tenantId,
    'activities',
    positions.get('activities'),
    counts,
    (page) => panel.activities(tenantId, page),
    (item) => syncActivityCommand(tenantId, item),
  );
  await pullList(
    deps,
    tenantId,
    'departures',
    positions.get('departures'),
    counts,
    (page) => panel.departures(tenantId, page),
    (item) => syncDepartureCommand(tenantId, item, { via: 'pull' }),
  );
  await pullList(
    deps,
    tenantId,
    'bookings',
    positions.get('bookings'),
    counts,
    (page) => panel.bookings(tenantId, page),
    (item) =>
      // The ledger's own bookings come back in this list: they are the push side's, not seats to take.
      item.source === 'panel' ? syncBookingCommand(tenantId, item, { via: 'pull' }) : null,
  );
  return counts;
}

async function pullList<Item extends { readonly updatedAt: string }>(
  deps: PullDeps,
  tenantId: string,
  list: PanelList,
  from: string | undefined,
  counts: Counts,
  readPage: (page: PageRequest) => Promise<PanelPage<Item>>,
  commandOf: (item: Item) => Command<PanelChangeOutcome, unknown> | null,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await readPage({ ...(from === undefined ? {} : { updatedSince: from }), ...(cursor === undefined ? {} : { cursor }) });
    await applyAll(deps, page.items, commandOf, counts, list);
    const last = page.items.at(-1);
    if (last !== undefined) {
      await withTransaction(deps.app.pool, (tx) => savePullPosition(tx, tenantId, list, last.updatedAt), { tenantId });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const at = deps.app.clock().toISOString();
  await withTransaction(deps.app.pool, (tx) => savePullCompleted(tx, tenantId, list, at), { tenantId });
}

async function applyAll<Item>(
  deps: PullDeps,
  items: readonly Item[],
  commandOf: (item: Item) => Command<PanelChangeOutcome, unknown> | null,
  counts: Counts,
  list: PanelList,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as Item;
      next += 1;
      const command = commandOf(item);
      if (command === null) {
        counts.ignored += 1;
        continue;
      }
      const outcome = decidedResult(await runCommand(deps.app, command));
      if (outcome.ok) counts[outcome.value === 'duplicate' ? 'unchanged' : outcome.value] += 1;
      else {
        counts.refused += 1;
        deps.onRefused(`panel pull: a change of ${list} was refused: ${outcome.error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(COMMANDS_AT_ONCE, items.length) }, worker));
}
