import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER } from '../../src/config/config.js';
import { reservationRoutes } from '../../src/http/routes/reservations.js';
import { slotRoutes } from '../../src/http/routes/slots.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

const BOOKING_LIMIT = 3;

let ledger: TestLedger;
let slotId: string;

beforeAll(async () => {
  ledger = await startTestLedger({
    rateLimits: { booking: { max: BOOKING_LIMIT, timeWindowMs: 60_000 }, webhooks: false },
    // A stand-in for the payment route: the booking limit attaches by URL, whoever registers the route.
    routes: (deps) => ({
      root: [],
      v1: [
        (v1) => slotRoutes(v1, deps),
        (v1) => reservationRoutes(v1, deps, { holdMaxSeatsPerCustomer: DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER }),
        (v1) => v1.post('/reservations/:reservationId/payments', async (_request, reply) => reply.code(201).send({ ok: true })),
      ],
    }),
  });
  slotId = `rl-${randomUUID().slice(0, 8)}`;
  const admin = ledger.token({ groups: ['admin'], sub: 'rl-admin' });
  const created = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'kayak', startsAt: '2030-12-01T09:00:00Z', capacity: 100, unitPrice: { amount: 1000, currency: 'EUR' } },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await ledger.close();
});

function hold(token: string) {
  return ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats: 1, customer: { name: 'Rita', email: 'rita@example.com' } },
  });
}

async function eventCount(): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

describe('booking rate limit (per client)', () => {
  it('answers 429 rate_limited problem+json with Retry-After past the limit, writing nothing', async () => {
    const token = ledger.token({ sub: 'rl-eager' });
    for (let i = 0; i < BOOKING_LIMIT; i += 1) expect((await hold(token)).status).toBe(201);
    const before = await eventCount();
    const limited = await hold(token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too many requests' });
    expect(typeof limited.body.type).toBe('string');
    expect(typeof limited.body.detail).toBe('string');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await eventCount()).toBe(before);
  });

  it('counts each caller (tenant + sub) apart, so one busy client does not block another', async () => {
    const busy = ledger.token({ sub: 'rl-busy' });
    for (let i = 0; i < BOOKING_LIMIT; i += 1) await hold(busy);
    expect((await hold(busy)).status).toBe(429);
    expect((await hold(ledger.token({ sub: 'rl-calm' }))).status).toBe(201);
  });

  it('shares one budget between holds and payment creation, and leaves reads alone', async () => {
    const token = ledger.token({ sub: 'rl-payer' });
    const held = await hold(token);
    expect(held.status).toBe(201);
    const pay = () =>
      ledger.call('POST', `/v1/reservations/${held.body.reservationId}/payments`, {
        token,
        headers: { 'idempotency-key': randomUUID() },
        body: { provider: 'stripe' },
      });
    expect((await pay()).status).toBe(201);
    expect((await pay()).status).toBe(201);
    const limited = await pay();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    for (let i = 0; i < BOOKING_LIMIT * 3; i += 1) {
      expect((await ledger.call('GET', `/v1/reservations/${held.body.reservationId}`, { token })).status).toBe(200);
    }
  });

  it('authenticates before counting: a request without a valid token is 401, never charged to anyone', async () => {
    for (let i = 0; i < BOOKING_LIMIT + 2; i += 1) {
      const res = await ledger.call('POST', '/v1/reservations', {
        headers: { 'idempotency-key': randomUUID(), authorization: 'Bearer forged' },
        body: { slotId, seats: 1, customer: { name: 'X', email: 'x@example.com' } },
      });
      expect(res.status).toBe(401);
    }
    expect((await hold(ledger.token({ sub: 'rl-after-forgeries' }))).status).toBe(201);
  });
});
