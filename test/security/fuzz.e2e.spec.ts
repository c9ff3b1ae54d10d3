import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger, type TestResponse } from '../support/ledgerServer.js';

/**
 * Hostile input against every public route, through the real socket: whatever arrives, the answer
 * is a 4xx problem+json, never a 5xx, and nothing is written. About 250 requests in all.
 */

let ledger: TestLedger;
let customer: string;
let admin: string;
let auditor: string;
let existingReservationId: string;
let eventsBefore: number;
const answers: { what: string; status: number; contentType: string | null }[] = [];

const EXISTING_SLOT = 'fuzz-slot';
/** Bodies that could be valid name a slot that does not exist, so not even a lucky sample writes. */
const MISSING_SLOT = 'fuzz-missing-slot';

async function eventCount(): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  // No booking limit here: the fuzzer sends hundreds of holds from one customer on purpose.
  ledger = await startTestLedger({ rateLimits: { booking: false } });
  customer = ledger.token({ sub: 'fuzz-customer' });
  admin = ledger.token({ sub: 'fuzz-admin', groups: ['admin'] });
  auditor = ledger.token({ sub: 'fuzz-auditor', groups: ['auditor'] });
  const slot = await ledger.call('PUT', `/v1/slots/${EXISTING_SLOT}`, {
    token: admin,
    body: { activityId: 'surf', startsAt: '2036-12-01T09:00:00Z', capacity: 5, unitPrice: { amount: 100, currency: 'EUR' } },
  });
  expect(slot.status).toBe(201);
  const held = await ledger.call('POST', '/v1/reservations', {
    token: customer,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId: EXISTING_SLOT, seats: 1, customer: { name: 'Fuzz', email: 'fuzz@example.com' } },
  });
  expect(held.status).toBe(201);
  existingReservationId = held.body.reservationId;
  eventsBefore = await eventCount();
});
afterAll(async () => {
  await ledger.close();
});

function expectRefused(what: string, res: TestResponse): void {
  answers.push({ what, status: res.status, contentType: res.headers.get('content-type') });
  // JSON.stringify(undefined) is undefined (an empty body), whatever lib.d.ts says.
  const shown = `${what} → ${res.status} ${(JSON.stringify(res.body) as string | undefined)?.slice(0, 300)}`;
  expect(res.status, shown).toBeGreaterThanOrEqual(400);
  expect(res.status, shown).toBeLessThan(500);
  expect(res.headers.get('content-type'), shown).toMatch(/^application\/problem\+json/);
  expect(res.body, shown).toMatchObject({
    status: res.status,
    code: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
}

// ---- arbitraries ----------------------------------------------------------------------------

const sqlLooking = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '1; SELECT pg_sleep(5)',
  "x' UNION SELECT hash FROM events --",
  '$$; TRUNCATE events; $$',
  "\\'; COPY events TO '/tmp/x'; --",
];
const oddStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\u202Eevil',
  '../../etc/passwd',
  '..%2F..%2F',
  '%00',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  '-0',
  '1e400',
  'null',
  '{}',
  '😀'.repeat(40),
];

const nastyString = fc.oneof(
  fc.constantFrom(...sqlLooking, ...oddStrings),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 129, max: 5_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 60_000, max: 80_000 }).map((n) => 'é'.repeat(n / 2)),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 1_001, 100_001, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1_000_000, max: 0 }),
);

const anyJson = fc.oneof(
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(nastyString, { maxLength: 4 }),
);

/** Raw JSON texts no JSON.stringify can produce: huge exponents, deep nesting, prototype keys, broken syntax. */
const rawBodies = fc.oneof(
  fc.integer({ min: 1_000, max: 30_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1_000, max: 6_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    `{"slotId":"${MISSING_SLOT}","seats":1,"customer":{"__proto__":{"isAdmin":true},"name":"a","email":"a@example.com"}}`,
    `{"slotId":"${MISSING_SLOT}","seats":1e400,"customer":{"name":"a","email":"a@example.com"}}`,
    `{"slotId":"${MISSING_SLOT}","seats":123456789012345678901234567890,"customer":{"name":"a","email":"a@example.com"}}`,
    `{"slotId":"${EXISTING_SLOT}","seats":1,"seats":2,"customer":{"name":"a","email":"a@example.com"},"extra":1}`,
    '{"slotId": ',
    '\u0000',
    '"just a string"',
    '[]',
    'null',
    '',
    '{"a":"\\ud800"}',
    '\uFEFF{}',
  ),
);

const holdFields = ['slotId', 'seats', 'customer', 'customer.name', 'customer.email'] as const;

/** A valid hold for a missing slot with one field replaced, removed, or one key added. */
const mutatedHold = fc
  .record({
    field: fc.constantFrom(...holdFields),
    value: anyJson,
    action: fc.constantFrom('replace', 'remove', 'add'),
    key: fc.constantFrom('__proto__', 'constructor', 'isAdmin', 'tenantId', 'status', 'paid'),
  })
  .map(({ field, value, action, key }) => {
    const body: Record<string, unknown> = { slotId: MISSING_SLOT, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } };
    const [outer, inner] = field.split('.') as [string, string | undefined];
    const target = inner === undefined ? body : (body[outer] as Record<string, unknown>);
    const name = inner ?? outer;
    if (action === 'replace') target[name] = value;
    else if (action === 'remove') delete target[name];
    else Object.defineProperty(target, key, { value, enumerable: true });
    return JSON.stringify(body);
  });

const holdBody = fc.oneof(
  mutatedHold,
  rawBodies,
  anyJson.map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      nastyString.filter((s) => s.length < 200),
      anyJson,
      { maxKeys: 5 },
    )
    .map((v) => JSON.stringify(v)),
);

/** Slot definitions that are always invalid: one field given a value its schema refuses, or an unknown key. */
const invalidSlotBody = fc
  .record({
    field: fc.constantFrom('activityId', 'startsAt', 'capacity', 'unitPrice', 'extra'),
    capacity: fc.oneof(fc.constantFrom(-1, 1.5, 100_001, 1e308, '5', null), fc.integer({ max: -1 })),
    text: fc.oneof(
      fc.constantFrom('', '   ', 'a\u0000b', 'x'.repeat(129), null, 7),
      fc.integer({ min: 129, max: 2_000 }).map((n) => 'y'.repeat(n)),
    ),
    startsAt: fc.oneof(
      fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '2026-12-01', '', 0, null),
      nastyString.filter((s) => !/^\d{4}-/.test(s)),
    ),
    price: fc.constantFrom<unknown>(
      { amount: -1, currency: 'EUR' },
      { amount: 1.5, currency: 'EUR' },
      { amount: 2 ** 60, currency: 'EUR' },
      { amount: 1, currency: 'eur' },
      { amount: 1, currency: 'EURO' },
      { amount: '1', currency: 'EUR' },
      { amount: 1, currency: 'EUR', extra: true },
      { amount: 1 },
      null,
      [],
    ),
    extraKey: fc.constantFrom('__proto__', 'constructor', 'tenantId', 'held', 'sold'),
  })
  .map(({ field, capacity, text, startsAt, price, extraKey }) => {
    const body: Record<string, unknown> = {
      activityId: 'a',
      startsAt: '2036-12-01T09:00:00Z',
      capacity: 5,
      unitPrice: { amount: 100, currency: 'EUR' },
    };
    if (field === 'activityId') body.activityId = text;
    if (field === 'startsAt') body.startsAt = startsAt;
    if (field === 'capacity') body.capacity = capacity;
    if (field === 'unitPrice') body.unitPrice = price;
    if (field === 'extra') Object.defineProperty(body, extraKey, { value: { polluted: true }, enumerable: true });
    return JSON.stringify(body);
  });

/** Path segments: encoded nasty strings, and raw escapes (`%zz`, overlong UTF-8) that do not decode. */
const pathSegment = fc.oneof(
  nastyString
    .filter((s) => s.length > 0 && s.length < 600)
    .map((s) => {
      try {
        return encodeURIComponent(s);
      } catch {
        return encodeURIComponent(s.replaceAll(/[\uD800-\uDFFF]/g, '?'));
      }
    }),
  fc.constantFrom(
    '%zz',
    '%',
    '%c0%ae%c0%ae',
    '%ed%a0%80',
    '..%2f..%2fetc',
    '%00',
    'a%00b',
    'x'.repeat(700),
    '%E2%80%AE',
    '1%27%20OR%201%3D1',
  ),
  fc.uuid(),
);

/** What HTTP forbids in a field value: every control character but tab. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS_BUT_TAB = /[\x00-\x08\x0A-\x1F\x7F]/g;

/**
 * A header value as a client can send it: any UTF-8 bytes on the wire except control characters,
 * which HTTP forbids in field values (the client refuses to send them, and Node's parser would
 * drop the connection before fastify saw the request).
 */
const headerValue = nastyString
  .filter((s) => s.length < 4_000)
  .map((s) => Buffer.from(s, 'utf8').toString('latin1').replaceAll(CONTROL_CHARACTERS_BUT_TAB, '').trim());

// ---- properties -----------------------------------------------------------------------------

describe('fuzzing the public routes', () => {
  it('POST /v1/reservations: hostile bodies and idempotency keys', async () => {
    await fc.assert(
      fc.asyncProperty(holdBody, fc.option(headerValue, { nil: undefined }), async (body, key) => {
        const res = await ledger.call('POST', '/v1/reservations', {
          token: customer,
          headers: { 'idempotency-key': key === undefined || key === '' ? randomUUID() : key },
          body,
        });
        expectRefused(`hold ${body.slice(0, 120)}`, res);
      }),
      { numRuns: 70 },
    );
  });

  it('PUT /v1/slots/{slotId}: hostile ids and invalid definitions, as an admin', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(pathSegment, fc.constant(EXISTING_SLOT)), invalidSlotBody, async (slotId, body) => {
        expectRefused(
          `put slot ${slotId.slice(0, 80)} ${body.slice(0, 120)}`,
          await ledger.call('PUT', `/v1/slots/${slotId}`, { token: admin, body }),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('reads, cancel and audit: hostile ids and times', async () => {
    const routes = [
      (id: string) => ['GET', `/v1/slots/${id}`, customer] as const,
      (id: string) => ['GET', `/v1/reservations/${id}`, customer] as const,
      (id: string) => ['POST', `/v1/reservations/${id}/cancel`, customer] as const,
      (id: string) => ['GET', `/v1/audit/streams/${id}`, auditor] as const,
      (id: string) => ['GET', `/v1/audit/streams/reservation-${id}`, auditor] as const,
      (id: string) => ['GET', `/v1/audit/reservations/${id}?at=2026-01-01T00:00:00Z`, auditor] as const,
      (_id: string, at: string) => ['GET', `/v1/audit/reservations/${existingReservationId}?at=${at}`, auditor] as const,
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(routes.length - 1), pathSegment, pathSegment, async (which, id, at) => {
        const [method, path, token] = routes[which]!(id, at);
        const res = await ledger.call(method, path, { token });
        // A nonexistent id is 404 and a hostile one 400; an `at` that parses may find the reservation.
        if (which === routes.length - 1 && res.status === 200) return;
        expectRefused(`${method} ${path.slice(0, 120)}`, res);
      }),
      { numRuns: 70 },
    );
  });

  it('hostile headers: authorization, content type, accept, idempotency key', async () => {
    const authorization = fc.oneof(
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        `Bearer ${customer}x`,
        `Bearer ${customer.split('.').slice(0, 2).join('.')}.`,
        `bearer ${customer} extra`,
        `Bearer eyJhbGciOiJub25lIn0.${Buffer.from('{"sub":"x","custom:tenant_id":"tenant-test"}').toString('base64url')}.`,
        `Bearer ${'A'.repeat(8_000)}`,
        'Basic YWRtaW46YWRtaW4=',
      ),
    );
    const contentType = fc.oneof(
      headerValue,
      fc.constantFrom(
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/x-www-form-urlencoded',
        'application/jsonx',
        '',
      ),
    );
    await fc.assert(
      fc.asyncProperty(authorization, contentType, headerValue, headerValue, async (auth, type, accept, key) => {
        const unauthenticated = await ledger.call('POST', '/v1/reservations', {
          headers: { authorization: auth, 'content-type': type, accept, 'idempotency-key': key || 'k' },
          body: JSON.stringify({ slotId: EXISTING_SLOT, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } }),
        });
        expectRefused(`auth ${auth.slice(0, 60)}`, unauthenticated);
        if (type === '' || type.toLowerCase().startsWith('application/json')) return;
        // A valid token with a body that is not JSON: refused before any use case runs.
        const wrongType = await ledger.call('POST', '/v1/reservations', {
          token: customer,
          headers: { 'content-type': type, accept, 'idempotency-key': key || 'k' },
          body: JSON.stringify({ slotId: EXISTING_SLOT, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } }),
        });
        expectRefused(`content-type ${type.slice(0, 60)}`, wrongType);
      }),
      { numRuns: 30 },
    );
  });

  it('unknown methods and paths are 404 problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        fc.constantFrom(
          '/v1/slot',
          '/v1/reservations/x/refund',
          '/v1/audit',
          '/webhooks',
          '/v1/../health',
          '/v1/slots/a/b',
          '/.env',
          '/v2/reservations',
        ),
        async (method, path) => {
          const res = await ledger.call(method, path, { token: admin });
          if (path === '/v1/../health' && res.status === 200) return; // the client normalises `..` away
          expectRefused(`${method} ${path}`, res);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('wrote nothing, polluted no prototype, and answered every request', async () => {
    expect(await eventCount()).toBe(eventsBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(answers.length).toBeGreaterThanOrEqual(200);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    // The fuzzer reached past authentication into parsing, routing and the use cases.
    const statuses = new Set(answers.map((a) => a.status));
    for (const status of [400, 401, 404]) expect(statuses.has(status), `some answer was ${status}`).toBe(true);
    const read = await ledger.call('GET', `/v1/reservations/${existingReservationId}`, { token: customer });
    expect(read.body).toMatchObject({ status: 'held', version: 1 });
  });
});
