import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAILY_REPORTS_CONSUMER, dailyReportsConsumer, resetDailyReports } from '../../projections/reports/dailyReports.js';
import type { Consumer } from '../../src/consumers/consumer.js';
import { consumerLag } from '../../src/consumers/consumerLag.js';
import { catchUp } from '../../src/consumers/processNextBatch.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { appendEvents, crashOnce, drain } from './logFixtures.js';

let ledger: TestLedger;
let admin: string;
let staff: string;
let customer: string;
let auditor: string;
let otherTenantStaff: string;

beforeAll(async () => {
  ledger = await startTestLedger();
  admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  staff = ledger.token({ groups: ['staff'], sub: 'staff-1' });
  customer = ledger.token({ sub: 'customer-1', email: 'ana@example.com' });
  auditor = ledger.token({ groups: ['auditor'], sub: 'auditor-1' });
  otherTenantStaff = ledger.token({ groups: ['staff'], sub: 'staff-b', tenantId: 'tenant-b' });
});
afterAll(async () => {
  await ledger.close();
});

type PaymentFixture = { provider: string; amount: number; currency: string; succeededAt: string; refundedAt?: string; tenantId?: string };

async function recordPayment(fixture: PaymentFixture): Promise<void> {
  const paymentId = randomUUID();
  const amount = { amount: fixture.amount, currency: fixture.currency };
  const origin = { providerEventId: `evt_${randomUUID()}`, source: 'webhook' };
  await appendEvents(ledger.deps.pool, {
    tenantId: fixture.tenantId ?? DEFAULT_TEST_TENANT,
    streamId: `payment-${paymentId}`,
    events: [
      {
        type: 'PaymentStarted',
        data: { paymentId, reservationId: randomUUID(), provider: fixture.provider, amount, startedAt: fixture.succeededAt },
      },
      { type: 'PaymentSucceeded', data: { ...origin, amount, succeededAt: fixture.succeededAt } },
      ...(fixture.refundedAt
        ? [{ type: 'PaymentRefunded', data: { ...origin, providerEventId: `evt_${randomUUID()}`, refundedAt: fixture.refundedAt } }]
        : []),
    ],
  });
}

const money = (amount: number, currency: string) => ({ amount, currency });

const expectedRevenue = [
  {
    day: '2026-11-20',
    provider: 'mercadopago',
    currency: 'BRL',
    succeeded: money(3000, 'BRL'),
    refunded: money(0, 'BRL'),
    revenue: money(3000, 'BRL'),
  },
  {
    day: '2026-11-20',
    provider: 'stripe',
    currency: 'EUR',
    succeeded: money(5500, 'EUR'),
    refunded: money(0, 'EUR'),
    revenue: money(5500, 'EUR'),
  },
  {
    day: '2026-11-20',
    provider: 'stripe',
    currency: 'USD',
    succeeded: money(700, 'USD'),
    refunded: money(0, 'USD'),
    revenue: money(700, 'USD'),
  },
  {
    day: '2026-11-21',
    provider: 'mercadopago',
    currency: 'BRL',
    succeeded: money(0, 'BRL'),
    refunded: money(3000, 'BRL'),
    revenue: money(-3000, 'BRL'),
  },
];

describe('daily reports', () => {
  let slotId: string;

  beforeAll(async () => {
    slotId = `slot-${randomUUID().slice(0, 8)}`;
    const defined = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: admin,
      body: { activityId: 'glacier-walk', startsAt: '2026-12-01T23:30:00Z', capacity: 10, unitPrice: money(4500, 'EUR') },
    });
    expect(defined.status).toBe(201);
    // The hold is placed before the departure (a departed slot takes none): on the day of the payments below.
    ledger.clock.set(new Date('2026-11-20T09:00:00.000Z'));
    const held = await ledger.call('POST', '/v1/reservations', {
      token: customer,
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 3, customer: { name: 'Ana', email: 'ana@example.com' } },
    });
    expect(held.status).toBe(201);
    await recordPayment({ provider: 'stripe', amount: 4500, currency: 'EUR', succeededAt: '2026-11-20T10:00:00.000Z' });
    await recordPayment({ provider: 'stripe', amount: 1000, currency: 'EUR', succeededAt: '2026-11-20T23:59:59.000Z' });
    await recordPayment({ provider: 'stripe', amount: 700, currency: 'USD', succeededAt: '2026-11-20T08:00:00.000Z' });
    await recordPayment({
      provider: 'mercadopago',
      amount: 3000,
      currency: 'BRL',
      succeededAt: '2026-11-20T12:00:00.000Z',
      refundedAt: '2026-11-21T09:00:00.000Z',
    });
    await recordPayment({
      provider: 'stripe',
      amount: 9999,
      currency: 'EUR',
      succeededAt: '2026-11-20T12:00:00.000Z',
      tenantId: 'tenant-b',
    });
  });

  const revenue = (token: string, query = 'from=2026-11-19&to=2026-11-22') => ledger.call('GET', `/v1/reports/revenue?${query}`, { token });

  it('keeps nothing of a batch that failed before its checkpoint, then applies it exactly once', async () => {
    const crashing: Consumer = {
      name: DAILY_REPORTS_CONSUMER,
      async handle(tx, events) {
        await dailyReportsConsumer.handle(tx, events);
        throw new Error('killed before the checkpoint');
      },
    };
    await crashOnce(ledger.deps.systemPool, crashing, 'killed before the checkpoint');
    expect((await revenue(staff)).body.revenue).toEqual([]);

    expect(await drain(ledger.deps.systemPool, dailyReportsConsumer)).toBeGreaterThan(0);
    expect(await catchUp(ledger.deps.systemPool, dailyReportsConsumer)).toBe(0);
    const report = await revenue(staff);
    expect(report.status).toBe(200);
    expect(report.body).toEqual({ from: '2026-11-19', to: '2026-11-22', revenue: expectedRevenue });
  });

  it('reports occupancy per slot on the UTC day it starts', async () => {
    const report = await ledger.call('GET', '/v1/reports/occupancy?from=2026-12-01&to=2026-12-01', { token: admin });
    expect(report.status).toBe(200);
    expect(report.body.slots).toEqual([
      {
        day: '2026-12-01',
        slotId,
        activityId: 'glacier-walk',
        startsAt: '2026-12-01T23:30:00.000Z',
        capacity: 10,
        held: 3,
        sold: 0,
        available: 7,
      },
    ]);
    const otherDay = await ledger.call('GET', '/v1/reports/occupancy?from=2026-12-02&to=2026-12-31', { token: staff });
    expect(otherDay.body.slots).toEqual([]);
  });

  it('shows each tenant only its own rows', async () => {
    const report = await revenue(otherTenantStaff);
    expect(report.body.revenue).toEqual([
      {
        day: '2026-11-20',
        provider: 'stripe',
        currency: 'EUR',
        succeeded: money(9999, 'EUR'),
        refunded: money(0, 'EUR'),
        revenue: money(9999, 'EUR'),
      },
    ]);
    const occupancy = await ledger.call('GET', '/v1/reports/occupancy?from=2026-12-01&to=2026-12-01', { token: otherTenantStaff });
    expect(occupancy.body.slots).toEqual([]);
  });

  it('is for staff and admins only, and validates its range', async () => {
    for (const token of [customer, auditor]) {
      const refused = await revenue(token);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect((await ledger.call('GET', '/v1/reports/revenue', {})).status).toBe(401);
    for (const query of [
      'from=2026-11-22&to=2026-11-19',
      'from=2026-13-01&to=2026-13-02',
      'from=2026-11-19',
      'from=2025-01-01&to=2026-06-01',
    ]) {
      const bad = await revenue(staff, query);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_request');
    }
  });

  it('exposes the consumer lag and rebuilds to the same rows', async () => {
    expect(await consumerLag(ledger.deps.systemPool, [DAILY_REPORTS_CONSUMER])).toEqual([
      expect.objectContaining({ name: DAILY_REPORTS_CONSUMER, lag: 0 }),
    ]);

    await recordPayment({ provider: 'pix', amount: 1200, currency: 'BRL', succeededAt: '2026-11-22T10:00:00.000Z' });
    expect((await consumerLag(ledger.deps.systemPool, [DAILY_REPORTS_CONSUMER]))[0]).toMatchObject({
      name: DAILY_REPORTS_CONSUMER,
      lag: 2,
    });
    expect((await consumerLag(ledger.deps.systemPool, [DAILY_REPORTS_CONSUMER], { countAtMost: 1 }))[0]).toMatchObject({ lag: 1 });

    await withSystemTransaction(ledger.deps.systemPool, (tx) => resetDailyReports(tx, new Date()));
    await drain(ledger.deps.systemPool, dailyReportsConsumer);
    const rebuilt = await revenue(staff, 'from=2026-11-19&to=2026-11-21');
    expect(rebuilt.body.revenue).toEqual(expectedRevenue);
    expect((await revenue(staff, 'from=2026-11-22&to=2026-11-22')).body.revenue).toEqual([
      {
        day: '2026-11-22',
        provider: 'pix',
        currency: 'BRL',
        succeeded: money(1200, 'BRL'),
        refunded: money(0, 'BRL'),
        revenue: money(1200, 'BRL'),
      },
    ]);
  });
});
