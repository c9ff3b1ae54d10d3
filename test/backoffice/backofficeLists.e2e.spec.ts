import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import type { TestResponse } from '../support/ledgerServer.js';

// GET /v1/backoffice/reservations, /payments and /reservations/export through the real server,
// over a real database, with the Stripe and Mercado Pago doubles for the payments.

let h: PaymentsHarness;
let otherTenantStaff: string;

type Seeded = { reservationId: string; slotId: string; email: string; status: string };
const seeded: Seeded[] = [];
const slots = {
  kayakJuly1: { activityId: 'sunrise-kayak', startsAt: '2027-07-01T09:00:00Z' },
  kayakJuly2: { activityId: 'sunrise-kayak', startsAt: '2027-07-02T09:00:00Z' },
  hikeJuly1: { activityId: 'glacier-hike', startsAt: '2027-07-01T15:00:00Z' },
} as const;
const slotIds: Record<keyof typeof slots, string> = { kayakJuly1: '', kayakJuly2: '', hikeJuly1: '' };

async function defineSlot(name: keyof typeof slots): Promise<string> {
  const slotId = `${name}-${randomUUID().slice(0, 8)}`;
  const res = await h.ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: h.admin,
    body: { ...slots[name], capacity: 100, unitPrice: { amount: 4500, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

async function hold(slotId: string, email: string): Promise<string> {
  const res = await h.ledger.call('POST', '/v1/reservations', {
    token: h.customer,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats: 1, customer: { name: 'Ana', email } },
  });
  expect(res.status).toBe(201);
  return res.body.reservationId as string;
}

const list = (path: string, token = h.staff) => h.ledger.call('GET', path, { token });
const ids = (res: TestResponse) => (res.body.items as { reservationId: string }[]).map((i) => i.reservationId);
const paymentIds = (res: TestResponse) => (res.body.items as { paymentId: string }[]).map((i) => i.paymentId);
const expectedIds = (pick: (s: Seeded) => boolean) =>
  seeded
    .filter(pick)
    .map((s) => s.reservationId)
    .sort();

/** Follows nextCursor to the end; fails on a repeated id. */
async function walk(path: string, limit: number, between: () => Promise<void> = async () => undefined): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1_000; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await list(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...ids(res));
    cursor = res.body.nextCursor;
    if (cursor === null) break;
    await between();
  }
  expect(new Set(seen).size).toBe(seen.length);
  return seen;
}

beforeAll(async () => {
  // One customer books the same departures dozens of times to fill the lists: above the per-customer allowance.
  h = await startPaymentsHarness({ holdTtlSeconds: 600, holdMaxSeatsPerCustomer: 1000 });
  otherTenantStaff = h.ledger.token({ groups: ['staff'], sub: 'staff-b', tenantId: 'tenant-b' });
  for (const name of Object.keys(slots) as (keyof typeof slots)[]) slotIds[name] = await defineSlot(name);
  // Several holds share a creation instant (the test clock stands still), so ties are broken by id.
  const emails = ['ana@example.com', 'bruno@example.com', 'Carla@Example.com'];
  for (let i = 0; i < 12; i++) {
    const name = (['kayakJuly1', 'kayakJuly2', 'hikeJuly1'] as const)[i % 3]!;
    const email = emails[i % emails.length]!;
    seeded.push({ reservationId: await hold(slotIds[name], email), slotId: slotIds[name], email, status: 'held' });
    if (i % 4 === 3) h.ledger.clock.advance(30);
  }
  // Two cancelled, the oldest four expired, the rest held.
  for (const s of seeded.slice(10)) {
    expect((await h.ledger.call('POST', `/v1/reservations/${s.reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    s.status = 'cancelled';
  }
  // The oldest four were held 90 s before now and expire at 600 s; the next ones 30 s later.
  h.ledger.clock.advance(600 - 90);
  await expireDueHolds(h.ledger.deps, h.ledger.composed.providers);
  for (const s of seeded.slice(0, 4)) s.status = 'expired';
  h.ledger.clock.advance(120);
}, 120_000);

afterAll(async () => {
  await h.close();
});

describe('GET /v1/backoffice/reservations', () => {
  it('lists the tenant’s reservations newest first, with the slot’s activity and departure', async () => {
    const res = await list('/v1/backoffice/reservations?limit=200');
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect([...ids(res)].sort()).toEqual(expectedIds(() => true));
    const items = res.body.items as { createdAt: string; reservationId: string }[];
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!];
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.reservationId > b.reservationId)).toBe(true);
    }
    const first = seeded.find((s) => s.slotId === slotIds.hikeJuly1)!;
    expect(res.body.items.find((i: { reservationId: string }) => i.reservationId === first.reservationId)).toMatchObject({
      status: first.status,
      slotId: slotIds.hikeJuly1,
      activityId: 'glacier-hike',
      departsAt: '2027-07-01T15:00:00.000Z',
      seats: 1,
      total: { amount: 4500, currency: 'EUR' },
      customer: { name: 'Ana', email: first.email },
      paymentId: null,
      version: expect.any(Number),
    });
  });

  it('filters by status, slot, activity, departure, creation time and e-mail (case-insensitive)', async () => {
    const get = async (query: string) => {
      const res = await list(`/v1/backoffice/reservations?limit=200&${query}`);
      expect(res.status, query).toBe(200);
      return [...ids(res)].sort();
    };
    expect(await get('status=expired')).toEqual(expectedIds((s) => s.status === 'expired'));
    expect(await get('status=cancelled')).toEqual(expectedIds((s) => s.status === 'cancelled'));
    expect(await get('status=paid')).toEqual([]);
    expect(await get(`slotId=${slotIds.kayakJuly2}`)).toEqual(expectedIds((s) => s.slotId === slotIds.kayakJuly2));
    expect(await get('activityId=sunrise-kayak')).toEqual(expectedIds((s) => s.slotId !== slotIds.hikeJuly1));
    // A day is the whole UTC day; both July 1 departures, not July 2's.
    expect(await get('from=2027-07-01&to=2027-07-01')).toEqual(expectedIds((s) => s.slotId !== slotIds.kayakJuly2));
    // Instants are half-open: [09:00, 15:00) holds the kayak only.
    expect(await get('from=2027-07-01T09:00:00Z&to=2027-07-01T15:00:00Z')).toEqual(expectedIds((s) => s.slotId === slotIds.kayakJuly1));
    expect(await get('from=2027-07-01T12:00:00%2B02:00&activityId=glacier-hike')).toEqual(
      expectedIds((s) => s.slotId === slotIds.hikeJuly1),
    );
    expect(await get('email=CARLA@example.COM')).toEqual(expectedIds((s) => s.email === 'Carla@Example.com'));
    expect(await get('email=carla@example.com&status=held&activityId=sunrise-kayak')).toEqual(
      expectedIds((s) => s.email === 'Carla@Example.com' && s.status === 'held' && s.slotId !== slotIds.hikeJuly1),
    );
    const all = (await list('/v1/backoffice/reservations?limit=200')).body.items as { reservationId: string; createdAt: string }[];
    const oldest = all.at(-1)!.createdAt;
    expect(
      await get(
        `createdFrom=${encodeURIComponent(oldest)}&createdTo=${encodeURIComponent(new Date(Date.parse(oldest) + 1).toISOString())}`,
      ),
    ).toEqual(
      all
        .filter((i) => i.createdAt === oldest)
        .map((i) => i.reservationId)
        .sort(),
    );
  });

  it('walks every page exactly once, for several page sizes and with a filter', async () => {
    for (const limit of [1, 5, 7]) expect([...(await walk('/v1/backoffice/reservations', limit))].sort()).toEqual(expectedIds(() => true));
    expect([...(await walk('/v1/backoffice/reservations?activityId=sunrise-kayak', 3))].sort()).toEqual(
      expectedIds((s) => s.slotId !== slotIds.hikeJuly1),
    );
  });

  it('neither repeats nor skips a row while reservations are added between pages', async () => {
    const before = expectedIds(() => true);
    const added: string[] = [];
    const seen = await walk('/v1/backoffice/reservations', 2, async () => {
      // Same creation instant as each other (ties on id), and newer than every row already listed.
      added.push(await hold(slotIds.kayakJuly1, 'late@example.com'), await hold(slotIds.hikeJuly1, 'late@example.com'));
    });
    expect(seen.filter((id) => before.includes(id)).sort()).toEqual(before);
    for (const id of seen.filter((id) => !before.includes(id))) expect(added).toContain(id);
    for (const id of added) seeded.push({ reservationId: id, slotId: '', email: 'late@example.com', status: 'held' });
    h.ledger.clock.advance(1);
  });

  it('neither repeats nor skips a row while holds are placed concurrently with the walk', async () => {
    const before = (await walk('/v1/backoffice/reservations', 200)).sort();
    // New holds get the creation time of a row in the middle of the list, so they land among the
    // rows still to be walked (ties broken by id), not only before the first page.
    const listed = (await list('/v1/backoffice/reservations?limit=200')).body.items as { createdAt: string }[];
    const now = h.ledger.clock.now();
    h.ledger.clock.set(new Date(listed[Math.floor(listed.length / 2)]!.createdAt));
    const writing = { placing: true };
    const placed: string[] = [await hold(slotIds.kayakJuly2, 'rush@example.com')];
    const writer = (async () => {
      while (writing.placing) placed.push(await hold(slotIds.kayakJuly2, 'rush@example.com'));
    })();
    const seen = await walk('/v1/backoffice/reservations', 3);
    writing.placing = false;
    await writer;
    h.ledger.clock.set(now);
    expect(placed.length).toBeGreaterThan(0);
    // Those sorted behind the cursor were listed, exactly once (walk checks that): at least the first.
    expect(seen.some((id) => placed.includes(id))).toBe(true);
    expect(seen.filter((id) => before.includes(id)).sort()).toEqual(before);
    for (const id of seen.filter((id) => !before.includes(id))) expect(placed).toContain(id);
    for (const id of placed) seeded.push({ reservationId: id, slotId: slotIds.kayakJuly2, email: 'rush@example.com', status: 'held' });
  });

  it('is for staff and admins of the tenant only', async () => {
    expect((await list('/v1/backoffice/reservations', h.admin)).body.items.length).toBeGreaterThan(0);
    for (const token of [h.customer, h.auditor]) {
      const refused = await list('/v1/backoffice/reservations', token);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body.code).toBe('forbidden');
    }
    const other = await list('/v1/backoffice/reservations?limit=200', otherTenantStaff);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ items: [], nextCursor: null });
    expect((await list(`/v1/backoffice/reservations?slotId=${slotIds.kayakJuly1}`, otherTenantStaff)).body.items).toEqual([]);
    expect((await h.ledger.call('GET', '/v1/backoffice/reservations')).status).toBe(401);
  });

  it('refuses malformed filters and cursors with 400 invalid_request', async () => {
    const paymentsCursor = Buffer.from(JSON.stringify({ l: 'payments', at: '2027-01-01T00:00:00.000000Z', id: randomUUID() })).toString(
      'base64url',
    );
    for (const query of [
      'status=booked',
      'limit=0',
      'limit=201',
      'limit=ten',
      'cursor=not-a-cursor',
      `cursor=${paymentsCursor}`,
      'from=yesterday',
      'from=2027-07-02&to=2027-07-01',
      'createdFrom=2027-07-02T00:00:00Z&createdTo=2027-07-01T00:00:00Z',
      'email=not-an-email',
      'slotId=..%2F..',
      'sort=created',
      'status=held&status=paid',
    ]) {
      const res = await list(`/v1/backoffice/reservations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.code, query).toBe('invalid_request');
    }
  });
});

describe('GET /v1/backoffice/payments', () => {
  it('lists payments with their provider ids, filtered by status, provider and start time, paged by cursor', async () => {
    const heldOnes: Seeded[] = [];
    for (let i = 0; i < 3; i++)
      heldOnes.push({
        reservationId: await hold(slotIds.kayakJuly2, 'pay@example.com'),
        slotId: slotIds.kayakJuly2,
        email: 'pay@example.com',
        status: 'held',
      });
    seeded.push(...heldOnes);
    const started = async (reservationId: string, provider: string) => {
      const res = await h.startPayment(reservationId, provider);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };
    const stripe = [await started(heldOnes[0]!.reservationId, 'stripe'), await started(heldOnes[1]!.reservationId, 'stripe')];
    const pix = await started(heldOnes[2]!.reservationId, 'pix');
    expect(stripe.map((p) => p.providerPaymentId)).toEqual([expect.stringMatching(/^pi_/), expect.stringMatching(/^pi_/)]);
    expect((await h.deliverStripe(h.stripe.transition(stripe[0].providerPaymentId, 'succeeded'))).status).toBe(200);

    const all = await list('/v1/backoffice/payments');
    expect(all.status).toBe(200);
    expect([...paymentIds(all)].sort()).toEqual([stripe[0].paymentId, stripe[1].paymentId, pix.paymentId].sort());
    expect(all.body.items.find((p: { paymentId: string }) => p.paymentId === stripe[0].paymentId)).toEqual({
      paymentId: stripe[0].paymentId,
      reservationId: heldOnes[0]!.reservationId,
      provider: 'stripe',
      status: 'succeeded',
      amount: { amount: 4500, currency: 'EUR' },
      providerPaymentId: stripe[0].providerPaymentId,
      lastError: null,
      refundRequested: false,
      anomalies: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: expect.any(Number),
    });
    expect(all.body.items.find((p: { paymentId: string }) => p.paymentId === pix.paymentId).providerPaymentId).toBe(pix.providerPaymentId);
    expect(JSON.stringify(all.body)).not.toMatch(/clientSecret|secret_/);

    expect(paymentIds(await list('/v1/backoffice/payments?status=succeeded'))).toEqual([stripe[0].paymentId]);
    expect([...paymentIds(await list('/v1/backoffice/payments?provider=stripe'))].sort()).toEqual(
      [stripe[0].paymentId, stripe[1].paymentId].sort(),
    );
    expect(paymentIds(await list('/v1/backoffice/payments?provider=pix&status=pending'))).toEqual([pix.paymentId]);
    const today = h.ledger.clock.now().toISOString().slice(0, 10);
    expect(paymentIds(await list(`/v1/backoffice/payments?from=${today}&to=${today}`)).length).toBe(3);
    expect(paymentIds(await list('/v1/backoffice/payments?to=2020-01-01'))).toEqual([]);

    const first = await list('/v1/backoffice/payments?limit=2');
    const second = await list(`/v1/backoffice/payments?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.nextCursor).toBeNull();
    expect([...paymentIds(first), ...paymentIds(second)].sort()).toEqual([...paymentIds(all)].sort());

    for (const query of ['status=paid', 'provider=paypal', 'limit=500', `cursor=${encodeURIComponent('eyJ4IjoxfQ')}`]) {
      const res = await list(`/v1/backoffice/payments?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    }
    expect((await list('/v1/backoffice/payments', h.customer)).status).toBe(403);
    expect((await list('/v1/backoffice/payments', otherTenantStaff)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe('GET /v1/backoffice/reservations/export', () => {
  it('streams the departure range as JSON lines, the same items the list shows', async () => {
    const res = await fetch(`${h.ledger.url}/v1/backoffice/reservations/export?from=2027-07-01&to=2027-07-01`, {
      headers: { authorization: `Bearer ${h.staff}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { reservationId: string });
    const listed = await list('/v1/backoffice/reservations?from=2027-07-01&to=2027-07-01&limit=200');
    expect(lines).toEqual(listed.body.items);
    expect(lines.length).toBeGreaterThan(0);
    const empty = await h.ledger.call('GET', '/v1/backoffice/reservations/export?from=2030-01-01&to=2030-01-02', { token: h.staff });
    expect(empty.status).toBe(200);
    expect(empty.body).toBeNull();
  });

  it('requires a bounded departure range and a staff caller', async () => {
    for (const query of [
      '',
      'from=2027-07-01',
      'to=2027-07-01',
      'from=2027-01-01&to=2028-01-02',
      'from=2027-07-01&to=2027-07-01&limit=5',
    ]) {
      const res = await h.ledger.call('GET', `/v1/backoffice/reservations/export?${query}`, { token: h.staff });
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    }
    expect(
      (await h.ledger.call('GET', '/v1/backoffice/reservations/export?from=2027-01-01&to=2027-12-31', { token: h.staff })).status,
    ).toBe(200);
    const refused = await h.ledger.call('GET', '/v1/backoffice/reservations/export?from=2027-07-01&to=2027-07-01', { token: h.customer });
    expect(refused.status).toBe(403);
    const other = await h.ledger.call('GET', '/v1/backoffice/reservations/export?from=2027-07-01&to=2027-07-01', {
      token: otherTenantStaff,
    });
    expect(other.status).toBe(200);
    expect(other.body).toBeNull();
  });
});
