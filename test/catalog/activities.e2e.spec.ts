import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// Issue 14 item 1, against the real server and PostgreSQL: activities with an IANA time zone, and
// the slots that show their departure in it.

let ledger: TestLedger;
let admin: string;

beforeAll(async () => {
  ledger = await startTestLedger();
  admin = ledger.token({ groups: ['admin'], sub: 'cat-admin' });
});
afterAll(async () => {
  await ledger.close();
});

const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

function putActivity(activityId: string, body: Record<string, unknown>, token = admin) {
  return ledger.call('PUT', `/v1/activities/${activityId}`, { token, body });
}

async function eventsOf(streamId: string): Promise<string[]> {
  const { rows } = await ledger.db.asOwner<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version', [
    streamId,
  ]);
  return rows.map((row) => row.type);
}

describe('PUT /v1/activities/{activityId}', () => {
  it('answers 201 on the first PUT, 200 with no new event on the same body, 200 with ActivityChanged on a new zone', async () => {
    const activityId = newId('whales');
    const first = await putActivity(activityId, { name: 'Whale watching', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ activityId, name: 'Whale watching', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' });

    const again = await putActivity(activityId, { name: 'Whale watching', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' });
    expect(again.status).toBe(200);
    expect(await eventsOf(`activity-${activityId}`)).toEqual(['ActivityDefined']);

    const moved = await putActivity(activityId, { name: 'Whale watching', timeZone: 'America/Argentina/Ushuaia' });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ activityId, name: 'Whale watching', timeZone: 'America/Argentina/Ushuaia' });
    expect(await eventsOf(`activity-${activityId}`)).toEqual(['ActivityDefined', 'ActivityChanged']);
    const { rows } = await ledger.db.asOwner<{ time_zone: string; locale: string | null; version: number }>(
      'SELECT time_zone, locale, version FROM activity_view WHERE activity_id = $1',
      [activityId],
    );
    expect(rows).toEqual([{ time_zone: 'America/Argentina/Ushuaia', locale: null, version: 2 }]);
  });

  it('defines an activity once when admins PUT it concurrently: one 201, the others 200, one event', async () => {
    const activityId = newId('race');
    const body = { name: 'Rafting', timeZone: 'America/Argentina/Ushuaia', locale: 'es-AR' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => putActivity(activityId, body)));
    expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(await eventsOf(`activity-${activityId}`)).toEqual(['ActivityDefined']);
  });

  it('refuses an unknown IANA zone with 400 invalid_request and writes nothing', async () => {
    const activityId = newId('bad-zone');
    for (const timeZone of ['Mars/Olympus_Mons', 'GMT+25', '']) {
      const res = await putActivity(activityId, { name: 'Kayak', timeZone });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request' });
    }
    expect(await eventsOf(`activity-${activityId}`)).toEqual([]);
  });

  it('is for admins only: staff and customers get 403', async () => {
    const activityId = newId('forbidden');
    for (const token of [ledger.token({ groups: ['staff'] }), ledger.token({ sub: 'cat-customer' })]) {
      const res = await putActivity(activityId, { name: 'Kayak', timeZone: 'UTC' }, token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'forbidden' });
    }
  });

  it("keeps tenants apart: another tenant's PUT of the same id defines its own activity and sees nothing of the first", async () => {
    const activityId = newId('shared');
    expect((await putActivity(activityId, { name: 'Ours', timeZone: 'Europe/Lisbon' })).status).toBe(201);
    const otherAdmin = ledger.token({ tenantId: `other-${randomUUID()}`, groups: ['admin'] });
    const theirs = await putActivity(activityId, { name: 'Theirs', timeZone: 'Asia/Kolkata' }, otherAdmin);
    expect(theirs.status).toBe(201);
    expect(theirs.body).toEqual({ activityId, name: 'Theirs', timeZone: 'Asia/Kolkata' });
    const ours = await putActivity(activityId, { name: 'Ours', timeZone: 'Europe/Lisbon' });
    expect(ours.status).toBe(200);
  });
});

function putSlot(slotId: string, activityId: string, startsAt: string, capacity = 10, token = admin) {
  return ledger.call('PUT', `/v1/slots/${slotId}`, {
    token,
    body: { activityId, startsAt, capacity, unitPrice: { amount: 5000, currency: 'BRL' } },
  });
}

async function putSlotOk(slotId: string, activityId: string, startsAt: string) {
  expect((await putSlot(slotId, activityId, startsAt)).status).toBe(201);
}

describe('a slot in its activity’s time zone', () => {
  it('shows timeZone and localStartsAt on PUT and GET: the activity’s zone, UTC for an activity never defined', async () => {
    const activityId = newId('sunset');
    expect((await putActivity(activityId, { name: 'Sunset sail', timeZone: 'America/Sao_Paulo' })).status).toBe(201);
    const slotId = newId('slot');
    // 23:00 UTC is 20:00 in São Paulo (UTC−3, no daylight saving since 2019).
    const put = await putSlot(slotId, activityId, '2031-01-15T23:00:00.000Z');
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ timeZone: 'America/Sao_Paulo', localStartsAt: '2031-01-15T20:00:00-03:00' });
    const got = await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin });
    expect(got.body).toMatchObject({
      startsAt: '2031-01-15T23:00:00.000Z',
      timeZone: 'America/Sao_Paulo',
      localStartsAt: '2031-01-15T20:00:00-03:00',
    });

    const orphan = newId('orphan');
    await putSlot(orphan, newId('no-activity'), '2031-01-15T23:00:00.000Z');
    const plain = await ledger.call('GET', `/v1/slots/${orphan}`, { token: admin });
    expect(plain.body).toMatchObject({ timeZone: 'UTC', localStartsAt: '2031-01-15T23:00:00+00:00' });
  });

  it('follows a change of the activity’s zone, and another tenant’s activity of the same id changes nothing here', async () => {
    const activityId = newId('glacier');
    await putActivity(activityId, { name: 'Glacier walk', timeZone: 'UTC' });
    const slotId = newId('slot');
    await putSlot(slotId, activityId, '2031-07-01T12:00:00.000Z');
    const otherAdmin = ledger.token({ tenantId: `other-${randomUUID()}`, groups: ['admin'] });
    expect((await putActivity(activityId, { name: 'Theirs', timeZone: 'Asia/Kolkata' }, otherAdmin)).status).toBe(201);
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body).toMatchObject({ timeZone: 'UTC' });

    await putActivity(activityId, { name: 'Glacier walk', timeZone: 'America/Argentina/Ushuaia' });
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body).toMatchObject({
      timeZone: 'America/Argentina/Ushuaia',
      localStartsAt: '2031-07-01T09:00:00-03:00',
    });
  });
});

type SlotItem = { slotId: string; startsAt: string; available: number; timeZone: string; localStartsAt: string };

async function listAll(query: string, token: string, limit: number): Promise<{ pages: number; items: SlotItem[] }> {
  const items: SlotItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await ledger.call('GET', `/v1/slots?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status).toBe(200);
    items.push(...(res.body.items as SlotItem[]));
    cursor = res.body.nextCursor as string | null;
    pages += 1;
  } while (cursor !== null);
  return { pages, items };
}

describe('GET /v1/slots', () => {
  it('lists an activity’s slots in departure order, within [from, to), only available ones on request, for any role of the tenant', async () => {
    const activityId = newId('list');
    await putActivity(activityId, { name: 'Canyoning', timeZone: 'Europe/Lisbon' });
    const day = (n: number) => new Date(Date.UTC(2032, 0, 1 + n, 10)).toISOString();
    const ids = await Promise.all(
      [3, 1, 2, 5, 4].map(async (n) => {
        const slotId = `${activityId}-d${n}`;
        expect((await putSlot(slotId, activityId, day(n), n === 2 ? 0 : 10)).status).toBe(201);
        return slotId;
      }),
    );
    await putSlot(newId('elsewhere'), newId('other-activity'), day(3));
    const customer = ledger.token({ sub: 'cat-lister' });

    const all = await listAll(`activityId=${activityId}`, customer, 2);
    expect(all.items.map((s) => s.slotId)).toEqual([1, 2, 3, 4, 5].map((n) => `${activityId}-d${n}`));
    expect(all.pages).toBe(3);
    expect(all.items[0]).toMatchObject({ timeZone: 'Europe/Lisbon', localStartsAt: '2032-01-02T10:00:00+00:00' });
    expect(ids).toHaveLength(5);

    const ranged = await listAll(`activityId=${activityId}&from=${day(2)}&to=${day(4)}`, customer, 50);
    expect(ranged.items.map((s) => s.slotId)).toEqual([`${activityId}-d2`, `${activityId}-d3`]);
    const available = await listAll(`activityId=${activityId}&onlyAvailable=true`, customer, 50);
    expect(available.items.map((s) => s.slotId)).toEqual([1, 3, 4, 5].map((n) => `${activityId}-d${n}`));
  });

  it('pages without gaps or repeats while slots are defined between pages', async () => {
    const activityId = newId('paging');
    const at = (minute: number) => new Date(Date.UTC(2033, 5, 1, 8, minute)).toISOString();
    for (let i = 0; i < 12; i += 1) await putSlotOk(`${activityId}-${String(i).padStart(2, '0')}`, activityId, at(i * 5));
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const res = await ledger.call('GET', `/v1/slots?activityId=${activityId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
        token: admin,
      });
      seen.push(...(res.body.items as SlotItem[]).map((s) => s.slotId));
      cursor = res.body.nextCursor as string | null;
      // One departure before the page just read (never shown) and one after it (shown later), plus one at
      // the same instant as the page's last slot with an id that sorts after it.
      const last = (res.body.items as SlotItem[]).at(-1);
      if (last && cursor !== null) {
        expect((await putSlot(`${activityId}-early-${inserted}`, activityId, at(-1 - inserted))).status).toBe(201);
        expect((await putSlot(`${activityId}-late-${inserted}`, activityId, at(100 + inserted))).status).toBe(201);
        expect((await putSlot(`${last.slotId}.tie`, activityId, last.startsAt)).status).toBe(201);
        inserted += 1;
      }
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    const everySlot = await listAll(`activityId=${activityId}`, admin, 200);
    const expected = everySlot.items.map((s) => s.slotId).filter((id) => !id.includes('-early-'));
    expect(seen).toEqual(expected);
    expect(seen.filter((id) => id.endsWith('.tie') || id.includes('-late-'))).toHaveLength(2 * inserted);
  });

  it('refuses a bad cursor, a limit above 200 and an instant without offset with 400 invalid_request', async () => {
    const cursorOf = (payload: object) => Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    // A reservations list's cursor, and a slots cursor whose id no slot can have.
    const foreign = cursorOf({ l: 'reservations', at: '2031-01-01T10:00:00.000000Z', id: randomUUID() });
    const badId = cursorOf({ l: 'slots', at: '2031-01-01T10:00:00.000000Z', id: 'no spaces allowed' });
    for (const query of [
      'cursor=not-a-cursor',
      `cursor=${foreign}`,
      `cursor=${badId}`,
      'limit=201',
      'limit=0',
      'from=2031-01-01T10:00:00',
      'onlyAvailable=yes',
    ]) {
      const res = await ledger.call('GET', `/v1/slots?${query}`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('shows nothing of another tenant', async () => {
    const activityId = newId('private');
    await putSlot(newId('slot'), activityId, '2031-03-01T10:00:00.000Z');
    const stranger = ledger.token({ tenantId: `other-${randomUUID()}`, groups: ['admin'] });
    const res = await ledger.call('GET', `/v1/slots?activityId=${activityId}`, { token: stranger });
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});
