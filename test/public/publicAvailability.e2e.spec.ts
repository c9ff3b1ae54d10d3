import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// Issue 14 item 2: GET /public/v1/tenants/{tenantId}/availability against the real server and
// PostgreSQL, no token: what it shows, what it hides, its caching headers and its per-address limit.

const PUBLIC_KEYS = ['activityId', 'available', 'localStartsAt', 'slotId', 'startsAt', 'timeZone', 'unitPrice'];

let ledger: TestLedger;

beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

const availabilityPath = (tenantId: string, query = '') => `/public/v1/tenants/${encodeURIComponent(tenantId)}/availability${query}`;

async function defineSlot(tenantId: string, activityId: string, hoursAhead: number, capacity = 10): Promise<string> {
  const slotId = `pub-${randomUUID().slice(0, 8)}`;
  const startsAt = new Date(ledger.clock.now().getTime() + hoursAhead * 3_600_000).toISOString();
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: ledger.token({ tenantId, groups: ['admin'] }),
    body: { activityId, startsAt, capacity, unitPrice: { amount: 4500, currency: 'BRL' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

async function hold(tenantId: string, slotId: string, seats: number) {
  const res = await ledger.call('POST', '/v1/reservations', {
    token: ledger.token({ tenantId, sub: `cust-${randomUUID()}` }),
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats, customer: { name: 'Maria Private', email: 'maria.private@example.com' } },
  });
  expect(res.status).toBe(201);
}

describe('public availability', () => {
  it('lists only departures still ahead of the clock, of that tenant only, with exactly the public fields and the local time of the activity', async () => {
    const tenantId = `t-${randomUUID()}`;
    await defineSlot(tenantId, 'city-walk', 1);
    const later = await defineSlot(tenantId, 'city-walk', 48);
    const inSaoPaulo = await defineSlot(tenantId, 'boat-trip', 72);
    await defineSlot(`other-${randomUUID()}`, 'city-walk', 48);
    const named = await ledger.call('PUT', '/v1/activities/boat-trip', {
      token: ledger.token({ tenantId, groups: ['admin'] }),
      body: { name: 'Boat trip', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' },
    });
    expect(named.status).toBe(201);
    await hold(tenantId, later, 3);
    ledger.clock.advance(2 * 3_600);

    const res = await ledger.call('GET', availabilityPath(tenantId));

    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['items']);
    expect(res.body.items.map((item: { slotId: string }) => item.slotId)).toEqual([later, inSaoPaulo]);
    expect(res.body.items.map((item: object) => Object.keys(item).sort())).toEqual([PUBLIC_KEYS, PUBLIC_KEYS]);
    expect(res.body.items.map((item: { unitPrice: object }) => Object.keys(item.unitPrice).sort())).toEqual([
      ['amount', 'currency'],
      ['amount', 'currency'],
    ]);
    const [walk, boat] = res.body.items;
    expect(walk).toMatchObject({ activityId: 'city-walk', available: 7, timeZone: 'UTC', unitPrice: { amount: 4500, currency: 'BRL' } });
    expect(walk.localStartsAt).toBe(walk.startsAt.replace(/\.\d{3}Z$/, '+00:00'));
    expect(boat).toMatchObject({ activityId: 'boat-trip', available: 10, timeZone: 'America/Sao_Paulo' });
    expect(boat.localStartsAt).toMatch(/-03:00$/);
    // The same instant, to the second (local times carry no milliseconds).
    expect(new Date(boat.localStartsAt).getTime()).toBe(Math.floor(new Date(boat.startsAt).getTime() / 1000) * 1000);
    expect(JSON.stringify(res.body)).not.toMatch(/maria|held|sold|capacity/i);
  });

  it('filters by activity and by a window', async () => {
    const tenantId = `t-${randomUUID()}`;
    const first = await defineSlot(tenantId, 'kayak', 24);
    await defineSlot(tenantId, 'kayak', 24 * 10);
    await defineSlot(tenantId, 'bike', 30);
    const to = new Date(ledger.clock.now().getTime() + 5 * 86_400_000).toISOString();

    const res = await ledger.call('GET', availabilityPath(tenantId, `?activityId=kayak&to=${to}`));

    expect(res.status).toBe(200);
    expect(res.body.items.map((item: { slotId: string }) => item.slotId)).toEqual([first]);
  });

  it('answers a tenant id that names no tenant with an empty list, as one with no departures', async () => {
    const res = await ledger.call('GET', availabilityPath(`nobody-${randomUUID()}`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });

  it('refuses a window whose end is not after its start with a 400 problem', async () => {
    const from = new Date(ledger.clock.now().getTime() + 86_400_000).toISOString();
    const res = await ledger.call('GET', availabilityPath('any', `?from=${from}&to=${from}`));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
  });

  it('is cacheable for 5 s with a strong ETag, answers a matching If-None-Match with 304, and a new ETag a second after a seat is taken', async () => {
    const tenantId = `t-${randomUUID()}`;
    const slotId = await defineSlot(tenantId, 'tasting', 24);

    const first = await ledger.call('GET', availabilityPath(tenantId));
    const etag = first.headers.get('etag');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=5');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

    const unchanged = await ledger.call('GET', availabilityPath(tenantId), { headers: { 'if-none-match': `"other", ${etag}` } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeNull();
    expect(unchanged.headers.get('etag')).toBe(etag);
    expect(unchanged.headers.get('cache-control')).toBe('public, max-age=5');

    await hold(tenantId, slotId, 1);
    // An instance may answer from its rendered copy for up to a second (inside max-age); a second later it reads again.
    ledger.clock.advance(1);
    const changed = await ledger.call('GET', availabilityPath(tenantId), { headers: { 'if-none-match': etag ?? '' } });
    expect(changed.status).toBe(200);
    expect(changed.body.items[0].available).toBe(9);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('lets other origins load it (Cross-Origin-Resource-Policy: cross-origin), while /v1 stays same-origin', async () => {
    const publicRes = await ledger.call('GET', availabilityPath('any'));
    const v1Res = await ledger.call('GET', '/v1/slots/x', { token: ledger.token({}) });
    expect(publicRes.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(v1Res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});

/** A GET from a given loopback address: the server sees another client address. */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('public availability rate limit', () => {
  let limited: TestLedger;
  beforeAll(async () => {
    limited = await startTestLedger({ rateLimits: { publicReads: { max: 3, timeWindowMs: 60_000 } } });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('answers 429 to an address past its allowance, and still serves another address', async () => {
    const url = `${limited.url}${availabilityPath('any')}`;
    const fromOne = [];
    for (let i = 0; i < 4; i++) fromOne.push(await getFrom(url, '127.0.0.1'));
    expect(fromOne).toEqual([200, 200, 200, 429]);
    expect(await getFrom(url, '127.0.0.2')).toBe(200);

    const refused = await limited.call('GET', availabilityPath('any'));
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
  });
});
