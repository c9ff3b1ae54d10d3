import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobWorker, startJobWorker } from '../../src/jobs/jobWorker.js';
import { type PushHarness, startPushHarness } from './pushHarness.js';

/** Polls until `check` holds (the worker pushes on its own time); fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let h: PushHarness;
let worker: JobWorker;
beforeAll(async () => {
  h = await startPushHarness();
  // The real worker, as the server runs it: pushes are sent after their commands commit, off the request.
  worker = await startJobWorker({
    connectionString: h.ledger.db.logins.system,
    handlers: h.ledger.composed.jobs,
    periodic: h.ledger.composed.periodicJobs.filter((job) => job.task === 'sendDuePanelPushes'),
    log: { info: () => undefined, warn: () => undefined, error: (message, error) => h.errors.push({ message, error }) },
  });
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

describe('booking while the panel is slow or down', () => {
  it('answers a hold before a slow panel has answered its push, and the push lands once the panel is quick again', async () => {
    const { slotId } = await h.panelSlot(10);
    h.panel.slowDown(60_000);
    const held = await h.holdResponse(slotId, 2);
    expect(held.status).toBe(201);
    const reservationId = held.body.reservationId as string;
    // The panel has answered no push of this reservation: the hold did not wait for one.
    expect(h.puts(reservationId)).toEqual([]);

    await eventually(async () => (await h.deliveries(reservationId)).some((row) => row.attempts > 0));
    h.panel.slowDown(0);
    h.ledger.clock.advance(60);
    await eventually(async () => (await h.deliveries(reservationId)).every((row) => row.status === 'sent'));
    expect(h.puts(reservationId).at(-1)).toMatchObject({ status: 'held', answered: 201 });
  });

  it('takes holds while the panel is down, and sends them once it is back', async () => {
    const { slotId } = await h.panelSlot(10);
    await h.panel.goDown();
    const held = await Promise.all([h.holdResponse(slotId, 1), h.holdResponse(slotId, 1), h.holdResponse(slotId, 1)]);
    expect(held.map((res) => res.status)).toEqual([201, 201, 201]);
    const ids = held.map((res) => res.body.reservationId as string);
    await eventually(async () => (await h.deliveries()).filter((row) => ids.includes(row.reservation_id) && row.attempts > 0).length === 3);
    expect((await h.summary()).queued).toBeGreaterThanOrEqual(3);
    const metrics = await (await fetch(`${h.ledger.url}/metrics`)).text();
    expect(Number(/^ledger_panel_pushes\{state="queued"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/^ledger_panel_push_tries_total\{outcome="retry"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    await h.panel.comeBack();
    h.ledger.clock.advance(60);
    await eventually(async () => (await h.summary()).queued === 0);
    for (const id of ids) expect(h.puts(id).filter((put) => put.answered === 201)).toHaveLength(1);
  });
});
