import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// Issue 14 item 3: CORS for the booking sites' origins (FRONTEND_URL's and CORS_ORIGINS), against
// the real server: what an allowed origin gets, and that any other origin or route gets nothing.

const SHOP = 'https://shop.example.com';
const WIDGET = 'http://127.0.0.1:5173';
const STRANGER = 'https://evil.example.net';

let ledger: TestLedger;

beforeAll(async () => {
  ledger = await startTestLedger({ corsOrigins: [SHOP, WIDGET] });
});
afterAll(async () => {
  await ledger.close();
});

const corsHeaderNames = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));
const listed = (value: string | null) => (value ?? '').split(',').map((part) => part.trim().toLowerCase());

function preflight(path: string, origin: string, method = 'POST') {
  return fetch(`${ledger.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type, idempotency-key',
    },
  });
}

async function defineSlot(): Promise<string> {
  const slotId = `cors-${randomUUID().slice(0, 8)}`;
  const startsAt = new Date(ledger.clock.now().getTime() + 86_400_000).toISOString();
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: ledger.token({ groups: ['admin'] }),
    body: { activityId: 'walk', startsAt, capacity: 5, unitPrice: { amount: 1000, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

describe('CORS', () => {
  it.each([
    ['/v1/reservations', 'POST'],
    ['/public/v1/tenants/t1/availability', 'GET'],
  ])(
    'answers the preflight of %s from an allowed origin before authentication, with the allowed and exposed headers',
    async (path, method) => {
      const res = await preflight(path, SHOP, method);

      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
      expect(listed(res.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase());
      expect(listed(res.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
      );
      expect(listed(res.headers.get('access-control-expose-headers'))).toEqual(
        expect.arrayContaining(['idempotent-replayed', 'x-request-id']),
      );
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(listed(res.headers.get('vary'))).toContain('origin');
    },
  );

  it('allows each origin of the list, naming that origin alone', async () => {
    const res = await preflight('/v1/reservations', WIDGET);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(WIDGET);
  });

  it.each([STRANGER, `${SHOP}.evil.example.net`, 'null', SHOP.toUpperCase()])(
    'gives origin %s no CORS header at all, on a preflight or a request',
    async (origin) => {
      const pre = await preflight('/v1/reservations', origin);
      expect(corsHeaderNames(pre.headers)).toEqual([]);
      expect(pre.status).toBe(404);

      const get = await fetch(`${ledger.url}/public/v1/tenants/t1/availability`, { headers: { origin } });
      expect(get.status).toBe(200);
      expect(corsHeaderNames(get.headers)).toEqual([]);
    },
  );

  it.each(['/health', '/livez', '/webhooks/stripe', '/docs/json'])('gives %s no CORS header even from an allowed origin', async (path) => {
    const pre = await preflight(path, SHOP);
    expect(corsHeaderNames(pre.headers)).toEqual([]);
    const get = await fetch(`${ledger.url}${path}`, { headers: { origin: SHOP } });
    expect(corsHeaderNames(get.headers)).toEqual([]);
  });

  it('does not even vary /health on Origin (its routes opt out of the CORS hook)', async () => {
    const get = await fetch(`${ledger.url}/health`, { headers: { origin: SHOP } });
    expect(listed(get.headers.get('vary'))).not.toContain('origin');
  });

  it('lets an allowed origin read the public availability cross-origin', async () => {
    const res = await fetch(`${ledger.url}/public/v1/tenants/t1/availability`, { headers: { origin: SHOP } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(listed(res.headers.get('access-control-expose-headers'))).toContain('x-request-id');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.json()).toEqual({ items: [] });
  });

  it('lets an allowed origin hold seats with a token, and read that a retry was a replay', async () => {
    const slotId = await defineSlot();
    const key = randomUUID();
    const post = () =>
      fetch(`${ledger.url}/v1/reservations`, {
        method: 'POST',
        headers: {
          origin: SHOP,
          authorization: `Bearer ${ledger.token({ sub: 'browser-customer' })}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ slotId, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } }),
      });

    const first = await post();
    expect(first.status).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe(SHOP);
    const replay = await post();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(listed(replay.headers.get('access-control-expose-headers'))).toContain('idempotent-replayed');
  });

  it('names the allowed origin on a 401 too, so the page can read why it was refused', async () => {
    const res = await fetch(`${ledger.url}/v1/slots/x`, { headers: { origin: SHOP } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
  });
});

describe('CORS without configured origins', () => {
  let bare: TestLedger;
  beforeAll(async () => {
    bare = await startTestLedger();
  });
  afterAll(async () => {
    await bare.close();
  });

  it('allows no origin', async () => {
    const res = await fetch(`${bare.url}/v1/reservations`, {
      method: 'OPTIONS',
      headers: { origin: SHOP, 'access-control-request-method': 'POST' },
    });
    expect(corsHeaderNames(res.headers)).toEqual([]);
  });
});
