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
