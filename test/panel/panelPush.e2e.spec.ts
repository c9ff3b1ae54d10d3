import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIVE_UP_AFTER_SECONDS, LONGEST_RETRY_AFTER_SECONDS } from '../../src/domain/panelPush.js';
import { conflictRow, type PushHarness, startPushHarness, TENANT } from './pushHarness.js';

let h: PushHarness;
beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => {
  await h.close();
});

describe('ledger bookings pushed to the activity panel', () => {
  it('pushes a hold, its payment and its cancellation in order, each with its stream version', async () => {
    const { slotId, departureId } = await h.panelSlot(10);
    const reservationId = await h.hold(slotId, 2);
    await h.runJobs();
    await h.pay(reservationId);
    await h.runJobs();
    await h.cancel(reservationId);
    await h.runJobs();

    const puts = h.puts(reservationId);
    expect(puts.map((put) => put.status)).toEqual(['held', 'confirmed', 'cancelled']);
    expect(puts.map((put) => put.answered)).toEqual([201, 200, 200]);
    const versions = puts.map((put) => put.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    const [stored] = h.panel.ledgerBookings(TENANT).filter((b) => b.externalRef === reservationId);
    expect(stored).toMatchObject({ departureId, seats: 2, status: 'cancelled', customer: { name: 'Ana', email: 'ana@example.com' } });
    expect(stored?.total).toEqual({ amount: 9000, currency: 'EUR' });
    expect((await h.deliveries(reservationId)).map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('pushes nothing for the ledger’s own slots', async () => {
    const slotId = await h.ownSlot(5);
    const reservationId = await h.hold(slotId, 1);
    await h.runJobs();
    expect(h.puts(reservationId)).toEqual([]);
    expect(await h.deliveries(reservationId)).toEqual([]);
  });

  it('pushes an expired hold as cancelled', async () => {
    const { slotId } = await h.panelSlot(4);
    const reservationId = await h.hold(slotId, 1);
    await h.runJobs();
    h.ledger.clock.advance(901);
    await h.ledger.composed.jobs.expireDueHolds!({});
    await h.runJobs();
    expect(h.puts(reservationId).map((put) => put.status)).toEqual(['held', 'cancelled']);
  });

  it('keeps booking while the panel is down, and drains the queue in order once it is back (10 s, 60 s, 6 h)', async () => {
    for (const outageSeconds of [10, 60, 6 * 3600]) {
      const { slotId, departureId } = await h.panelSlot(10);
      await h.panel.goDown();
      const start = h.ledger.clock.now().getTime();
      const first = await h.hold(slotId, 1);
      await h.runJobs();
      const second = await h.hold(slotId, 2);
      await h.runJobs();
      // The panel is failing: the job only records the push; the sweep tries it, one worker for all.
      expect((await h.deliveries(second)).map((row) => row.attempts)).toEqual([0]);
      await h.pay(first);
      await h.runJobs();
      // Retries run as the clock moves through the outage: each wait at most an hour, all still queued.
      while (h.ledger.clock.now().getTime() - start < outageSeconds * 1000) {
        const queued = (await h.deliveries()).filter((row) => row.status === 'queued');
        for (const row of queued)
          expect(row.next_attempt_at.getTime() - h.ledger.clock.now().getTime()).toBeLessThanOrEqual(LONGEST_RETRY_AFTER_SECONDS * 1000);
        await h.sweepAtNextRetry();
      }
      const third = await h.hold(slotId, 3);
      await h.runJobs();
      expect((await h.summary()).queued).toBeGreaterThanOrEqual(4);
      expect(h.puts(first)).toEqual([]);

      await h.panel.comeBack();
      while (await h.sweepAtNextRetry());
      expect((await h.summary()).queued).toBe(0);
      // Once back, each reservation is sent as it stands: the first one's payment, never its hold after it.
      expect(h.puts(first).map((put) => put.status)).toEqual(['confirmed']);
      const atPanel = h.panel.ledgerBookings(TENANT).filter((b) => b.departureId === departureId);
      expect(Object.fromEntries(atPanel.map((b) => [b.externalRef, [b.status, b.seats]]))).toEqual({
        [first]: ['confirmed', 1],
        [second]: ['held', 2],
        [third]: ['held', 3],
      });
      expect((await h.deliveries(first)).map((row) => row.status)).toEqual(['superseded', 'sent']);
    }
  });

  it('waits as long as a busy panel’s Retry-After says', async () => {
    const { slotId } = await h.panelSlot(10);
    h.panel.answerBusy(1, { retryAfterSeconds: 120 });
    const reservationId = await h.hold(slotId, 1);
    const heldAt = h.ledger.clock.now().getTime();
    await h.runJobs();
    const [row] = await h.deliveries(reservationId);
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    expect(row!.next_attempt_at.getTime()).toBe(heldAt + 120_000);

    h.ledger.clock.advance(60);
    await h.sweep();
    expect(h.puts(reservationId).map((put) => put.answered)).toEqual([429]);
    h.ledger.clock.advance(60);
    await h.sweep();
    expect(h.puts(reservationId).map((put) => [put.status, put.answered])).toEqual([
      ['held', 429],
      ['held', 201],
    ]);
  });

  it('records a no_capacity answer as a conflict for the backoffice, and does not retry it', async () => {
    const { slotId, departureId } = await h.panelSlot(6, 3);
    expect(h.panel.bookAtDesk(TENANT, { bookingId: 'desk-1', departureId, seats: 3 })).not.toHaveProperty('refused');
    const reservationId = await h.hold(slotId, 2);
    await h.runJobs();
    expect((await h.deliveries(reservationId)).map((row) => row.status)).toEqual(['conflict']);
    const { rows } = await h.ledger.db.asOwner(
      'SELECT kind, slot_id, reservation_id::text, detail FROM panel_conflicts WHERE reservation_id = $1',
      [reservationId],
    );
    expect(rows.map((row) => conflictRow.parse(row))).toEqual([
      { kind: 'no_capacity', slot_id: slotId, reservation_id: reservationId, detail: expect.stringContaining(departureId) as string },
    ]);
    h.ledger.clock.advance(3600);
    await h.sweep();
    expect(h.puts(reservationId)).toHaveLength(1);
  });

  it('keeps a push as failed after 3 days of retries, lists it, and sends it again when an admin retries it', async () => {
    const { slotId } = await h.panelSlot(10);
    await h.panel.goDown();
    const reservationId = await h.hold(slotId, 1);
    const queuedAt = h.ledger.clock.now().getTime();
    await h.runJobs();
    while (await h.sweepAtNextRetry());
    const [failed] = await h.deliveries(reservationId);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.last_attempt_at!.getTime() - queuedAt).toBeGreaterThanOrEqual(GIVE_UP_AFTER_SECONDS * 1000);
    expect(failed!.attempts).toBeGreaterThan(70);
    // Another tenant's failed push is not this tenant's to see (row-level security on the summary's reads).
    const { rows: others } = await h.ledger.db.asOwner<{ id: string }>(
      `INSERT INTO panel_deliveries (id, tenant_id, reservation_id, version, status, attempts, queued_at, next_attempt_at)
       VALUES (gen_random_uuid(), 'tenant-other', gen_random_uuid(), 1, 'failed', 3, now(), now()) RETURNING id::text`,
    );
    const summary = await h.summary();
    expect(summary.failed.map((f) => f.id)).not.toContain(others[0]!.id);
    expect(summary.failed).toContainEqual({
      id: failed!.id,
      reservationId,
      attempts: failed!.attempts,
      lastError: expect.stringContaining('did not answer') as string,
      lastAttemptAt: failed!.last_attempt_at!.toISOString(),
    });

    await h.panel.comeBack();
    const byStaff = await h.ledger.call('POST', `/v1/backoffice/sync/deliveries/${failed!.id}/retry`, { token: h.staff });
    expect(byStaff.status).toBe(403);
    const retried = await h.ledger.call('POST', `/v1/backoffice/sync/deliveries/${failed!.id}/retry`, { token: h.admin });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ id: failed!.id, reservationId, status: 'queued' });
    await h.runJobs();
    expect(h.puts(reservationId).map((put) => [put.status, put.answered])).toEqual([['held', 201]]);
    expect((await h.summary()).failed.map((f) => f.id)).not.toContain(failed!.id);
    const again = await h.ledger.call('POST', `/v1/backoffice/sync/deliveries/${failed!.id}/retry`, { token: h.admin });
    expect(again.status).toBe(404);
  });
});
