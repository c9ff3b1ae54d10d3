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

/**
 * This ledger's system sessions that are in a transaction and waiting for their client, with their last
 * statement. The logins are the cluster's, shared by test files running at the same time: only this
 * test's database counts.
 */
async function systemSessionsIdleInTransaction() {
  const { rows } = await h.ledger.db.asOwner<{ query: string }>(
    `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 AND state LIKE 'idle in transaction%'`,
    [decodeURIComponent(new URL(h.ledger.db.logins.system).username)],
  );
  return rows;
}

/**
 * A reservation's push is held by a lease (ADR 0055), not by a transaction: while the panel is slow
 * to answer, no system session sits in an open transaction; a version recorded meanwhile is pushed
 * by the holder; a dead holder's lease runs out.
 */
describe('panel pushes held by a lease while the panel is called', () => {
  it('keeps no system session in a transaction while the panel holds the request open', async () => {
    const { slotId } = await h.panelSlot(10);
    const reservationId = await h.hold(slotId, 2);
    const slowPanel = h.panel.holdAnswers();
    const pushing = h.runJobs();
    try {
      await slowPanel.arrived();
      expect(await systemSessionsIdleInTransaction()).toEqual([]);
    } finally {
      slowPanel.release();
      await pushing;
    }
    expect(h.puts(reservationId).map((put) => [put.status, put.answered])).toEqual([['held', 201]]);
    expect(h.errors).toEqual([]);
  });

  it('pushes a version recorded during the call right after it, never leaving it behind', async () => {
    const { slotId } = await h.panelSlot(10);
    const reservationId = await h.hold(slotId, 1);
    const slowPanel = h.panel.holdAnswers();
    const pushing = h.runJobs();
    try {
      await slowPanel.arrived();
      await h.pay(reservationId);
      // The payment's push job finds the reservation's push taken and leaves it to the holder.
      await h.runJobs();
      expect(h.puts(reservationId)).toEqual([]);
    } finally {
      slowPanel.release();
      await pushing;
    }
    expect(h.puts(reservationId).map((put) => put.status)).toEqual(['held', 'confirmed']);
    const deliveries = await h.deliveries(reservationId);
    expect(deliveries.filter((row) => row.status === 'queued')).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'sent', version: h.puts(reservationId).at(-1)?.version });
    const [atPanel] = h.panel.ledgerBookings(TENANT).filter((b) => b.externalRef === reservationId);
    expect(atPanel?.status).toBe('confirmed');
    expect(h.errors).toEqual([]);
  });

  it('lets a pusher whose lease ran out and went to another record nothing over that one', async () => {
    const { slotId } = await h.panelSlot(10);
    const reservationId = await h.hold(slotId, 1);
    const key = `panel-push:${TENANT}:${reservationId}`;
    const slowPanel = h.panel.holdAnswers();
    const pushing = h.runJobs();
    try {
      await slowPanel.arrived();
      // The pusher is paused past its lease: another took the reservation's push and sent it meanwhile.
      await h.ledger.db.asOwner(
        `UPDATE call_leases SET holder = gen_random_uuid(), leased_until = now() + interval '1 hour' WHERE lease_key = $1`,
        [key],
      );
      await h.ledger.db.asOwner(`UPDATE panel_deliveries SET status = 'sent' WHERE reservation_id = $1`, [reservationId]);
      // The late pusher's own request then fails.
      h.panel.answerBusy(1, { status: 503 });
    } finally {
      slowPanel.release();
      await pushing;
    }
    expect((await h.deliveries(reservationId)).map((row) => [row.status, row.attempts])).toEqual([['sent', 0]]);
    expect(h.errors).toEqual([]);
  });

  it('pushes a reservation whose pusher died once its lease has run out, and not before', async () => {
    const { slotId } = await h.panelSlot(10);
    const reservationId = await h.hold(slotId, 1);
    const key = `panel-push:${TENANT}:${reservationId}`;
    await h.ledger.db.asOwner(`INSERT INTO call_leases (lease_key, holder, leased_until) VALUES ($1, $2, now() + interval '1 hour')`, [
      key,
      randomUUID(),
    ]);
    await h.runJobs();
    await h.sweep();
    expect(h.puts(reservationId)).toEqual([]);
    expect((await h.deliveries(reservationId)).map((row) => row.status)).toEqual(['queued']);

    await h.ledger.db.asOwner(`UPDATE call_leases SET leased_until = now() - interval '1 second' WHERE lease_key = $1`, [key]);
    await h.sweep();
    expect(h.puts(reservationId).map((put) => [put.status, put.answered])).toEqual([['held', 201]]);
    expect((await h.deliveries(reservationId)).map((row) => row.status)).toEqual(['sent']);
    expect(h.errors).toEqual([]);
  });
});
