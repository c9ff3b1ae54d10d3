import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PushHarness, startPushHarness, TENANT } from './pushHarness.js';

let h: PushHarness;
beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => {
  await h.close();
});

describe('the daily comparison of the panel’s ledger bookings with the reservations', () => {
  it('re-pushes a reservation the panel lacks, reports a booking the ledger has no reservation for, and stores what it found', async () => {
    const { slotId, departureId } = await h.panelSlot(10);
    const inSync = await h.hold(slotId, 1);
    await h.runJobs();
    // A push that failed for good and that nobody retried: the panel never heard of this hold.
    await h.panel.goDown();
    const lost = await h.hold(slotId, 2);
    await h.runJobs();
    while (await h.sweepAtNextRetry());
    expect((await h.deliveries(lost)).map((row) => row.status)).toEqual(['failed']);
    await h.panel.comeBack();
    // A ledger booking at the panel that no reservation of this ledger matches.
    const stranger = randomUUID();
    const put = await fetch(`${h.panel.url}/v1/accounts/${TENANT}/bookings/ledger-${stranger}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.panel.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        departureId,
        seats: 1,
        status: 'held',
        customer: { name: 'Bea', email: 'bea@example.com' },
        total: { amount: 4500, currency: 'EUR' },
        externalRef: stranger,
        version: 1,
      }),
    });
    expect(put.status).toBe(201);

    await h.ledger.composed.jobs.comparePanelBookings!({});
    const { rows } = await h.ledger.db.asOwner<{ checked: number; differences: unknown[] }>(
      'SELECT checked, differences FROM panel_comparisons WHERE tenant_id = $1',
      [TENANT],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.checked).toBe(2);
    expect(rows[0]!.differences).toEqual(
      expect.arrayContaining([
        { reservationId: lost, ledger: { departureId, status: 'held', seats: 2 }, panel: null },
        { reservationId: stranger, ledger: null, panel: { departureId, status: 'held', seats: 1 } },
      ]),
    );
    expect(rows[0]!.differences).toHaveLength(2);
    expect(JSON.stringify(rows[0]!.differences)).not.toContain(inSync);

    await h.sweep();
    expect(h.puts(lost).at(-1)).toMatchObject({ status: 'held', seats: 2, answered: 201 });
    expect((await h.deliveries(lost)).map((row) => row.status)).toEqual(['sent']);
    expect((await h.summary()).failed).toEqual([]);
  });
});
