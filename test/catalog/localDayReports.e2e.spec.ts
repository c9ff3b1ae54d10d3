import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyReportsConsumer, resetDailyReports } from '../../projections/reports/dailyReports.js';
import { rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { drain } from '../consumers/logFixtures.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// Issue 14 item 1: the occupancy report counts a departure on its activity's local day, follows a
// change of the activity's zone, and a rebuild from the log gives the same rows.

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger();
  admin = ledger.token({ groups: ['admin'], sub: 'lday-admin' });
});
afterAll(async () => {
  await ledger.close();
});

const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const catchUpReports = () => drain(ledger.deps.systemPool, dailyReportsConsumer);

async function putActivity(activityId: string, timeZone: string) {
  const res = await ledger.call('PUT', `/v1/activities/${activityId}`, { token: admin, body: { name: activityId, timeZone } });
  expect([200, 201]).toContain(res.status);
}

async function putSlot(slotId: string, activityId: string, startsAt: string) {
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId, startsAt, capacity: 8, unitPrice: { amount: 9000, currency: 'BRL' } },
  });
  expect(res.status).toBe(201);
}

/** The occupancy report's day for each of `slotIds` (absent: not on any day of the range). */
async function daysOf(slotIds: readonly string[], from: string, to: string): Promise<Record<string, string>> {
  const res = await ledger.call('GET', `/v1/reports/occupancy?from=${from}&to=${to}`, { token: admin });
  expect(res.status).toBe(200);
  const rows = res.body.slots as { slotId: string; day: string }[];
  return Object.fromEntries(rows.filter((row) => slotIds.includes(row.slotId)).map((row) => [row.slotId, row.day]));
}

async function reportRows(): Promise<unknown[]> {
  const { rows } = await ledger.db.asOwner<{ row: unknown }>(
    'SELECT to_jsonb(t) AS row FROM report_slot_occupancy t ORDER BY tenant_id, slot_id',
  );
  return rows.map((r) => r.row);
}

async function activityRows(): Promise<unknown[]> {
  const { rows } = await ledger.db.asOwner<{ row: unknown }>(
    'SELECT to_jsonb(t) AS row FROM activity_view t ORDER BY tenant_id, activity_id',
  );
  return rows.map((r) => r.row);
}

describe('daily occupancy on the local day', () => {
  it('counts an 8 pm departure in Brazil on its own day, re-days departures when the zone changes or the activity is defined later, and rebuilds to the same rows', async () => {
    const brazil = newId('pantanal');
    const later = newId('undefined-yet');
    await putActivity(brazil, 'America/Sao_Paulo');
    const evening = newId('evening');
    const early = newId('early');
    const orphan = newId('orphan');
    // 00:00 UTC on the 16th is 21:00 in São Paulo on the 15th; 02:30 UTC is 23:30 on the 15th there.
    await putSlot(evening, brazil, '2031-01-16T00:00:00.000Z');
    await putSlot(early, brazil, '2031-01-16T02:30:00.000Z');
    await putSlot(orphan, later, '2031-01-16T00:00:00.000Z');
    await catchUpReports();
    const slots = [evening, early, orphan];
    expect(await daysOf(slots, '2031-01-14', '2031-01-17')).toEqual({
      [evening]: '2031-01-15',
      [early]: '2031-01-15',
      [orphan]: '2031-01-16',
    });

    // India is UTC+05:30: both departures move to the 16th; the activity defined late takes its zone too.
    await putActivity(brazil, 'Asia/Kolkata');
    await putActivity(later, 'America/Sao_Paulo');
    await catchUpReports();
    expect(await daysOf(slots, '2031-01-14', '2031-01-17')).toEqual({
      [evening]: '2031-01-16',
      [early]: '2031-01-16',
      [orphan]: '2031-01-15',
    });

    const liveReports = await reportRows();
    const liveActivities = await activityRows();
    await withSystemTransaction(ledger.deps.systemPool, (tx) => resetDailyReports(tx, ledger.clock.now()));
    await catchUpReports();
    expect(await reportRows()).toEqual(liveReports);

    await rebuildProjections(ledger.deps.systemPool);
    expect(await activityRows()).toEqual(liveActivities);
    const verified = await verifyLedger(ledger.deps.systemPool);
    expect(verified.projectionMismatches).toEqual([]);
  });

  it('verification names an activity_view row that differs from its stream', async () => {
    const activityId = newId('tampered');
    await putActivity(activityId, 'Europe/Lisbon');
    await ledger.db.asOwner("UPDATE activity_view SET time_zone = 'UTC' WHERE activity_id = $1", [activityId]);
    const verified = await verifyLedger(ledger.deps.systemPool);
    expect(JSON.stringify(verified.projectionMismatches)).toContain(activityId);
    await rebuildProjections(ledger.deps.systemPool);
    expect((await verifyLedger(ledger.deps.systemPool)).projectionMismatches).toEqual([]);
  });
});
