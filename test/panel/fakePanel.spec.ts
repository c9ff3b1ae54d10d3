import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerBooking, PanelBooking, PanelPage } from '../../src/panel/panel.js';
import { type FakePanel, PANEL_TEST_API_KEY, startFakePanel } from '../support/panel/fakePanel.js';

/** The loopback panel the sync tests rely on speaks PANEL.md: checked here so a sync test failure is never the double's. */
describe('the loopback activity panel', () => {
  let panel: FakePanel | undefined;
  afterEach(async () => {
    await panel?.close();
    panel = undefined;
  });

  const call = async (base: string, method: string, path: string, body?: unknown, key = PANEL_TEST_API_KEY) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  const push = (reservationId: string, overrides: Partial<LedgerBooking> = {}) => ({
    departureId: 'd1',
    seats: 2,
    status: 'held',
    customer: { name: 'Ana', email: 'ana@example.com' },
    total: { amount: 9000, currency: 'BRL' },
    externalRef: reservationId,
    version: 1,
    ...overrides,
  });

  it('pages a list in updatedAt order and resumes from an updatedAt', async () => {
    panel = await startFakePanel({ pageSize: 2 });
    for (let i = 0; i < 5; i++)
      panel.saveDeparture('acme', {
        departureId: `d${i}`,
        activityId: 'glacier',
        startsAt: '2027-01-01T12:00:00.000Z',
        capacity: 10,
        price: { amount: 4500, currency: 'BRL' },
        status: 'open',
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `?cursor=${cursor}`;
      const page = (await call(panel.url, 'GET', `/v1/accounts/acme/departures${query}`)).body as PanelPage<{
        departureId: string;
        updatedAt: string;
      }>;
      seen.push(...page.items.map((item) => item.departureId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    const since = panel.departure('acme', 'd3')!.updatedAt;
    const resumed = (await call(panel.url, 'GET', `/v1/accounts/acme/departures?updatedSince=${since}`)).body as PanelPage<{
      departureId: string;
    }>;
    expect(resumed.items.map((item) => item.departureId)).toEqual(['d3', 'd4']);
  });

  it('stores a pushed booking idempotently by version and refuses what does not fit', async () => {
    panel = await startFakePanel();
    panel.saveDeparture('acme', {
      departureId: 'd1',
      activityId: 'glacier',
      startsAt: '2027-01-01T12:00:00.000Z',
      capacity: 3,
      price: { amount: 4500, currency: 'BRL' },
      status: 'open',
    });
    expect((await call(panel.url, 'PUT', '/v1/accounts/acme/bookings/ledger-r1', push('r1'))).status).toBe(201);
    const confirmed = await call(panel.url, 'PUT', '/v1/accounts/acme/bookings/ledger-r1', push('r1', { status: 'confirmed', version: 3 }));
    expect(confirmed.status).toBe(200);
    // An older version arriving late changes nothing.
    const late = await call(panel.url, 'PUT', '/v1/accounts/acme/bookings/ledger-r1', push('r1', { status: 'held', version: 2 }));
    expect((late.body as PanelBooking).status).toBe('confirmed');
    const tooMany = await call(panel.url, 'PUT', '/v1/accounts/acme/bookings/ledger-r2', push('r2', { seats: 2 }));
    expect(tooMany).toMatchObject({ status: 409, body: { error: 'no_capacity' } });
    expect(panel.ledgerBookings('acme').map((booking) => [booking.bookingId, booking.status, booking.version])).toEqual([
      ['ledger-r1', 'confirmed', 3],
    ]);
    expect((await call(panel.url, 'GET', '/v1/accounts/acme/bookings', undefined, 'wrong')).status).toBe(401);
  });

  it('answers busy with Retry-After, refuses connections while down, and comes back on the same address', async () => {
    panel = await startFakePanel();
    panel.answerBusy(1, { retryAfterSeconds: 7 });
    const busy = await call(panel.url, 'GET', '/v1/accounts/acme/activities');
    expect([busy.status, busy.headers.get('retry-after')]).toEqual([429, '7']);
    await panel.goDown();
    await expect(fetch(`${panel.url}/v1/accounts/acme/activities`)).rejects.toThrow();
    await panel.comeBack();
    expect((await call(panel.url, 'GET', '/v1/accounts/acme/activities')).status).toBe(200);
  });
});
