import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRateLimits } from '../../src/http/hardening/rateLimits.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
let slotId: string;
const customer = () => ledger.token({ sub: 'ops-flood-customer' });

beforeAll(async () => {
  // The production limits: this is what a probe, a scraper and a flood meet.
  ledger = await startTestLedger();
  slotId = `ops-${randomUUID().slice(0, 8)}`;
  const created = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: ledger.token({ groups: ['admin'], sub: 'ops-admin' }),
    body: { activityId: 'kayak', startsAt: '2027-12-01T09:00:00Z', capacity: 10, unitPrice: { amount: 1000, currency: 'EUR' } },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await ledger.close();
});

const configured = defaultRateLimits.operations;
if (configured === false) throw new Error('the operations routes have no limit');
const limit = configured;

/** Requests `path` from this test's one address until it is refused; how many were answered before. */
async function floodUntilRefused(path: string): Promise<{ answered: number; refused: Response }> {
  for (let answered = 0; answered <= limit.max; answered += 1) {
    const res = await fetch(`${ledger.url}${path}`);
    if (res.status === 429) return { answered, refused: res };
    expect(res.status, `${path} #${answered + 1}`).toBe(200);
    await res.arrayBuffer();
  }
  throw new Error(`${path} was never refused after ${limit.max + 1} requests`);
}

describe('limits on the unauthenticated operations routes (per client address)', () => {
  it('refuses a flood of /metrics and of /health with 429, while a booking from the same address still succeeds', async () => {
    const metrics = await floodUntilRefused('/metrics');
    expect(metrics.answered).toBeLessThanOrEqual(limit.max);
    expect(metrics.refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await metrics.refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(metrics.refused.headers.get('retry-after'))).toBeGreaterThan(0);

    await floodUntilRefused('/health');
    expect((await fetch(`${ledger.url}/readyz`)).status).toBe(429);
    expect((await fetch(`${ledger.url}/docs`)).status).toBe(429);

    const held = await ledger.call('POST', '/v1/reservations', {
      token: customer(),
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: 'Rita', email: 'rita@example.com' } },
    });
    expect(held.status).toBe(201);
    expect((await ledger.call('GET', `/v1/reservations/${held.body.reservationId}`, { token: customer() })).status).toBe(200);
  });

  it('is generous enough for probes and scrapers: one a second for a minute', () => {
    expect((limit.max * 60_000) / limit.timeWindowMs).toBeGreaterThanOrEqual(120);
  });
});
