import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import type { TestResponse } from '../support/ledgerServer.js';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { type FakePanel, startFakePanel } from '../support/panel/fakePanel.js';
import { signMercadoPago } from '../support/providers/fakeMercadoPago.js';
import {
  encodeForUrl,
  hostileHeaderValue,
  hostileJson,
  hostileQueryValue,
  hostileSegment,
  hostileTokenClaims,
  shiftYear,
  yearShift,
  type YearShift,
} from './hostileValues.js';

/**
 * Every route the server documents, fuzzed: fast-check builds an otherwise valid request (the right
 * role's token, ids that exist, a fresh Idempotency-Key) and makes ONE part of it hostile — a path
 * parameter, a query parameter, a body field, the raw body, a header or a token claim. Whatever
 * arrives, the answer is never a 5xx, every refusal is a problem+json with a code of the contract
 * (API.md, Errors) and its status, and a refused request changes no row of any table of the ledger.
 * The routes come from the OpenAPI document the server builds from its own route schemas, so a
 * route added later without a generator here fails the first test.
 */

let h: PaymentsHarness;
let panel: FakePanel;
let documented: string[] = [];
let baseline = '';
let snapshotQuery = '';
const answers: { route: string; part: string; status: number }[] = [];

/** API.md, Errors: every code a problem may carry, with its status. */
const CONTRACT_CODES: Readonly<Record<string, number>> = {
  invalid_request: 400,
  idempotency_key_required: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  slot_full: 409,
  illegal_transition: 409,
  idempotency_key_in_flight: 409,
  idempotency_key_reused: 422,
  invalid_signature: 400,
  payload_too_large: 413,
  slot_closed: 409,
  hold_limit_reached: 409,
  rate_limited: 429,
  unavailable: 503,
  provider_error: 502,
  internal_error: 500,
};

/** The fixtures every generated request names: a slot, a held reservation with a Stripe payment. */
const fixture = {
  slotId: '',
  reservationId: '',
  cancellableId: '',
  paymentId: '',
  endpointId: '',
  removableEndpointId: '',
  deliveryId: '',
  panelDeliveryId: '',
};
/** Nothing listens on the discard port; no webhook job runs here anyway. */
const WEBHOOK_URL = 'http://127.0.0.1:9/hooks';

type Role = 'admin' | 'staff' | 'auditor' | 'customer' | 'none';

/** An otherwise valid request of one route; the fuzzer makes one of its parts hostile. */
type ValidRequest = {
  readonly role: Role;
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>>;
  /** Creating routes: a fresh Idempotency-Key per request. */
  readonly keyed?: boolean;
};

const today = () => new Date().toISOString().slice(0, 10);

/**
 * One generator per documented operation (`METHOD /path/{param}`), webhooks aside (below). A
 * route missing here fails the coverage test, so no route escapes the fuzzer.
 */
const validRequests: Readonly<Record<string, () => ValidRequest>> = {
  'GET /health': () => ({ role: 'none' }),
  'GET /readyz': () => ({ role: 'none' }),
  'GET /livez': () => ({ role: 'none' }),
  'GET /metrics': () => ({ role: 'none' }),
  'GET /docs': () => ({ role: 'none' }),
  'GET /backoffice': () => ({ role: 'none' }),
  'GET /backoffice/': () => ({ role: 'none' }),
  'GET /backoffice/assets/{file}': () => ({ role: 'none', params: { file: 'index.css' } }),
  'GET /backoffice/sign-in/options': () => ({ role: 'none' }),
  'GET /public/v1/tenants/{tenantId}/availability': () => ({
    role: 'none',
    params: { tenantId: DEFAULT_TEST_TENANT },
    query: { activityId: 'glacier-walk', from: new Date().toISOString(), to: '2028-01-01T00:00:00Z' },
  }),
  'PUT /v1/slots/{slotId}': () => ({
    role: 'admin',
    params: { slotId: fixture.slotId },
    body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity: 100_000, unitPrice: { amount: 4500, currency: 'EUR' } },
  }),
  'GET /v1/slots/{slotId}': () => ({ role: 'customer', params: { slotId: fixture.slotId } }),
  'GET /v1/slots': () => ({
    role: 'customer',
    query: { activityId: 'glacier-walk', from: '2027-11-01T00:00:00Z', to: '2027-12-31T00:00:00+01:00', onlyAvailable: 'true', limit: '5' },
  }),
  'PUT /v1/activities/{activityId}': () => ({
    role: 'admin',
    params: { activityId: 'glacier-walk' },
    body: { name: 'Glacier walk', timeZone: 'America/Argentina/Ushuaia', locale: 'es-AR' },
  }),
  'POST /v1/reservations': () => ({
    role: 'customer',
    keyed: true,
    body: { slotId: fixture.slotId, seats: 1, customer: { name: 'Ana Souza', email: 'ana@example.com', locale: 'es' } },
  }),
  'GET /v1/reservations/{reservationId}': () => ({ role: 'customer', params: { reservationId: fixture.reservationId } }),
  'POST /v1/reservations/{reservationId}/cancel': () => ({ role: 'customer', params: { reservationId: fixture.cancellableId } }),
  'POST /v1/reservations/{reservationId}/payments': () => ({
    role: 'customer',
    keyed: true,
    params: { reservationId: fixture.reservationId },
    body: { provider: 'stripe' },
  }),
  'GET /v1/audit/streams/{streamId}': () => ({ role: 'auditor', params: { streamId: `reservation-${fixture.reservationId}` } }),
  'GET /v1/audit/reservations/{reservationId}': () => ({
    role: 'auditor',
    params: { reservationId: fixture.reservationId },
    query: { at: new Date().toISOString() },
  }),
  'POST /v1/audit/verify': () => ({ role: 'auditor' }),
  'GET /v1/reports/occupancy': () => ({ role: 'staff', query: { from: '2027-11-01', to: '2027-12-31' } }),
  'GET /v1/reports/revenue': () => ({ role: 'staff', query: { from: '2026-01-01', to: today() } }),
  'GET /v1/backoffice/anomalies': () => ({ role: 'staff', query: { limit: '10', state: 'open' } }),
  'GET /v1/backoffice/reservations': () => ({
    role: 'staff',
    query: {
      status: 'held',
      slotId: fixture.slotId,
      activityId: 'glacier-walk',
      from: '2027-11-01',
      to: '2027-12-31T00:00:00Z',
      createdFrom: '2026-01-01T00:00:00+02:00',
      createdTo: '2099-01-01',
      email: 'ana@example.com',
      limit: '5',
    },
  }),
  'GET /v1/backoffice/payments': () => ({
    role: 'staff',
    query: { status: 'pending', provider: 'stripe', from: '2026-01-01', to: '2099-01-01T00:00:00Z', limit: '5' },
  }),
  'GET /v1/backoffice/reservations/export': () => ({
    role: 'staff',
    query: { from: '2027-11-01', to: '2027-12-31', status: 'held', email: 'ana@example.com' },
  }),
  'POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve': () => ({
    role: 'admin',
    params: { paymentId: fixture.paymentId, providerEventId: `evt_${randomUUID()}` },
    body: { action: 'dismiss', note: 'settled by bank transfer' },
  }),
  'POST /v1/backoffice/payments/{paymentId}/reconcile': () => ({ role: 'staff', params: { paymentId: fixture.paymentId } }),
  'POST /v1/backoffice/sync/deliveries/{id}/retry': () => ({ role: 'admin', params: { id: fixture.panelDeliveryId } }),
  'GET /v1/backoffice/reservations/{reservationId}/emails': () => ({ role: 'staff', params: { reservationId: fixture.reservationId } }),
  'POST /v1/admin/webhook-endpoints': () => ({
    role: 'admin',
    keyed: true,
    body: { url: WEBHOOK_URL, events: ['reservation.held', 'payment.succeeded'] },
  }),
  'GET /v1/admin/webhook-endpoints': () => ({ role: 'admin' }),
  'DELETE /v1/admin/webhook-endpoints/{endpointId}': () => ({ role: 'admin', params: { endpointId: fixture.removableEndpointId } }),
  'GET /v1/admin/webhook-endpoints/{endpointId}/deliveries': () => ({ role: 'admin', params: { endpointId: fixture.endpointId } }),
  'POST /v1/admin/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver': () => ({
    role: 'admin',
    params: { endpointId: fixture.endpointId, deliveryId: fixture.deliveryId },
  }),
  // Someone who never booked: the fixture's customer stays readable for the other routes.
  'POST /v1/backoffice/customers/erase': () => ({ role: 'admin', body: { email: 'never.booked.fuzz@example.com' } }),
  'GET /v1/backoffice/sync': () => ({ role: 'staff' }),
  'POST /v1/backoffice/sync/conflicts/{id}/acknowledge': () => ({
    role: 'admin',
    params: { id: randomUUID() },
    body: { note: 'refunded at the desk' },
  }),
};

/** Webhook routes: signed as their provider signs, but carrying hostile content, or badly signed. */
const WEBHOOK_ROUTES = ['POST /webhooks/stripe', 'POST /webhooks/mercadopago', 'POST /webhooks/panel'];

function tokenOf(role: Role): string | undefined {
  if (role === 'none') return undefined;
  return { admin: h.admin, staff: h.staff, auditor: h.auditor, customer: h.customer }[role];
}

// ---- what must hold of every answer -----------------------------------------------------------

/** Every row of every table of the ledger (the job queue's own schema aside), as one digest. */
async function snapshot(): Promise<string> {
  const { rows } = await h.ledger.db.asOwner<{ digest: string }>(snapshotQuery);
  return rows[0]!.digest;
}

async function buildSnapshotQuery(): Promise<string> {
  const { rows } = await h.ledger.db.asOwner<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'graphile_worker')
      ORDER BY 1`,
  );
  expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['public.events', 'public.idempotency_keys', 'public.reservations_view']));
  const parts = rows.map(
    ({ name }) =>
      `(SELECT '${name}:' || count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM ${name} t)`,
  );
  return `SELECT concat_ws(' ', ${parts.join(', ')}) AS digest`;
}

/**
 * Transport refusals with their own status: a request line or headers past Node's limit (431, 414)
 * are refused before any route runs, as `invalid_request` with the status HTTP names for them.
 */
const TRANSPORT_STATUSES = new Set([414, 431]);

type Exemptions = {
  /** A 5xx the route documents for this request (a signed id Mercado Pago does not know). */
  readonly serverError?: (res: TestResponse) => boolean;
  /** The request's token names claims not seen before: recording the sighting is not the refusal's write. */
  readonly newSighting?: boolean;
};

/** Holds one answer to the contract; a refused request must have left every table as it was. */
async function expectAnswerHolds(route: string, part: string, res: TestResponse, exempt: Exemptions = {}): Promise<void> {
  answers.push({ route, part, status: res.status });
  const before = baseline;
  baseline = await snapshot();
  const shown = `${route} [${part}] → ${res.status} ${(JSON.stringify(res.body) as string | undefined)?.slice(0, 300)}`;
  const documented5xx = exempt.serverError?.(res) === true;
  if (!documented5xx) expect(res.status, shown).toBeLessThan(500);
  if (res.status < 400) return;
  expect(res.headers.get('content-type'), shown).toMatch(/^application\/problem\+json/);
  expect(Object.keys(CONTRACT_CODES), shown).toContain(res.body?.code);
  expect(res.body, shown).toMatchObject({
    status: res.status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (!documented5xx && !TRANSPORT_STATUSES.has(res.status)) {
    expect(CONTRACT_CODES[res.body.code as string], `${shown}: the contract gives this code another status`).toBe(res.status);
  }
  const unchanged = new Set(before.split(' '));
  const changed = baseline
    .split(' ')
    .filter((table) => !unchanged.has(table))
    .filter((table) => !(exempt.newSighting === true && table.startsWith('public.users:')));
  expect(changed, `${shown}: a refused request changed the ledger's tables`).toEqual([]);
}

// ---- one hostile part --------------------------------------------------------------------------

type Mutation =
  | { readonly kind: 'param'; readonly pick: number; readonly segment: string }
  | { readonly kind: 'query'; readonly pick: number; readonly value: string; readonly shift: YearShift | null }
  | { readonly kind: 'queryExtra'; readonly key: string; readonly value: string }
  | { readonly kind: 'queryTwice'; readonly pick: number }
  | { readonly kind: 'bodyField'; readonly pick: number; readonly value: unknown; readonly shift: YearShift | null }
  | { readonly kind: 'bodyExtra'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'rawBody'; readonly text: string }
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'claims'; readonly claims: Record<string, unknown> };

const rawBodies = fc.oneof(
  fc.integer({ min: 500, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '"x"',
    '{"a":',
    '\uFEFF{}',
    '{"__proto__":{"polluted":true}}',
    '{"seats":9007199254740993}',
    '{"seats":1e400}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"a":1,"a":2}',
  ),
);

/**
 * The hostile parts this route's request has, the ones it has most often: a route with query
 * parameters gets mostly hostile query values, one with a body mostly hostile fields.
 */
function mutationFor(method: string, request: ValidRequest): fc.Arbitrary<Mutation> {
  const params = Object.keys(request.params ?? {}).length;
  const queries = Object.keys(request.query ?? {}).length;
  const leaves = request.body === undefined ? 0 : leavesOf(request.body).length;
  const options: fc.WeightedArbitrary<Mutation>[] = [
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('header' as const),
        name: fc.constantFrom('authorization', 'content-type', 'idempotency-key', 'x-request-id', 'accept', 'content-encoding'),
        value: hostileHeaderValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('claims' as const), claims: hostileTokenClaims }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('queryExtra' as const),
        key: fc.constantFrom('__proto__', 'constructor', 'tenantId', 'x\u0000', 'a[b]', 'limit[]'),
        value: hostileQueryValue,
      }),
    },
  ];
  if (params > 0) {
    options.push({
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('param' as const), pick: fc.nat({ max: params - 1 }), segment: hostileSegment }),
    });
  }
  if (queries > 0) {
    options.push(
      {
        weight: 3 + queries,
        arbitrary: fc.record({
          kind: fc.constant('query' as const),
          pick: fc.nat({ max: queries - 1 }),
          value: hostileQueryValue,
          shift: fc.option(yearShift, { freq: 4, nil: null }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('queryTwice' as const), pick: fc.nat({ max: queries - 1 }) }) },
    );
  }
  if (leaves > 0) {
    options.push(
      {
        weight: 3 + leaves,
        arbitrary: fc.record({
          kind: fc.constant('bodyField' as const),
          pick: fc.nat({ max: leaves - 1 }),
          value: hostileJson,
          shift: fc.option(yearShift, { freq: 4, nil: null }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('bodyExtra' as const),
          key: fc.constantFrom('__proto__', 'constructor', 'tenantId', 'status', 'paid', 'x\ud800', 'a\u0000'),
          value: hostileJson,
        }),
      },
    );
  }
  if (method !== 'GET') options.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('rawBody' as const), text: rawBodies }) });
  return fc.oneof(...options);
}

/** The leaves of a JSON object, as paths of keys. */
function leavesOf(value: unknown, path: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [path];
  return Object.entries(value).flatMap(([key, item]) => leavesOf(item, [...path, key]));
}

function withLeaf(body: Readonly<Record<string, unknown>>, path: readonly string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1)!] = value;
  return copy;
}

type Built = { readonly path: string; readonly headers: Record<string, string>; readonly body: string | undefined; readonly part: string };

/** The request as sent, with the mutation applied where the route has such a part (else a hostile header). */
function build(method: string, template: string, request: ValidRequest, change: Mutation): Built {
  const params = { ...request.params };
  const query: [string, string][] = Object.entries(request.query ?? {});
  let body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string> = {};
  const token = tokenOf(request.role);
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (request.keyed === true) headers['idempotency-key'] = randomUUID();
  if (body !== undefined) headers['content-type'] = 'application/json';
  let part = `header authorization`;

  const paramNames = Object.keys(params);
  const leaves = request.body === undefined ? [] : leavesOf(request.body);
  if (change.kind === 'param' && paramNames.length > 0) {
    const name = paramNames[change.pick % paramNames.length]!;
    params[name] = change.segment;
    part = `param ${name}=${change.segment.slice(0, 80)}`;
  } else if (change.kind === 'query' && query.length > 0) {
    const entry = query[change.pick % query.length]!;
    // A day or an instant mostly gets the same shape with a year at the edge.
    entry[1] = (change.shift && shiftYear(entry[1], change.shift)) ?? change.value;
    part = `query ${entry[0]}=${entry[1].slice(0, 80)}`;
  } else if (change.kind === 'queryTwice' && query.length > 0) {
    const entry = query[change.pick % query.length]!;
    query.push([entry[0], entry[1]]);
    part = `query ${entry[0]} twice`;
  } else if (change.kind === 'queryExtra') {
    query.push([change.key, change.value]);
    part = `query extra ${change.key}`;
  } else if (change.kind === 'bodyField' && request.body !== undefined) {
    const leaf = leaves[change.pick % leaves.length]!;
    const valid = leaf.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], request.body);
    const shifted = change.shift && typeof valid === 'string' ? shiftYear(valid, change.shift) : undefined;
    body = JSON.stringify(withLeaf(request.body, leaf, shifted ?? change.value));
    part = `body ${leaf.join('.')}=${body.slice(0, 120)}`;
  } else if (change.kind === 'bodyExtra' && request.body !== undefined) {
    const extended = { ...request.body };
    Object.defineProperty(extended, change.key, { value: change.value, enumerable: true });
    body = JSON.stringify(extended);
    part = `body extra ${JSON.stringify(change.key)}`;
  } else if (change.kind === 'rawBody' && method !== 'GET') {
    body = change.text;
    headers['content-type'] = 'application/json';
    part = `raw body ${change.text.slice(0, 80)}`;
  } else if (change.kind === 'header') {
    headers[change.name] = change.value;
    part = `header ${change.name}=${change.value.slice(0, 80)}`;
  } else if (change.kind === 'claims') {
    // A user of its own: the roles' users keep the claims they were first seen with.
    headers.authorization = `Bearer ${h.ledger.token({ sub: 'fuzz-claims', email: 'fuzz@example.com', claims: change.claims })}`;
    part = `token claims ${JSON.stringify(change.claims).slice(0, 120)}`;
  } else {
    // The route has no such part: a hostile Authorization instead, so every run sends something hostile.
    headers.authorization = 'Bearer \u00ff\u00fe';
  }
  const path = template.replaceAll(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = params[name] ?? '';
    return value === request.params?.[name] ? encodeURIComponent(value) : value;
  });
  const search = query.map(([key, value]) => `${encodeForUrl(key)}=${encodeForUrl(value)}`).join('&');
  return { path: search === '' ? path : `${path}?${search}`, headers, body, part };
}

async function send(method: string, built: Built): Promise<TestResponse> {
  return h.ledger.call(method, built.path, { headers: built.headers, ...(built.body === undefined ? {} : { body: built.body }) });
}

// ---- webhooks ---------------------------------------------------------------------------------

const stripeEvent = () => ({
  id: `evt_${randomUUID().replaceAll('-', '')}`,
  type: 'payment_intent.succeeded',
  data: {
    object: {
      id: `pi_${randomUUID().replaceAll('-', '')}`,
      object: 'payment_intent',
      amount: 4500,
      currency: 'eur',
      metadata: { payment_id: randomUUID(), reservation_id: fixture.reservationId, tenant_id: 'tenant-test' },
    },
  },
});

/** A Stripe-Signature header that must not verify. */
const badStripeSignature = fc.oneof(
  hostileHeaderValue,
  fc.constantFrom('t=1,v1=00', 'v1=abc', 't=,v1=', `t=${Math.floor(Date.now() / 1000)},v0=deadbeef`, 't=9999999999999999999999,v1=a'),
);

// ---- the properties ---------------------------------------------------------------------------

beforeAll(async () => {
  panel = await startFakePanel();
  h = await startPaymentsHarness({
    rateLimits: { booking: false, webhooks: false, publicReads: false },
    panel: {
      adapter: createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey }),
      webhookSecret: panel.webhookSecret,
      accounts: [DEFAULT_TEST_TENANT],
      syncSeconds: 60,
    },
  });
  for (const which of ['endpointId', 'removableEndpointId'] as const) {
    const endpoint = await h.ledger.call('POST', '/v1/admin/webhook-endpoints', {
      token: h.admin,
      headers: { 'idempotency-key': randomUUID() },
      body: { url: WEBHOOK_URL, events: ['reservation.held'] },
    });
    expect(endpoint.status).toBe(201);
    fixture[which] = endpoint.body.id as string;
  }
  fixture.slotId = await h.createSlot(100_000);
  const held = await h.hold(fixture.slotId, 1);
  expect(held.status).toBe(201);
  fixture.reservationId = held.body.reservationId as string;
  const cancellable = await h.hold(fixture.slotId, 1);
  expect(cancellable.status).toBe(201);
  fixture.cancellableId = cancellable.body.reservationId as string;
  const payment = await h.startPayment(fixture.reservationId, 'stripe');
  expect(payment.status).toBe(201);
  fixture.paymentId = payment.body.paymentId as string;
  // A push of the reservation to the activity panel that failed after its 3 days, for the retry route.
  fixture.panelDeliveryId = randomUUID();
  await h.ledger.db.asOwner(
    `INSERT INTO panel_deliveries (id, tenant_id, reservation_id, version, status, attempts, last_error, queued_at, last_attempt_at, next_attempt_at)
     VALUES ($1, 'tenant-test', $2, 1, 'failed', 80, 'the panel did not answer', now() - interval '3 days', now(), now())`,
    [fixture.panelDeliveryId, fixture.reservationId],
  );
  await drain(h.ledger.deps.systemPool, outgoingWebhooksConsumer);
  const { rows: deliveries } = await h.ledger.db.asOwner<{ delivery_id: string }>(
    'SELECT delivery_id::text FROM webhook_deliveries WHERE endpoint_id = $1',
    [fixture.endpointId],
  );
  fixture.deliveryId = deliveries[0]!.delivery_id;
  // Every role's user is seen once before the fuzzing, so no refused request is its first sight.
  for (const token of [h.admin, h.staff, h.auditor]) {
    expect((await h.ledger.call('GET', `/v1/slots/${fixture.slotId}`, { token })).status).toBe(200);
  }
  const served = await h.ledger.call('GET', '/docs');
  expect(served.status).toBe(200);
  const paths = (served.body as { paths: Record<string, Record<string, unknown>> }).paths;
  documented = Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`));
  snapshotQuery = await buildSnapshotQuery();
  baseline = await snapshot();
});
afterAll(async () => {
  // Unset when beforeAll failed: the harness is closed only if it started.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  await h?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  await panel?.close();
});

/**
 * Runs per route in `npm test`, plus two per parameter and body field, so a list with nine query
 * parameters gets more than a route with none; FUZZ_RUNS=200 for a longer hunt. A failure prints
 * fast-check's seed and the shrunk request.
 */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 10);
function runsFor(request: ValidRequest): number {
  const parts =
    Object.keys(request.params ?? {}).length +
    Object.keys(request.query ?? {}).length +
    (request.body === undefined ? 0 : leavesOf(request.body).length);
  return RUNS_PER_ROUTE + 2 * parts;
}

describe('fuzzing every route', () => {
  it('has a generator for every route the server documents, and none for a route it does not have', () => {
    expect(documented.length).toBeGreaterThan(20);
    const generated = [...Object.keys(validRequests), ...WEBHOOK_ROUTES];
    expect(documented.filter((route) => !generated.includes(route))).toEqual([]);
    expect(generated.filter((route) => !documented.includes(route))).toEqual([]);
  });

  it.each(Object.keys(validRequests))('%s: one hostile part, never a 5xx, a refusal writes nothing', async (route) => {
    const [method, template] = route.split(' ') as [string, string];
    const shape = validRequests[route]!();
    await fc.assert(
      fc.asyncProperty(mutationFor(method, shape), async (change) => {
        const built = build(method, template, validRequests[route]!(), change);
        await expectAnswerHolds(route, built.part, await send(method, built), { newSighting: change.kind === 'claims' });
      }),
      { numRuns: runsFor(shape) },
    );
  });

  it('POST /webhooks/stripe: correctly signed hostile events, and badly signed ones', async () => {
    const route = 'POST /webhooks/stripe';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ signed: fc.constant(true), pick: fc.nat(), value: hostileJson }),
          fc.record({ signed: fc.constant(true), raw: rawBodies }),
          fc.record({ signed: fc.constant(false), header: badStripeSignature }),
        ),
        async (change) => {
          const event = stripeEvent();
          let payload = JSON.stringify(event);
          let part = 'badly signed';
          if ('raw' in change) {
            payload = change.raw;
            part = `signed raw ${payload.slice(0, 80)}`;
          } else if ('value' in change) {
            const leaves = leavesOf(event);
            const leaf = leaves[change.pick % leaves.length]!;
            payload = JSON.stringify(withLeaf(event, leaf, change.value));
            part = `signed ${leaf.join('.')}: ${payload.slice(0, 160)}`;
          }
          const res = await h.deliverStripe(payload, 'header' in change ? { header: change.header } : {});
          await expectAnswerHolds(route, part, res);
          if ('header' in change) expect(res.body.code, part).toBe('invalid_signature');
        },
      ),
      { numRuns: RUNS_PER_ROUTE * 2 },
    );
  });

  it('POST /webhooks/mercadopago: correctly signed hostile notifications, and badly signed ones', async () => {
    const route = 'POST /webhooks/mercadopago';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ what: fc.constant('dataId' as const), text: hostileQueryValue }),
          fc.record({ what: fc.constant('type' as const), text: hostileQueryValue }),
          fc.record({ what: fc.constant('requestId' as const), text: hostileHeaderValue }),
          fc.record({ what: fc.constant('badSignature' as const), text: hostileHeaderValue }),
        ),
        async ({ what, text }) => {
          const requestId = what === 'requestId' ? text : randomUUID();
          const dataId = what === 'dataId' ? text : '123456789';
          const type = what === 'type' ? text : 'payment';
          const signature = what === 'badSignature' ? text : signMercadoPago(dataId, requestId, h.ledger.clock.now());
          const res = await h.ledger.call('POST', `/webhooks/mercadopago?data.id=${encodeForUrl(dataId)}&type=${encodeForUrl(type)}`, {
            headers: { 'x-signature': signature, 'x-request-id': requestId, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'payment', data: { id: dataId } }),
          });
          // A signed id that Mercado Pago does not know is the documented 502: Mercado Pago retries it.
          await expectAnswerHolds(route, `${what}=${text.slice(0, 80)}`, res, { serverError: (r) => r.status === 502 });
          if (what === 'badSignature') expect(res.body.code, text).toBe('invalid_signature');
        },
      ),
      { numRuns: RUNS_PER_ROUTE * 2 },
    );
  });

  it('POST /webhooks/panel: correctly signed hostile events, and badly signed ones', async () => {
    const route = 'POST /webhooks/panel';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ signed: fc.constant(true), pick: fc.nat(), value: hostileJson, booking: fc.boolean() }),
          fc.record({ signed: fc.constant(true), raw: rawBodies }),
          fc.record({ signed: fc.constant(false), header: hostileHeaderValue }),
        ),
        async (change) => {
          const departure = { departureId: `fz-${randomUUID()}`, activityId: 'fz', startsAt: '2030-01-01T10:00:00Z', capacity: 3 };
          const event =
            'booking' in change && change.booking
              ? {
                  id: `pev_${randomUUID()}`,
                  type: 'booking.created',
                  accountId: DEFAULT_TEST_TENANT,
                  createdAt: '2026-01-01T00:00:00Z',
                  data: {
                    bookingId: 'b',
                    departureId: 'x',
                    seats: 1,
                    status: 'confirmed',
                    source: 'panel',
                    updatedAt: '2026-01-01T00:00:00Z',
                  },
                }
              : {
                  id: `pev_${randomUUID()}`,
                  type: 'departure.updated',
                  accountId: DEFAULT_TEST_TENANT,
                  createdAt: '2026-01-01T00:00:00Z',
                  data: { ...departure, price: { amount: 100, currency: 'EUR' }, status: 'open', updatedAt: '2026-01-01T00:00:00Z' },
                };
          let payload = JSON.stringify(event);
          let part = 'badly signed';
          if ('raw' in change) {
            payload = change.raw;
            part = `signed raw ${payload.slice(0, 80)}`;
          } else if ('value' in change) {
            const leaves = leavesOf(event);
            const leaf = leaves[change.pick % leaves.length]!;
            payload = JSON.stringify(withLeaf(event, leaf, change.value));
            part = `signed ${leaf.join('.')}: ${payload.slice(0, 160)}`;
          }
          const t = Math.floor(h.ledger.clock.now().getTime() / 1000);
          const signature = `t=${t},v1=${createHmac('sha256', panel.webhookSecret).update(`${t}.${payload}`).digest('hex')}`;
          const res = await h.ledger.call('POST', '/webhooks/panel', {
            headers: { 'panel-signature': 'header' in change ? change.header : signature, 'content-type': 'application/json' },
            body: payload,
          });
          await expectAnswerHolds(route, part, res);
          if ('header' in change) expect(res.body.code, part).toBe('invalid_signature');
        },
      ),
      { numRuns: RUNS_PER_ROUTE * 2 },
    );
  });

  it('answered every route, reached past authentication, and no 5xx but the documented one', () => {
    const routes = new Set(answers.map((a) => a.route));
    expect([...routes].sort()).toEqual([...documented].sort());
    const statuses = new Set(answers.map((a) => a.status));
    for (const status of [200, 400, 401, 404]) expect(statuses.has(status), `some answer was ${status}`).toBe(true);
    expect(answers.filter((a) => a.status >= 500 && a.route !== 'POST /webhooks/mercadopago')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
