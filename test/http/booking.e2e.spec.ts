import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueHolds } from '../../src/app/expireHolds.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
let admin: string;
let customer: string;
let otherCustomer: string;
let auditor: string;
let staff: string;

beforeAll(async () => {
  ledger = await startTestLedger({ holdTtlSeconds: 600 });
  admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  customer = ledger.token({ sub: 'customer-1', email: 'ana@example.com' });
  otherCustomer = ledger.token({ sub: 'customer-2' });
  auditor = ledger.token({ groups: ['auditor'], sub: 'auditor-1' });
  staff = ledger.token({ groups: ['staff'], sub: 'staff-1' });
});
afterAll(async () => {
  await ledger.close();
});

const slotBody = (capacity: number) => ({
  activityId: 'glacier-walk',
  startsAt: '2036-12-01T09:00:00Z',
  capacity,
  unitPrice: { amount: 4500, currency: 'EUR' },
});

async function createSlot(capacity: number): Promise<string> {
  const slotId = `slot-${randomUUID().slice(0, 8)}`;
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, { token: admin, body: slotBody(capacity) });
  expect(res.status).toBe(201);
  return slotId;
}

function hold(slotId: string, seats: number, key: string = randomUUID(), token = customer) {
  return ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': key },
    body: { slotId, seats, customer: { name: 'Ana', email: 'ana@example.com' } },
  });
}

async function eventCount(): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

describe('slots', () => {
  it('creates with 201, updates with 200, and reads availability', async () => {
    const slotId = await createSlot(12);
    const updated = await ledger.call('PUT', `/v1/slots/${slotId}`, { token: admin, body: slotBody(14) });
    expect(updated.status).toBe(200);
    const read = await ledger.call('GET', `/v1/slots/${slotId}`, { token: customer });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      slotId,
      activityId: 'glacier-walk',
      startsAt: '2036-12-01T09:00:00.000Z',
      capacity: 14,
      held: 0,
      sold: 0,
      available: 14,
      unitPrice: { amount: 4500, currency: 'EUR' },
      timeZone: 'UTC',
      localStartsAt: '2036-12-01T09:00:00+00:00',
    });
  });

  it('refuses to lower capacity below seats already held', async () => {
    const slotId = await createSlot(5);
    expect((await hold(slotId, 4)).status).toBe(201);
    const lowered = await ledger.call('PUT', `/v1/slots/${slotId}`, { token: admin, body: slotBody(3) });
    expect(lowered.status).toBe(409);
    expect(lowered.body.code).toBe('illegal_transition');
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body.capacity).toBe(5);
  });

  it('lets only admins manage slots', async () => {
    for (const token of [customer, staff, auditor]) {
      const res = await ledger.call('PUT', `/v1/slots/s-${randomUUID().slice(0, 6)}`, { token, body: slotBody(3) });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
  });

  it('answers 404 for an unknown slot', async () => {
    const res = await ledger.call('GET', '/v1/slots/nope', { token: customer });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_found');
  });
});

describe('reservations', () => {
  it('holds seats and shows the reservation to its owner', async () => {
    const slotId = await createSlot(10);
    const created = await hold(slotId, 3);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'held', slotId, seats: 3, total: { amount: 13500, currency: 'EUR' } });
    expect(Object.keys(created.body).sort()).toEqual(['expiresAt', 'reservationId', 'seats', 'slotId', 'status', 'total']);
    const expiresAt = Date.parse(created.body.expiresAt);
    expect(expiresAt - ledger.clock.now().getTime()).toBe(600_000);

    const read = await ledger.call('GET', `/v1/reservations/${created.body.reservationId}`, { token: customer });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ reservationId: created.body.reservationId, status: 'held', payments: [], version: 1 });
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: customer })).body).toMatchObject({ held: 3, available: 7 });
  });

  it('hides a reservation from other customers but shows it to staff', async () => {
    const slotId = await createSlot(10);
    const { body } = await hold(slotId, 1);
    expect((await ledger.call('GET', `/v1/reservations/${body.reservationId}`, { token: otherCustomer })).status).toBe(404);
    expect((await ledger.call('GET', `/v1/reservations/${body.reservationId}`, { token: staff })).status).toBe(200);
    expect((await ledger.call('GET', `/v1/reservations/not-a-uuid`, { token: staff })).status).toBe(404);
  });

  it('refuses a hold larger than what is left with 409 slot_full, writing nothing', async () => {
    const slotId = await createSlot(2);
    const before = await eventCount();
    const res = await hold(slotId, 3);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('slot_full');
    expect(await eventCount()).toBe(before);
  });

  it('answers 404 for a hold on an unknown slot', async () => {
    const res = await hold('no-such-slot', 1);
    expect(res.status).toBe(404);
  });

  it('cancels a hold and releases its seats; a second cancel is an illegal transition', async () => {
    const slotId = await createSlot(4);
    const { body } = await hold(slotId, 4);
    expect((await ledger.call('POST', `/v1/reservations/${body.reservationId}/cancel`, { token: otherCustomer })).status).toBe(404);
    expect((await ledger.call('POST', `/v1/reservations/${body.reservationId}/cancel`, { token: staff })).status).toBe(403);
    const cancelled = await ledger.call('POST', `/v1/reservations/${body.reservationId}/cancel`, { token: customer });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: customer })).body).toMatchObject({ held: 0, available: 4 });
    const again = await ledger.call('POST', `/v1/reservations/${body.reservationId}/cancel`, { token: customer });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('illegal_transition');
  });

  it('expires holds past expiresAt and releases their seats', async () => {
    const slotId = await createSlot(3);
    const { body } = await hold(slotId, 3);
    expect((await hold(slotId, 1)).status).toBe(409);
    await expireDueHolds(ledger.deps, ledger.composed.providers);
    expect((await ledger.call('GET', `/v1/reservations/${body.reservationId}`, { token: customer })).body.status).toBe('held');
    ledger.clock.advance(601);
    const sweep = await expireDueHolds(ledger.deps, ledger.composed.providers);
    expect(sweep.expired).toBeGreaterThanOrEqual(1);
    expect((await ledger.call('GET', `/v1/reservations/${body.reservationId}`, { token: customer })).body.status).toBe('expired');
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: customer })).body).toMatchObject({ held: 0, available: 3 });
    expect((await hold(slotId, 3)).status).toBe(201);
  });
});

describe('idempotency keys', () => {
  it('replays the first response for the same body, with Idempotent-Replayed', async () => {
    const slotId = await createSlot(10);
    const key = randomUUID();
    const first = await hold(slotId, 2, key);
    const second = await hold(slotId, 2, key);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect((await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin })).body.held).toBe(2);
  });

  it('refuses the same key with another body (422) and scopes keys per user', async () => {
    const slotId = await createSlot(10);
    const key = randomUUID();
    expect((await hold(slotId, 2, key)).status).toBe(201);
    const reused = await hold(slotId, 3, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const otherUser = await hold(slotId, 3, key, otherCustomer);
    expect(otherUser.status).toBe(201);
    expect(otherUser.headers.get('idempotent-replayed')).toBeNull();
  });

  it('requires a key of 1 to 255 characters on creating requests', async () => {
    const slotId = await createSlot(10);
    const missing = await ledger.call('POST', '/v1/reservations', {
      token: customer,
      body: { slotId, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('idempotency_key_required');
    expect((await hold(slotId, 1, 'k'.repeat(256))).status).toBe(400);
  });

  it('does not store a refused request: a retry after seats free up succeeds', async () => {
    const slotId = await createSlot(1);
    const first = await hold(slotId, 1);
    const key = randomUUID();
    expect((await hold(slotId, 1, key)).status).toBe(409);
    await ledger.call('POST', `/v1/reservations/${first.body.reservationId}/cancel`, { token: customer });
    expect((await hold(slotId, 1, key)).status).toBe(201);
  });
});

describe('bad input', () => {
  it('answers 400 invalid_request with problem+json for unknown fields, wrong types and bad JSON, writing nothing', async () => {
    const slotId = await createSlot(10);
    const before = await eventCount();
    const bodies: unknown[] = [
      { slotId, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' }, extra: true },
      { slotId, seats: '1', customer: { name: 'Ana', email: 'ana@example.com' } },
      { slotId, seats: 0, customer: { name: 'Ana', email: 'ana@example.com' } },
      { slotId, seats: 1.5, customer: { name: 'Ana', email: 'ana@example.com' } },
      { slotId, seats: 1, customer: { name: 'Ana', email: 'not-an-email' } },
      { slotId, seats: 1, customer: { name: 'A\u0000na', email: 'ana@example.com' } },
      { slotId: "x'; DROP TABLE events; --", seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } },
      '{"slotId": ',
      [],
      null,
    ];
    for (const body of bodies) {
      const res = await ledger.call('POST', '/v1/reservations', {
        token: customer,
        headers: { 'idempotency-key': randomUUID() },
        body: body === null ? 'null' : body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'invalid_request', status: 400 });
      expect(typeof res.body.type).toBe('string');
      expect(typeof res.body.title).toBe('string');
      expect(typeof res.body.detail).toBe('string');
    }
    const badSlot = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: admin,
      body: { ...slotBody(10), unitPrice: { amount: 45.5, currency: 'EUR' } },
    });
    expect(badSlot.status).toBe(400);
    expect(await eventCount()).toBe(before);
  });

  it('answers 413 payload_too_large for an oversized body', async () => {
    const res = await ledger.call('POST', '/v1/reservations', {
      token: customer,
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId: 'x', seats: 1, customer: { name: 'x'.repeat(100_000), email: 'ana@example.com' } },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });
});

describe('audit', () => {
  it('shows the hash-chained stream to auditors only, and the reservation as of a time', async () => {
    const slotId = await createSlot(5);
    const created = await hold(slotId, 2);
    const id = created.body.reservationId;
    const heldAt = ledger.clock.now().toISOString();
    ledger.clock.advance(60);
    await ledger.call('POST', `/v1/reservations/${id}/cancel`, { token: customer });

    expect((await ledger.call('GET', `/v1/audit/streams/reservation-${id}`, { token: customer })).status).toBe(403);
    const stream = await ledger.call('GET', `/v1/audit/streams/reservation-${id}`, { token: auditor });
    expect(stream.status).toBe(200);
    expect(stream.body.streamId).toBe(`reservation-${id}`);
    const events = stream.body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['ReservationHeld', 'ReservationCancelled']);
    expect(events[0].prevHash).toBe('0'.repeat(64));
    expect(events[1].prevHash).toBe(events[0].hash);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual([
        'data',
        'eventId',
        'hash',
        'metadata',
        'position',
        'prevHash',
        'recordedAt',
        'type',
        'version',
      ]);
    }

    const asHeld = await ledger.call('GET', `/v1/audit/reservations/${id}?at=${encodeURIComponent(heldAt)}`, { token: auditor });
    expect(asHeld.status).toBe(200);
    expect(asHeld.body).toMatchObject({ reservationId: id, status: 'held', version: 1 });
    const now = await ledger.call('GET', `/v1/audit/reservations/${id}?at=${encodeURIComponent(ledger.clock.now().toISOString())}`, {
      token: auditor,
    });
    expect(now.body).toMatchObject({ status: 'cancelled', version: 2 });
    const before = await ledger.call('GET', `/v1/audit/reservations/${id}?at=2000-01-01T00:00:00Z`, { token: auditor });
    expect(before.status).toBe(404);
    expect((await ledger.call('GET', `/v1/audit/reservations/${id}?at=yesterday`, { token: auditor })).status).toBe(400);
  });

  it('verifies: every chain intact and every projection equal to its rebuild', async () => {
    const report = await verifyLedger(ledger.db.systemPool);
    expect(report.brokenChains).toEqual([]);
    expect(report.projectionMismatches).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.events).toBe(await eventCount());
  });
});
