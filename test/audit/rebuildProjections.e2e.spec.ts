import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

/**
 * `ledger rebuild-projections` and `ledger verify` walk every tenant's streams. Given the
 * application's pool (role ledger_app, under row-level security), they take the system role
 * themselves (ADR 0014): a rebuild that saw one tenant only would empty the others' read models.
 */

let ledger: TestLedger;
const tenants = ['rebuild-a', 'rebuild-b'];

beforeAll(async () => {
  ledger = await startTestLedger();
  for (const tenantId of tenants) {
    const admin = ledger.token({ tenantId, sub: `${tenantId}-admin`, groups: ['admin'] });
    const slotId = `slot-${randomUUID().slice(0, 8)}`;
    const slot = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: admin,
      body: { activityId: 'a', startsAt: '2027-01-01T09:00:00Z', capacity: 4, unitPrice: { amount: 100, currency: 'EUR' } },
    });
    expect(slot.status).toBe(201);
    const held = await ledger.call('POST', '/v1/reservations', {
      token: admin,
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 2, customer: { name: 'N', email: 'n@example.com' } },
    });
    expect(held.status).toBe(201);
  }
});
afterAll(async () => {
  await ledger.close();
});

async function rowsPerTenant(): Promise<Record<string, number>> {
  const { rows } = await ledger.db.asOwner<{ tenant_id: string; n: number }>(
    `SELECT tenant_id, count(*)::int AS n FROM (
       SELECT tenant_id FROM slot_availability UNION ALL SELECT tenant_id FROM reservations_view) r
     WHERE tenant_id = ANY($1) GROUP BY tenant_id ORDER BY tenant_id`,
    [tenants],
  );
  return Object.fromEntries(rows.map((row) => [row.tenant_id, row.n]));
}

describe('rebuild and verify across tenants from the application pool', () => {
  it("rebuilds every tenant's read models and verifies them all", async () => {
    const before = await rowsPerTenant();
    expect(before).toEqual({ 'rebuild-a': 2, 'rebuild-b': 2 });
    const report = await rebuildProjections(ledger.deps.systemPool);
    expect(report.streams).toBeGreaterThanOrEqual(4);
    expect(await rowsPerTenant()).toEqual(before);
    const verified = await verifyLedger(ledger.deps.systemPool);
    expect(verified).toMatchObject({ ok: true, projectionMismatches: [] });
    expect(verified.streams).toBe(report.streams);
  });

  it('builds read models that are gone altogether (a restored log, a fresh database) from the events alone', async () => {
    const before = await rowsPerTenant();
    const live = await ledger.db.asOwner('SELECT * FROM reservations_view ORDER BY tenant_id, reservation_id');
    await ledger.db.asOwner('DELETE FROM slot_availability');
    await ledger.db.asOwner('DELETE FROM reservations_view');
    await ledger.db.asOwner('DELETE FROM payments_view');
    const report = await rebuildProjections(ledger.deps.systemPool);
    expect(report.rowsRemoved).toBe(0);
    expect(report.rowsWritten).toBeGreaterThanOrEqual(4);
    expect(await rowsPerTenant()).toEqual(before);
    expect((await ledger.db.asOwner('SELECT * FROM reservations_view ORDER BY tenant_id, reservation_id')).rows).toEqual(live.rows);
    expect(await verifyLedger(ledger.deps.systemPool)).toMatchObject({ ok: true, projectionMismatches: [] });
  });

  it("scopes one tenant's verify to that tenant", async () => {
    const whole = await verifyLedger(ledger.deps.systemPool);
    const one = await verifyLedger(ledger.deps.systemPool, { tenantId: 'rebuild-a' });
    expect(one).toMatchObject({ ok: true, streams: 2, events: 3 });
    expect(whole.streams).toBeGreaterThan(one.streams);
  });
});
