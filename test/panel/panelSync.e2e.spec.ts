import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { type FakePanel, type PanelWebhook, startFakePanel } from '../support/panel/fakePanel.js';

// Issue 15 (panel in), against the real server and PostgreSQL and the loopback panel speaking
// PANEL.md: the catalogue and the panel's bookings come in by pull and by signed webhook, once each,
// and what the ledger cannot settle by itself is listed as a conflict (ADR 0046).

const ACCOUNTS = ['pa-import', 'pa-update', 'pa-signature', 'pa-dedupe', 'pa-lost', 'pa-race', 'pa-late', 'pa-cancel', 'pa-capacity'];

let ledger: TestLedger;
let panel: FakePanel;

beforeAll(async () => {
  panel = await startFakePanel({ pageSize: 2 });
  ledger = await startTestLedger({
    panel: {
      adapter: createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey }),
      webhookSecret: panel.webhookSecret,
      accounts: ACCOUNTS,
      syncSeconds: 60,
    },
  });
});
afterAll(async () => {
  await ledger.close();
  await panel.close();
});

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const price = { amount: 4500, currency: 'EUR' };

async function pull(): Promise<void> {
  const pullPanel = ledger.composed.jobs.pullPanel;
  if (!pullPanel) throw new Error('panel sync is off in this ledger');
  await pullPanel({});
}

type SlotRow = { capacity: number; held: number; sold: number; departure_status: string; unit_price_amount: string };
async function slotRow(tenantId: string, slotId: string): Promise<SlotRow | undefined> {
  const { rows } = await ledger.db.asOwner<SlotRow>(
    'SELECT capacity, held, sold, departure_status, unit_price_amount::text FROM slot_availability WHERE tenant_id = $1 AND slot_id = $2',
    [tenantId, slotId],
  );
  return rows[0];
}

async function eventsOf(tenantId: string, streamId: string): Promise<{ type: string; actor: string }[]> {
  const { rows } = await ledger.db.asOwner<{ type: string; actor: string }>(
    "SELECT type, metadata->>'actor' AS actor FROM events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY stream_version",
    [tenantId, streamId],
  );
  return rows;
}

async function countRows(table: 'panel_webhook_inbox' | 'panel_conflicts', tenantId: string): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.n ?? 0;
}

function hold(tenantId: string, slotId: string, seats: number) {
  return ledger.call('POST', '/v1/reservations', {
    token: ledger.token({ tenantId, sub: `cust-${randomUUID()}` }),
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats, customer: { name: 'Ana', email: 'ana@example.com' } },
  });
}

async function publicAvailable(tenantId: string, slotId: string): Promise<number | undefined> {
  const res = await ledger.call('GET', `/public/v1/tenants/${tenantId}/availability`);
  expect(res.status).toBe(200);
  const item = (res.body.items as { slotId: string; available: number }[]).find((candidate) => candidate.slotId === slotId);
  return item?.available;
}

async function syncStatus(tenantId: string) {
  const res = await ledger.call('GET', '/v1/backoffice/sync', {
    token: ledger.token({ tenantId, groups: ['staff'], sub: `staff-${tenantId}` }),
  });
  return res;
}

function departureOf(tenantId: string, departureId: string) {
  const found = panel.departure(tenantId, departureId);
  if (!found) throw new Error(`no departure ${departureId}`);
  const { updatedAt: _updatedAt, ...rest } = found;
  return rest;
}

describe('catalogue in', () => {
  it('imports activities and departures over several pages, each change an event by the panel; a second pull changes nothing', async () => {
    const tenant = 'pa-import';
    panel.defineActivity(tenant, { activityId: 'kayak', name: 'Kayak', timeZone: 'America/Sao_Paulo' });
    for (const n of [1, 2, 3]) {
      panel.saveDeparture(tenant, {
        departureId: `d${n}`,
        activityId: 'kayak',
        startsAt: inAWeek(),
        capacity: 10 + n,
        price,
        status: 'open',
      });
    }
    await pull();

    expect(await slotRow(tenant, 'panel-d1')).toEqual({
      capacity: 11,
      held: 0,
      sold: 0,
      departure_status: 'open',
      unit_price_amount: '4500',
    });
    expect((await slotRow(tenant, 'panel-d3'))?.capacity).toBe(13);
    expect(await eventsOf(tenant, 'slot-panel-d2')).toEqual([{ type: 'SlotDefined', actor: 'panel' }]);
    expect(await eventsOf(tenant, 'activity-kayak')).toEqual([{ type: 'ActivityDefined', actor: 'panel' }]);

    await pull();
    expect(await eventsOf(tenant, 'slot-panel-d2')).toHaveLength(1);
    const status = await syncStatus(tenant);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ enabled: true, queued: 0, failed: [], conflicts: [] });
    expect(typeof status.body.lastPullAt).toBe('string');
    expect(status.body.lagSeconds).toBeGreaterThanOrEqual(0);
  });

  it('applies updates (capacity, price, closed); a closed departure refuses holds with 409 slot_closed', async () => {
    const tenant = 'pa-update';
    panel.saveDeparture(tenant, { departureId: 'u1', activityId: 'hike', startsAt: inAWeek(), capacity: 8, price, status: 'open' });
    await pull();
    expect((await hold(tenant, 'panel-u1', 1)).status).toBe(201);

    panel.saveDeparture(tenant, { ...departureOf(tenant, 'u1'), capacity: 6, price: { amount: 5000, currency: 'EUR' }, status: 'closed' });
    await pull();
    expect(await slotRow(tenant, 'panel-u1')).toMatchObject({
      capacity: 6,
      held: 1,
      departure_status: 'closed',
      unit_price_amount: '5000',
    });
    expect((await eventsOf(tenant, 'slot-panel-u1')).map((event) => event.type)).toEqual([
      'SlotDefined',
      'SeatsHeld',
      'SlotDetailsChanged',
      'DepartureStatusChanged',
    ]);
    const refused = await hold(tenant, 'panel-u1', 1);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('slot_closed');
    expect(await publicAvailable(tenant, 'panel-u1')).toBe(0);
  });
});

describe('POST /webhooks/panel', () => {
  it('refuses a bad or expired signature with 400 invalid_signature and stores nothing', async () => {
    const tenant = 'pa-signature';
    const event = panel.saveDeparture(tenant, {
      departureId: 's1',
      activityId: 'a',
      startsAt: inAWeek(),
      capacity: 5,
      price,
      status: 'open',
    });
    const forged = panel.signedWebhook(event, new Date(), 'not-the-secret');
    const bad = await fetch(`${ledger.url}/webhooks/panel`, { method: 'POST', headers: forged.headers, body: forged.body });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_signature');
    const expired = await panel.deliver(ledger.url, event, new Date(ledger.clock.now().getTime() - 301_000));
    expect(expired).toMatchObject({ status: 400, body: { code: 'invalid_signature' } });
    const unsigned = await fetch(`${ledger.url}/webhooks/panel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: forged.body,
    });
    expect(unsigned.status).toBe(400);

    expect(await slotRow(tenant, 'panel-s1')).toBeUndefined();
    expect(await countRows('panel_webhook_inbox', tenant)).toBe(0);
    expect(await eventsOf(tenant, 'slot-panel-s1')).toEqual([]);

    expect(await panel.deliver(ledger.url, event)).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    expect((await slotRow(tenant, 'panel-s1'))?.capacity).toBe(5);
  });

  it('refuses a signed event holding a lone surrogate or a NUL with 400 invalid_request and stores nothing', async () => {
    const tenant = 'pa-signature';
    const event = panel.saveDeparture(tenant, {
      departureId: 's-text',
      activityId: 'a',
      startsAt: inAWeek(),
      capacity: 5,
      price,
      status: 'open',
    });
    // PostgreSQL's jsonb refuses both (JSON.stringify writes a lone surrogate as a \ud800 escape).
    for (const id of ['\ud800', 'evt-\u0000']) {
      const delivered = await panel.deliver(ledger.url, { ...event, id });
      expect(delivered).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
    expect(await slotRow(tenant, 'panel-s-text')).toBeUndefined();
    expect(await eventsOf(tenant, 'slot-panel-s-text')).toEqual([]);
    expect(await panel.deliver(ledger.url, event)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
  });

  it('applies a repeated webhook once; a desk booking takes its seats as sold, its cancellation gives them back', async () => {
    const tenant = 'pa-dedupe';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'w1', activityId: 'a', startsAt: inAWeek(), capacity: 5, price, status: 'open' }),
    );
    const booked = panel.bookAtDesk(tenant, { bookingId: 'desk-1', departureId: 'w1', seats: 2 }) as PanelWebhook;
    const deliveries = await Promise.all([panel.deliver(ledger.url, booked), panel.deliver(ledger.url, booked)]);
    expect(deliveries.map((delivery) => (delivery.body as { outcome: string }).outcome).sort()).toEqual(['applied', 'duplicate']);
    expect(await panel.deliver(ledger.url, booked)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await slotRow(tenant, 'panel-w1')).toMatchObject({ held: 0, sold: 2 });
    expect(await publicAvailable(tenant, 'panel-w1')).toBe(3);

    const cancelled = panel.cancelDeskBooking(tenant, 'desk-1');
    expect(await panel.deliver(ledger.url, cancelled)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    // A late repeat of the creation under another delivery (the pull) takes nothing again.
    await pull();
    expect(await slotRow(tenant, 'panel-w1')).toMatchObject({ sold: 0 });
    expect((await eventsOf(tenant, 'slot-panel-w1')).map((event) => event.type)).toEqual([
      'SlotDefined',
      'PanelBookingTaken',
      'PanelBookingReleased',
    ]);
    expect(await countRows('panel_webhook_inbox', tenant)).toBe(3);
  });

  it('catches up a lost webhook with the pull', async () => {
    const tenant = 'pa-lost';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'l1', activityId: 'a', startsAt: inAWeek(), capacity: 5, price, status: 'open' }),
    );
    panel.bookAtDesk(tenant, { bookingId: 'lost-1', departureId: 'l1', seats: 3 }); // never delivered
    expect(await slotRow(tenant, 'panel-l1')).toMatchObject({ sold: 0 });
    await pull();
    expect(await slotRow(tenant, 'panel-l1')).toMatchObject({ sold: 3 });
    expect((await hold(tenant, 'panel-l1', 3)).body.code).toBe('slot_full');
  });
});

describe('conflicts', () => {
  it('desk bookings racing online holds for the last seats: the ledger never oversells its own holds, the extra is an oversold conflict', async () => {
    const tenant = 'pa-race';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'r1', activityId: 'a', startsAt: inAWeek(), capacity: 4, price, status: 'open' }),
    );
    // The panel has not heard of the ledger's holds yet: it sells 2 seats whatever the ledger did.
    const desk = panel.bookAtDesk(tenant, { bookingId: 'desk-race', departureId: 'r1', seats: 2, overbook: true }) as PanelWebhook;
    const [deskAnswer, ...holds] = await Promise.all([
      panel.deliver(ledger.url, desk),
      ...Array.from({ length: 4 }, () => hold(tenant, 'panel-r1', 1)),
    ]);
    expect(deskAnswer.status).toBe(200);
    const held = holds.filter((answer) => answer.status === 201).length;
    for (const answer of holds) if (answer.status !== 201) expect(answer.body.code).toBe('slot_full');
    expect(held).toBeGreaterThanOrEqual(2);
    expect(held).toBeLessThanOrEqual(4);
    expect(await slotRow(tenant, 'panel-r1')).toMatchObject({ capacity: 4, held, sold: 2 });
    expect(await publicAvailable(tenant, 'panel-r1')).toBe(0);

    const { body } = await syncStatus(tenant);
    const oversold = (body.conflicts as { kind: string; bookingId?: string }[]).filter((conflict) => conflict.kind === 'oversold');
    // Oversold exactly when the desk booking came after holds had taken its seats.
    expect(oversold).toEqual(
      held + 2 > 4 ? [expect.objectContaining({ kind: 'oversold', slotId: 'panel-r1', bookingId: 'desk-race' })] : [],
    );
  });

  it('a desk booking that arrives after the ledger sold the seats is still recorded, as an oversold conflict; availability shows 0', async () => {
    const tenant = 'pa-late';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'r2', activityId: 'a', startsAt: inAWeek(), capacity: 4, price, status: 'open' }),
    );
    expect((await hold(tenant, 'panel-r2', 3)).status).toBe(201);
    const desk = panel.bookAtDesk(tenant, { bookingId: 'desk-late', departureId: 'r2', seats: 2, overbook: true }) as PanelWebhook;
    expect(await panel.deliver(ledger.url, desk)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    expect(await slotRow(tenant, 'panel-r2')).toMatchObject({ capacity: 4, held: 3, sold: 2 });
    expect(await publicAvailable(tenant, 'panel-r2')).toBe(0);
    const slot = await ledger.call('GET', '/v1/slots/panel-r2', {
      token: ledger.token({ tenantId: tenant, groups: ['staff'], sub: `staff-${tenant}` }),
    });
    expect(slot.body).toMatchObject({ available: 0 });
    const { body } = await syncStatus(tenant);
    expect(body.conflicts).toContainEqual(expect.objectContaining({ kind: 'oversold', slotId: 'panel-r2', bookingId: 'desk-late' }));
  });

  it('a cancelled departure lists every live reservation as a conflict and takes no holds; an admin acknowledges one', async () => {
    const tenant = 'pa-cancel';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'c1', activityId: 'a', startsAt: inAWeek(), capacity: 6, price, status: 'open' }),
    );
    const first = await hold(tenant, 'panel-c1', 2);
    const second = await hold(tenant, 'panel-c1', 1);
    expect([first.status, second.status]).toEqual([201, 201]);

    const cancel = panel.saveDeparture(tenant, { ...departureOf(tenant, 'c1'), status: 'cancelled' });
    expect(cancel.type).toBe('departure.cancelled');
    expect(await panel.deliver(ledger.url, cancel)).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    await pull(); // the same change seen again lists nothing twice
    expect((await hold(tenant, 'panel-c1', 1)).body.code).toBe('slot_closed');
    expect(await slotRow(tenant, 'panel-c1')).toMatchObject({ held: 3, departure_status: 'cancelled' });

    const status = await syncStatus(tenant);
    const conflicts = status.body.conflicts as { id: string; kind: string; reservationId?: string }[];
    expect(conflicts.map((conflict) => [conflict.kind, conflict.reservationId]).sort()).toEqual(
      [
        ['departure_cancelled', first.body.reservationId],
        ['departure_cancelled', second.body.reservationId],
      ].sort(),
    );

    const target = conflicts[0]!;
    const staffAck = await ledger.call('POST', `/v1/backoffice/sync/conflicts/${target.id}/acknowledge`, {
      token: ledger.token({ tenantId: tenant, groups: ['staff'], sub: `staff-${tenant}` }),
      body: { note: 'refunded by phone' },
    });
    expect(staffAck.status).toBe(403);
    const admin = ledger.token({ tenantId: tenant, groups: ['admin'], sub: `admin-${tenant}` });
    const ack = await ledger.call('POST', `/v1/backoffice/sync/conflicts/${target.id}/acknowledge`, {
      token: admin,
      body: { note: 'refunded by phone' },
    });
    expect(ack.status).toBe(200);
    expect(ack.body.id).toBe(target.id);
    const again = await ledger.call('POST', `/v1/backoffice/sync/conflicts/${target.id}/acknowledge`, {
      token: admin,
      body: { note: 'twice' },
    });
    expect(again.status).toBe(404);
    const after = (await syncStatus(tenant)).body.conflicts as { id: string; acknowledgedAt?: string }[];
    expect(after.at(-1)).toMatchObject({ id: target.id, acknowledgedAt: expect.any(String) });
    expect(after[0]?.acknowledgedAt).toBeUndefined();
  });

  it('a capacity lowered below the seats taken opens a capacity_conflict, takes no holds, and touches no reservation', async () => {
    const tenant = 'pa-capacity';
    await panel.deliver(
      ledger.url,
      panel.saveDeparture(tenant, { departureId: 'k1', activityId: 'a', startsAt: inAWeek(), capacity: 6, price, status: 'open' }),
    );
    const held = await hold(tenant, 'panel-k1', 4);
    expect(held.status).toBe(201);
    await panel.deliver(ledger.url, panel.saveDeparture(tenant, { ...departureOf(tenant, 'k1'), capacity: 2 }));
    expect(await slotRow(tenant, 'panel-k1')).toMatchObject({ capacity: 2, held: 4 });
    expect((await hold(tenant, 'panel-k1', 1)).body.code).toBe('slot_full');
    expect(await publicAvailable(tenant, 'panel-k1')).toBe(0);
    const reservation = await ledger.call('GET', `/v1/reservations/${held.body.reservationId}`, {
      token: ledger.token({ tenantId: tenant, groups: ['staff'], sub: `staff-${tenant}` }),
    });
    expect(reservation.body.status).toBe('held');
    const { body } = await syncStatus(tenant);
    expect(body.conflicts).toEqual([expect.objectContaining({ kind: 'capacity_conflict', slotId: 'panel-k1' })]);
  });

  it('/metrics shows the panel sync lag and the open conflicts', async () => {
    await pull();
    const metrics = await (await fetch(`${ledger.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('ledger_panel_open_conflicts')).toBeGreaterThanOrEqual(3);
    expect(value('ledger_panel_sync_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it("verify rebuilds every panel slot's row (departure status, panel bookings) exactly as the live path wrote it", async () => {
    for (const tenant of ['pa-dedupe', 'pa-race', 'pa-late', 'pa-cancel', 'pa-update']) {
      const report = await ledger.call('POST', '/v1/audit/verify', {
        token: ledger.token({ tenantId: tenant, groups: ['auditor'], sub: `auditor-${tenant}` }),
      });
      expect(report.status).toBe(200);
      expect(report.body, tenant).toMatchObject({ ok: true, brokenChains: [], projectionMismatches: [] });
    }
  });
});
