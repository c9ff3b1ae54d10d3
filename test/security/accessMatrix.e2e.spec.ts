import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyReportsConsumer } from '../../projections/reports/dailyReports.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import { startTestLedger, type TestLedger, type TestResponse } from '../support/ledgerServer.js';
import { type FakeStripe, startFakeStripe } from '../support/providers/fakeStripe.js';

/**
 * Who may call what: every route of the API × every kind of caller, with the expected status of
 * each cell (contract: Identity). Every refusal is problem+json, writes nothing, and shows nothing
 * of the reservation, its customer or the tenant; another tenant's caller gets exactly the answer a
 * nonexistent id gets. The server is wired as `npm start` wires it (payments, back office, reports,
 * verify), and tenant A has data in every view (an anomaly, report rows), so a 200 to another tenant
 * that leaked any of it would show here.
 */

const callers = ['owner', 'otherCustomer', 'staff', 'admin', 'auditor', 'otherTenantAdmin', 'anonymous'] as const;
type Caller = (typeof callers)[number];

const routes = [
  'PUT /v1/slots/{slotId}',
  'GET /v1/slots/{slotId}',
  'GET /v1/slots?activityId=',
  'PUT /v1/activities/{activityId}',
  'POST /v1/reservations',
  'GET /v1/reservations/{reservationId}',
  'POST /v1/reservations/{reservationId}/cancel',
  'GET /v1/audit/streams/{streamId}',
  'GET /v1/audit/reservations/{reservationId}?at=',
  'POST /v1/reservations/{reservationId}/payments',
  'GET /v1/backoffice/anomalies',
  'GET /v1/backoffice/reservations?slotId=',
  'GET /v1/backoffice/payments',
  'GET /v1/backoffice/reservations/export?from=&to=',
  'POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve',
  'POST /v1/backoffice/payments/{paymentId}/reconcile',
  'POST /v1/backoffice/sync/deliveries/{id}/retry',
  'GET /v1/backoffice/sync',
  'POST /v1/backoffice/sync/conflicts/{id}/acknowledge',
  'GET /v1/backoffice/reservations/{reservationId}/emails',
  'POST /v1/backoffice/customers/erase',
  'GET /v1/reports/occupancy?from=&to=',
  'GET /v1/reports/revenue?from=&to=',
  'POST /v1/audit/verify',
  'POST /v1/admin/webhook-endpoints',
  'GET /v1/admin/webhook-endpoints',
  'DELETE /v1/admin/webhook-endpoints/{endpointId}',
  'GET /v1/admin/webhook-endpoints/{endpointId}/deliveries',
  'POST /v1/admin/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver',
] as const;
type Route = (typeof routes)[number];

// prettier-ignore
const expected: Record<Route, Record<Caller, number>> = {
  //                                                owner  otherCust staff  admin  auditor otherTenant anonymous
  'PUT /v1/slots/{slotId}':                        row(403,   403,    403,   200,   403,    201,        401),
  'GET /v1/slots/{slotId}':                        row(200,   200,    200,   200,   200,    404,        401),
  'GET /v1/slots?activityId=':                     row(200,   200,    200,   200,   200,    200,        401),
  'PUT /v1/activities/{activityId}':               row(403,   403,    403,   200,   403,    201,        401),
  'POST /v1/reservations':                         row(201,   201,    201,   201,   403,    404,        401),
  'GET /v1/reservations/{reservationId}':          row(200,   404,    200,   200,   404,    404,        401),
  'POST /v1/reservations/{reservationId}/cancel':  row(200,   404,    403,   200,   404,    404,        401),
  'GET /v1/audit/streams/{streamId}':              row(403,   403,    403,   403,   200,    404,        401),
  'GET /v1/audit/reservations/{reservationId}?at=': row(403,  403,    403,   403,   200,    404,        401),
  'POST /v1/reservations/{reservationId}/payments': row(201,  404,    403,   201,   403,    404,        401),
  'GET /v1/backoffice/anomalies':                  row(403,   403,    200,   200,   403,    200,        401),
  'POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve': row(403, 403, 403, 200, 403, 404, 401),
  'POST /v1/backoffice/payments/{paymentId}/reconcile': row(403, 403, 200, 200, 403, 404, 401),
  'POST /v1/backoffice/sync/deliveries/{id}/retry': row(403, 403, 403, 202, 403, 404, 401),
  'GET /v1/backoffice/sync':                       row(403,   403,    200,   200,   403,    200,        401),
  'POST /v1/backoffice/sync/conflicts/{id}/acknowledge': row(403, 403, 403, 200, 403, 404, 401),
  'POST /v1/backoffice/customers/erase':           row(403,   403,    403,   200,   403,    200,        401),
  'GET /v1/backoffice/reservations?slotId=':      row(403,   403,    200,   200,   403,    200,        401),
  'GET /v1/backoffice/payments':                   row(403,   403,    200,   200,   403,    200,        401),
  'GET /v1/backoffice/reservations/export?from=&to=': row(403, 403,   200,   200,   403,    200,        401),
  'GET /v1/backoffice/reservations/{reservationId}/emails': row(403, 403, 200, 200, 403,  404,        401),
  'GET /v1/reports/occupancy?from=&to=':           row(403,   403,    200,   200,   403,    200,        401),
  'GET /v1/reports/revenue?from=&to=':             row(403,   403,    200,   200,   403,    200,        401),
  'POST /v1/audit/verify':                         row(403,   403,    403,   403,   200,    200,        401),
  'POST /v1/admin/webhook-endpoints':              row(403,   403,    403,   201,   403,    201,        401),
  'GET /v1/admin/webhook-endpoints':               row(403,   403,    403,   200,   403,    200,        401),
  'DELETE /v1/admin/webhook-endpoints/{endpointId}': row(403, 403,    403,   204,   403,    404,        401),
  'GET /v1/admin/webhook-endpoints/{endpointId}/deliveries': row(403, 403, 403, 200, 403,   404,        401),
  'POST /v1/admin/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver': row(403, 403, 403, 202, 403, 404, 401),
};
// otherTenantAdmin's 201 on PUT is a slot (an activity) of its own tenant that happens to share the id: tenant A's is untouched.
// Its 200 on the slot list is its own tenant's list, empty of A's slots.
// Its 200s on the back office, reports and verify are of its own tenant, and must hold nothing of A's.
// Staff may read a reservation but not pay for someone else's (403); another customer's is not found (404).
// Resolving an anomaly can move money: admins only; staff's back office is read-only.
// Reconciling a payment only applies what its provider already decided: staff and admins.
// Webhook endpoints hear of every booking and payment and sign as the ledger: admins only.
// Erasing a customer cannot be undone: admins only (another tenant's admin erases in its own tenant: `{ erased: 0 }`).

function row(...statuses: number[]): Record<Caller, number> {
  return Object.fromEntries(callers.map((caller, i) => [caller, statuses[i]!])) as Record<Caller, number>;
}

const TENANT_A = 'tenant-matrix-a';
const TENANT_B = 'tenant-matrix-b';
const OWNER_EMAIL = 'owner.matrix@example.com';
const OWNER_NAME = 'Olga Matrix';
const ACTIVITY = 'activity-matrix-secret';

let ledger: TestLedger;
let stripe: FakeStripe;
let tokens: Record<Caller, string | undefined>;
/** Ids of tenant A's anomaly: in A's back office, never in anything another tenant or a refusal gets. */
let anomalyIds: string[] = [];
let slotId: string;
/** Tenant A's activity that the PUT cells write: admins of A update it (200), B's admin defines its own (201). */
let putActivityId: string;
/** A second slot of tenant A, for the PUT row: the other tenant's 201 there must not hide `slotId` from the rows below. */
let putSlotId: string;
/** Tenant A's webhook endpoint and one delivery of it (nothing is sent: no job worker runs here). */
let webhook: MatrixWebhook;
type MatrixWebhook = { endpointId: string; deliveryId: string };
/** Nothing listens on the discard port; no job worker runs here anyway. */
const WEBHOOK_URL = 'http://127.0.0.1:9/hooks';

async function createWebhookEndpointOfTenantA(): Promise<string> {
  const created = await ledger.call('POST', '/v1/admin/webhook-endpoints', {
    token: tokens.admin,
    headers: { 'idempotency-key': randomUUID() },
    body: { url: WEBHOOK_URL, events: ['reservation.held'] },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const DAY_MS = 86_400_000;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);
/** Two months ahead whenever the suite runs: a departure takes no holds once it has started. */
const DEPARTURE_DAY = isoDay(Date.now() + 60 * DAY_MS);

const slotBody = (activityId = ACTIVITY, capacity = 500) => ({
  activityId,
  // Inside REPORT_RANGE.
  startsAt: `${DEPARTURE_DAY}T09:00:00Z`,
  capacity,
  unitPrice: { amount: 2500, currency: 'EUR' },
});

async function holdAsOwner(): Promise<string> {
  const res = await ledger.call('POST', '/v1/reservations', {
    token: tokens.owner,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats: 1, customer: { name: OWNER_NAME, email: OWNER_EMAIL } },
  });
  expect(res.status).toBe(201);
  return res.body.reservationId as string;
}

async function eventCount(): Promise<number> {
  const { rows } = await ledger.db.asOwner<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

/** From a month back (today's payments) to the departure's day (its occupancy). */
const REPORT_RANGE = `from=${isoDay(Date.now() - 30 * DAY_MS)}&to=${DEPARTURE_DAY}`;

/** A Stripe payment of one of A's reservations whose success arrives for the wrong amount: an anomaly in A's back office. */
type RecordedAnomaly = { paymentId: string; providerPaymentId: string; providerEventId: string };

/** An open panel conflict of tenant A on one of its slots (as a desk booking that did not fit leaves it). */
async function openPanelConflict(slotId: string): Promise<string> {
  const id = randomUUID();
  await ledger.db.asOwner(
    `INSERT INTO panel_conflicts (id, tenant_id, kind, slot_id, booking_id, detail, opened_at)
     VALUES ($1, $2, 'oversold', $3, $4, 'a desk booking of 2 seat(s) did not fit', now())`,
    [id, TENANT_A, slotId, `desk-${id}`],
  );
  return id;
}

/** A push of tenant A's reservation to the activity panel that failed after its 3 days (a row as the push sweep leaves it). */
async function failedPanelDelivery(reservationId: string): Promise<string> {
  const id = randomUUID();
  await ledger.db.asOwner(
    `INSERT INTO panel_deliveries (id, tenant_id, reservation_id, version, status, attempts, last_error, queued_at, last_attempt_at, next_attempt_at)
     VALUES ($1, $2, $3, 1, 'failed', 80, 'the panel did not answer', now() - interval '3 days', now(), now())`,
    [id, TENANT_A, reservationId],
  );
  return id;
}

async function recordAnomalyOfTenantA(): Promise<string[]> {
  const reservationId = await holdAsOwner();
  const { paymentId, providerPaymentId } = await recordAnomaly(reservationId);
  return [paymentId, providerPaymentId, reservationId];
}

/** A success for the wrong amount on a new Stripe payment of `reservationId`: an open anomaly. */
async function recordAnomaly(reservationId: string): Promise<RecordedAnomaly> {
  const started = await ledger.call('POST', `/v1/reservations/${reservationId}/payments`, {
    token: tokens.owner,
    headers: { 'idempotency-key': randomUUID() },
    body: { provider: 'stripe' },
  });
  expect(started.status).toBe(201);
  const { paymentId, providerPaymentId } = started.body as { paymentId: string; providerPaymentId: string };
  const payload = stripe.transition(providerPaymentId, 'succeeded', { amount: 1 });
  const delivered = await ledger.call('POST', '/webhooks/stripe', {
    body: payload,
    headers: { 'stripe-signature': stripe.sign(payload, ledger.clock.now()), 'content-type': 'application/json' },
  });
  expect(delivered.body).toMatchObject({ outcome: 'anomaly' });
  return { paymentId, providerPaymentId, providerEventId: (JSON.parse(payload) as { id: string }).id };
}

beforeAll(async () => {
  stripe = await startFakeStripe();
  ledger = await startTestLedger({
    providers: { stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url }, mercadopago: {} },
    onError: (message, error) => {
      throw new Error(message, { cause: error });
    },
    // The owner books once per cell: far more than a real customer's per-minute allowance, and more
    // seats of one slot than HOLD_MAX_SEATS_PER_CUSTOMER's default.
    rateLimits: { booking: false, webhooks: false },
    holdMaxSeatsPerCustomer: 10_000,
  });
  tokens = {
    owner: ledger.token({ tenantId: TENANT_A, sub: 'matrix-owner', email: OWNER_EMAIL }),
    otherCustomer: ledger.token({ tenantId: TENANT_A, sub: 'matrix-other-customer', email: 'other@example.com' }),
    staff: ledger.token({ tenantId: TENANT_A, sub: 'matrix-staff', groups: ['staff'] }),
    admin: ledger.token({ tenantId: TENANT_A, sub: 'matrix-admin', groups: ['admin'] }),
    auditor: ledger.token({ tenantId: TENANT_A, sub: 'matrix-auditor', groups: ['auditor'] }),
    otherTenantAdmin: ledger.token({ tenantId: TENANT_B, sub: 'matrix-b-admin', groups: ['admin', 'staff', 'auditor'] }),
    anonymous: undefined,
  };
  slotId = `matrix-${randomUUID().slice(0, 8)}`;
  putSlotId = `matrix-put-${randomUUID().slice(0, 8)}`;
  for (const id of [slotId, putSlotId]) {
    expect((await ledger.call('PUT', `/v1/slots/${id}`, { token: tokens.admin, body: slotBody() })).status).toBe(201);
  }
  putActivityId = `matrix-act-${randomUUID().slice(0, 8)}`;
  const activity = { name: 'A tours', timeZone: 'America/Sao_Paulo' };
  expect((await ledger.call('PUT', `/v1/activities/${putActivityId}`, { token: tokens.admin, body: activity })).status).toBe(201);
  const endpointId = await createWebhookEndpointOfTenantA();
  anomalyIds = await recordAnomalyOfTenantA();
  await drain(ledger.deps.systemPool, outgoingWebhooksConsumer);
  const { rows: deliveries } = await ledger.db.asOwner<{ delivery_id: string }>(
    'SELECT delivery_id::text FROM webhook_deliveries WHERE endpoint_id = $1',
    [endpointId],
  );
  webhook = { endpointId, deliveryId: deliveries[0]!.delivery_id };
  // A's report rows exist before any cell asks for reports.
  await drain(ledger.deps.systemPool, dailyReportsConsumer);
  const own = await ledger.call('GET', `/v1/reports/occupancy?${REPORT_RANGE}`, { token: tokens.staff });
  expect(JSON.stringify(own.body)).toContain(slotId);
  const anomalies = await ledger.call('GET', '/v1/backoffice/anomalies', { token: tokens.staff });
  expect(JSON.stringify(anomalies.body)).toContain(anomalyIds[0]);
});
afterAll(async () => {
  await ledger.close();
  await stripe.close();
});

type Request = { method: string; path: string; body?: unknown; headers?: Record<string, string> };

/** The request of one cell; ids that the caller must not learn about come from `reservationId`. */
function requestFor(
  route: Route,
  caller: Caller,
  reservationId: string,
  targetSlot = slotId,
  anomaly?: RecordedAnomaly,
  /** The panel row a route acts on: a failed delivery to retry, or an open conflict to acknowledge. */
  panelDeliveryId?: string,
  hook: MatrixWebhook = { endpointId: randomUUID(), deliveryId: randomUUID() },
): Request {
  switch (route) {
    case 'GET /v1/backoffice/sync':
      return { method: 'GET', path: '/v1/backoffice/sync' };
    case 'POST /v1/backoffice/sync/conflicts/{id}/acknowledge':
      return {
        method: 'POST',
        path: `/v1/backoffice/sync/conflicts/${panelDeliveryId ?? randomUUID()}/acknowledge`,
        body: { note: 'moved to the next departure' },
      };
    case 'POST /v1/backoffice/sync/deliveries/{id}/retry':
      return { method: 'POST', path: `/v1/backoffice/sync/deliveries/${panelDeliveryId ?? randomUUID()}/retry` };
    case 'PUT /v1/slots/{slotId}':
      // The other tenant defines "its" slot with the same id but other values, to see which one it gets back.
      return {
        method: 'PUT',
        path: `/v1/slots/${targetSlot === slotId ? putSlotId : targetSlot}`,
        body: caller === 'otherTenantAdmin' ? slotBody('b-activity', 7) : slotBody(),
      };
    case 'GET /v1/slots/{slotId}':
      return { method: 'GET', path: `/v1/slots/${targetSlot}` };
    case 'GET /v1/slots?activityId=':
      return { method: 'GET', path: `/v1/slots?activityId=${ACTIVITY}&limit=200` };
    case 'PUT /v1/activities/{activityId}':
      return {
        method: 'PUT',
        path: `/v1/activities/${putActivityId}`,
        body:
          caller === 'otherTenantAdmin'
            ? { name: 'B tours', timeZone: 'Asia/Kolkata' }
            : { name: 'A tours', timeZone: 'America/Sao_Paulo' },
      };
    case 'POST /v1/reservations':
      return {
        method: 'POST',
        path: '/v1/reservations',
        headers: { 'idempotency-key': randomUUID() },
        body: { slotId: targetSlot, seats: 1, customer: { name: 'Someone', email: 'someone@example.com' } },
      };
    case 'GET /v1/reservations/{reservationId}':
      return { method: 'GET', path: `/v1/reservations/${reservationId}` };
    case 'POST /v1/reservations/{reservationId}/cancel':
      return { method: 'POST', path: `/v1/reservations/${reservationId}/cancel` };
    case 'GET /v1/audit/streams/{streamId}':
      return { method: 'GET', path: `/v1/audit/streams/reservation-${reservationId}` };
    case 'GET /v1/audit/reservations/{reservationId}?at=':
      return { method: 'GET', path: `/v1/audit/reservations/${reservationId}?at=${encodeURIComponent(ledger.clock.now().toISOString())}` };
    case 'POST /v1/reservations/{reservationId}/payments':
      return {
        method: 'POST',
        path: `/v1/reservations/${reservationId}/payments`,
        headers: { 'idempotency-key': randomUUID() },
        body: { provider: 'stripe' },
      };
    case 'GET /v1/backoffice/anomalies':
      return { method: 'GET', path: '/v1/backoffice/anomalies' };
    case 'POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve': {
      const { paymentId, providerEventId } = anomaly ?? { paymentId: randomUUID(), providerEventId: 'evt_missing' };
      return {
        method: 'POST',
        path: `/v1/backoffice/payments/${paymentId}/anomalies/${providerEventId}/resolve`,
        body: { action: 'dismiss', note: 'settled with the customer by phone' },
      };
    }
    case 'POST /v1/backoffice/payments/{paymentId}/reconcile':
      return { method: 'POST', path: `/v1/backoffice/payments/${anomaly?.paymentId ?? randomUUID()}/reconcile` };
    case 'GET /v1/backoffice/reservations?slotId=':
      return { method: 'GET', path: `/v1/backoffice/reservations?slotId=${targetSlot}` };
    case 'GET /v1/backoffice/payments':
      return { method: 'GET', path: '/v1/backoffice/payments' };
    case 'GET /v1/backoffice/reservations/export?from=&to=':
      return { method: 'GET', path: `/v1/backoffice/reservations/export?${REPORT_RANGE}` };
    case 'GET /v1/backoffice/reservations/{reservationId}/emails':
      return { method: 'GET', path: `/v1/backoffice/reservations/${reservationId}/emails` };
    case 'POST /v1/backoffice/customers/erase':
      // Someone who never booked: the cells check who may erase; what erasing does is test/privacy's.
      return { method: 'POST', path: '/v1/backoffice/customers/erase', body: { email: 'never.booked.matrix@example.com' } };
    case 'GET /v1/reports/occupancy?from=&to=':
      return { method: 'GET', path: `/v1/reports/occupancy?${REPORT_RANGE}` };
    case 'GET /v1/reports/revenue?from=&to=':
      return { method: 'GET', path: `/v1/reports/revenue?${REPORT_RANGE}` };
    case 'POST /v1/audit/verify':
      return { method: 'POST', path: '/v1/audit/verify' };
    case 'POST /v1/admin/webhook-endpoints':
      return {
        method: 'POST',
        path: '/v1/admin/webhook-endpoints',
        headers: { 'idempotency-key': randomUUID() },
        body: { url: WEBHOOK_URL, events: ['reservation.held'] },
      };
    case 'GET /v1/admin/webhook-endpoints':
      return { method: 'GET', path: '/v1/admin/webhook-endpoints' };
    case 'DELETE /v1/admin/webhook-endpoints/{endpointId}':
      return { method: 'DELETE', path: `/v1/admin/webhook-endpoints/${hook.endpointId}` };
    case 'GET /v1/admin/webhook-endpoints/{endpointId}/deliveries':
      return { method: 'GET', path: `/v1/admin/webhook-endpoints/${hook.endpointId}/deliveries` };
    case 'POST /v1/admin/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver':
      return { method: 'POST', path: `/v1/admin/webhook-endpoints/${hook.endpointId}/deliveries/${hook.deliveryId}/redeliver` };
  }
}

function send(request: Request, caller: Caller): Promise<TestResponse> {
  const token = tokens[caller];
  return ledger.call(request.method, request.path, {
    ...(token === undefined ? {} : { token }),
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.headers === undefined ? {} : { headers: request.headers }),
  });
}

/** `METHOD /path/:param` of every route in fastify's route tree (HEAD is GET's shadow). */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const found: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') found.push(`${method} ${stack.join('')}`);
  }
  return found;
}

const asRouterPath = (route: Route) => {
  const [method, path] = route.split(' ') as [string, string];
  return `${method} ${path.split('?')[0]!.replaceAll(/\{(\w+)\}/g, ':$1')}`;
};

const cells = routes.flatMap((route) => callers.map((caller) => [route, caller, expected[route][caller]] as const));

describe('role × route matrix', () => {
  it('has a row for every /v1 route the server registers', () => {
    const v1 = registeredRoutes(ledger.server.printRoutes({ commonPrefix: false })).filter((route) =>
      route.split(' ')[1]!.startsWith('/v1/'),
    );
    expect(v1.length).toBeGreaterThanOrEqual(routes.length);
    expect(new Set(v1)).toEqual(new Set(routes.map(asRouterPath)));
  });

  it('describes every route the server registers in the OpenAPI document at /docs', async () => {
    const { body: doc } = await ledger.call('GET', '/docs');
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const served = registeredRoutes(ledger.server.printRoutes({ commonPrefix: false })).filter((route) => !route.startsWith('OPTIONS '));
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('lists every route the server has', () => {
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const url = path.split('?')[0]!.replaceAll(/\{(\w+)\}/g, ':$1');
      expect(ledger.server.hasRoute({ method, url }), route).toBe(true);
    }
  });

  it.each(cells)('%s as %s → %i', async (route, caller, status) => {
    // A fresh reservation per cell: a cancel that succeeds must not change what the next cell sees.
    const reservationId = await holdAsOwner();
    // The reconcile row asks about a payment of its own too: one whose success the ledger holds as an anomaly.
    const anomaly =
      route === 'POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve' ||
      route === 'POST /v1/backoffice/payments/{paymentId}/reconcile'
        ? await recordAnomaly(reservationId)
        : undefined;
    // The retry row retries a push of the reservation that failed (as a panel outage of 3 days leaves it).
    // The acknowledge row closes an open conflict of its own.
    const panelDeliveryId =
      route === 'POST /v1/backoffice/sync/deliveries/{id}/retry'
        ? await failedPanelDelivery(reservationId)
        : route === 'POST /v1/backoffice/sync/conflicts/{id}/acknowledge'
          ? await openPanelConflict(slotId)
          : undefined;
    // The DELETE row removes an endpoint of its own, so the rows below keep theirs.
    const hook =
      route === 'DELETE /v1/admin/webhook-endpoints/{endpointId}'
        ? { ...webhook, endpointId: await createWebhookEndpointOfTenantA() }
        : webhook;
    const before = await eventCount();
    const request = requestFor(route, caller, reservationId, slotId, anomaly, panelDeliveryId, hook);
    const res = await send(request, caller);
    const text = JSON.stringify(res.body);
    expect(res.status, text).toBe(status);

    if (status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status, code: expect.any(String), title: expect.any(String), detail: expect.any(String) });
      expect(await eventCount(), 'a refusal wrote events').toBe(before);
    }
    if (status >= 400 || caller === 'otherTenantAdmin') {
      // Nothing of tenant A: not the customer, not the activity, not the tenant, and not the
      // reservation id unless the caller sent it in the URL (the 404 names what was asked for).
      for (const secret of [OWNER_EMAIL, OWNER_NAME, ACTIVITY, TENANT_A, 'matrix-owner', ...anomalyIds]) {
        expect(text, secret).not.toContain(secret);
      }
      if (!request.path.includes(reservationId)) expect(text).not.toContain(reservationId);
      const sentSlot = request.path.includes(slotId) || JSON.stringify(request.body ?? null).includes(slotId);
      if (!sentSlot) expect(text, 'slot id').not.toContain(slotId);
      for (const field of ['seats', 'total', 'events', 'payments', 'held', 'sold']) {
        if (!(caller === 'otherTenantAdmin' && status < 400)) expect(res.body).not.toHaveProperty(field);
      }
    }
    if (caller === 'otherTenantAdmin' && status === 404) {
      // Indistinguishable from a thing that never existed.
      const missing = requestFor(route, caller, randomUUID(), `missing-${randomUUID().slice(0, 8)}`);
      const control = await send(missing, caller);
      expect(control.status).toBe(404);
      const normalise = (body: unknown, req: Request) =>
        JSON.stringify(body)
          .replaceAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
          .replaceAll((req.body as { slotId?: string } | undefined)?.slotId ?? req.path.split('/').pop()!, '<slot>');
      expect(normalise(res.body, request)).toBe(normalise(control.body, missing));
    }
    if (caller === 'otherTenantAdmin' && route === 'PUT /v1/slots/{slotId}') {
      expect(res.body).toMatchObject({ slotId: putSlotId, activityId: 'b-activity', capacity: 7, held: 0 });
      const mine = await ledger.call('GET', `/v1/slots/${putSlotId}`, { token: tokens.admin });
      expect(mine.body).toMatchObject({ activityId: ACTIVITY, capacity: 500 });
    }
    if (status < 300 && caller !== 'otherTenantAdmin' && route.includes('{reservationId}') && !route.endsWith('/payments')) {
      expect(text).toContain(reservationId);
    }
    if (status === 200 && route === 'POST /v1/audit/verify') {
      // Each auditor's verify counts exactly its own tenant's streams.
      const tenant = caller === 'otherTenantAdmin' ? TENANT_B : TENANT_A;
      const { rows } = await ledger.db.asOwner<{ n: number }>(
        'SELECT count(DISTINCT stream_id)::int AS n FROM events WHERE tenant_id = $1',
        [tenant],
      );
      expect(res.body).toMatchObject({ ok: true, streams: rows[0]!.n });
    }
    if (status === 200 && caller !== 'otherTenantAdmin' && route.startsWith('GET /v1/backoffice/reservations')) {
      // The export, and the list's pages, hold the cell's own fresh reservation (the test clock
      // stands still, so many share its creation time and the order among them is by id).
      let seen = text;
      for (let cursor = res.body?.nextCursor; cursor && !seen.includes(reservationId);) {
        const next = await send({ method: 'GET', path: `${request.path}&cursor=${encodeURIComponent(cursor)}` }, caller);
        seen = JSON.stringify(next.body);
        cursor = next.body.nextCursor;
      }
      expect(seen).toContain(reservationId);
    }
    if (status === 200 && caller !== 'otherTenantAdmin' && route === 'GET /v1/backoffice/payments') {
      expect(text).toContain(anomalyIds[0]);
    }
    if (status === 200 && route === 'GET /v1/slots?activityId=') {
      if (caller === 'otherTenantAdmin') expect(res.body).toEqual({ items: [], nextCursor: null });
      else expect(text).toContain(slotId);
    }
    if (caller === 'otherTenantAdmin' && route === 'PUT /v1/activities/{activityId}') {
      const mine = await ledger.call('GET', `/v1/slots/${slotId}`, { token: tokens.admin });
      expect(mine.body).toMatchObject({ timeZone: 'UTC' });
    }
    if (status === 200 && caller !== 'otherTenantAdmin' && route.startsWith('GET /v1/reports/occupancy')) {
      expect(text).toContain(slotId);
    }
  });
});
