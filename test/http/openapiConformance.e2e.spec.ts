import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import { startPaymentsHarness, stripePaymentRecordedAfterHoldEnded, type PaymentsHarness } from '../payments/harness.js';
import type { TestResponse } from '../support/ledgerServer.js';
import { stripeError } from '../support/providers/fakeStripe.js';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { type FakePanel, type PanelWebhook, startFakePanel } from '../support/panel/fakePanel.js';

/**
 * Every answer of the server, success and error, against the OpenAPI document it serves at /docs
 * (ajv, JSON Schema 2020-12 as in OpenAPI 3.1): the status must be documented for the route, the
 * content type too, and the body must match its schema, where response objects allow no field
 * the document does not name. Every route the server registers must be in the document, and every
 * documented operation is driven to at least one success here.
 */

type MediaType = { schema: Record<string, unknown> };
type ResponseObject = { content?: Record<string, MediaType>; headers?: Record<string, unknown> };
type Operation = { operationId?: string; responses: Record<string, ResponseObject> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const BOOKING_LIMIT = 25;

let h: PaymentsHarness;
let panel: FakePanel;
let doc: Document;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
(formats as unknown as { default: (ajv: Ajv2020) => void }).default(ajv);
const validators = new Map<string, ValidateFunction>();
/** `METHOD /path/{param}` → the statuses seen. */
const seen = new Map<string, Set<number>>();

beforeAll(async () => {
  panel = await startFakePanel();
  h = await startPaymentsHarness({
    panel: {
      adapter: createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey }),
      webhookSecret: panel.webhookSecret,
      accounts: [DEFAULT_TEST_TENANT],
      syncSeconds: 60,
    },
    holdTtlSeconds: 600,
    rateLimits: { booking: { max: BOOKING_LIMIT, timeWindowMs: 60_000 }, webhooks: false },
  });
  const served = await h.ledger.call('GET', '/docs');
  expect(served.status).toBe(200);
  doc = served.body as Document;
  // The components under an id of their own, so a route's schema can refer to them from anywhere.
  ajv.addSchema({ $id: 'ledger', components: doc.components });
});
afterAll(async () => {
  // Unset when beforeAll failed: the harness is closed only if it started.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  await h?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  await panel?.close();
});

function validatorFor(key: string, schema: Record<string, unknown>): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"ledger#/components/')) as object);
    validators.set(key, validate);
  }
  return validate;
}

/** Holds one answer of `method template` to the document, and records it as seen. */
function conforms(method: string, template: string, res: TestResponse): TestResponse {
  const route = `${method} ${template}`;
  // JSON.stringify gives undefined for an absent body, whatever its declared type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  const shown = `${route} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 400)}`;
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation, `${route} is not in the document`).toBeDefined();
  const response = operation!.responses[String(res.status)];
  expect(response, `${shown}: status not documented`).toBeDefined();
  expect(res.headers.get('x-request-id'), shown).toMatch(/^[0-9a-f-]{36}$/);
  expect(response!.headers?.['X-Request-Id'], `${shown}: X-Request-Id not documented`).toBeDefined();
  if (res.status === 429 || res.status === 503) {
    expect(res.headers.get('retry-after'), `${shown}: no Retry-After`).not.toBeNull();
    expect(response!.headers?.['Retry-After'], `${shown}: Retry-After not documented`).toBeDefined();
  }
  if (res.headers.get('idempotent-replayed') !== null) {
    expect(response!.headers?.['Idempotent-Replayed'], `${shown}: Idempotent-Replayed not documented`).toBeDefined();
  }
  if (res.status === 304 || res.status === 308 || res.status === 204) {
    // Not Modified, a redirect and No Content carry no body: the document must say so (no content), nothing to validate.
    expect(response!.content, `${shown}: a 304 documented with content`).toBeUndefined();
    expect(res.body, shown).toBeNull();
    seen.set(route, (seen.get(route) ?? new Set<number>()).add(res.status));
    return res;
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = response!.content?.[contentType];
  expect(media, `${shown}: content type ${contentType} not documented (${Object.keys(response!.content ?? {}).join(', ')})`).toBeDefined();
  const validate = validatorFor(`${route} ${res.status} ${contentType}`, media!.schema);
  const bodies =
    contentType === 'application/x-ndjson'
      ? (typeof res.body === 'string' ? res.body : res.body === null ? '' : JSON.stringify(res.body))
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as unknown)
      : [res.body];
  for (const body of bodies) {
    const valid = validate(body);
    expect(valid, `${shown}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`).toBe(true);
  }
  const statuses = seen.get(route) ?? new Set<number>();
  statuses.add(res.status);
  seen.set(route, statuses);
  return res;
}

type CallOptions = { token?: string; body?: unknown; headers?: Record<string, string> };
/** Calls `template` with its parameters filled in, and holds the answer to the document. */
async function call(method: string, template: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
  return conforms(method, template, await h.ledger.call(method, path, options));
}

const key = () => ({ 'idempotency-key': randomUUID() });
const customerBody = { name: 'Ana', email: 'ana@example.com' };

describe('every answer conforms to the served OpenAPI document', () => {
  it('documents every route the server registers (HEAD aside, which fastify adds for GET)', () => {
    // `OPTIONS *` is @fastify/cors's preflight catch-all: a browser mechanism answered in its hook, not an operation.
    const registered = routesOf(h.ledger.server.printRoutes({ commonPrefix: false })).filter((route) => route !== 'OPTIONS *');
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(registered.length).toBeGreaterThan(15);
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !registered.includes(route))).toEqual([]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations))
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });

  it('operations: health, metrics, the document itself', async () => {
    await call('GET', '/health', '/health');
    await call('GET', '/readyz', '/readyz');
    await call('GET', '/livez', '/livez');
    await call('GET', '/metrics', '/metrics');
    await call('GET', '/docs', '/docs');
  });

  it('backoffice web app: the redirect to it, its page, its assets, how it signs in', async () => {
    const redirect = await fetch(`${h.ledger.url}/backoffice`, { redirect: 'manual' });
    await redirect.body?.cancel();
    conforms('GET', '/backoffice', { status: redirect.status, headers: redirect.headers, body: null });
    expect(redirect.headers.get('location')).toBe('/backoffice/');
    const page = await call('GET', '/backoffice/', '/backoffice/');
    expect(page.status).toBe(200);
    const assets = [...(page.body as string).matchAll(/\/backoffice\/assets\/([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.some((file) => file.endsWith('.js')) && assets.some((file) => file.endsWith('.css'))).toBe(true);
    for (const file of assets) expect((await call('GET', '/backoffice/assets/{file}', `/backoffice/assets/${file}`)).status).toBe(200);
    expect((await call('GET', '/backoffice/assets/{file}', '/backoffice/assets/no-such-file.js')).status).toBe(404);
    expect((await call('GET', '/backoffice/sign-in/options', '/backoffice/sign-in/options')).status).toBe(200);
  });

  it('public availability: a list, a 304 on its ETag, a refused window', async () => {
    const template = '/public/v1/tenants/{tenantId}/availability';
    // The harness's departures are on 2027-12-01.
    const path = `/public/v1/tenants/${DEFAULT_TEST_TENANT}/availability?from=2027-11-01T00:00:00Z`;
    const slotId = await h.createSlot(5);
    const listed = await call('GET', template, path);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { slotId: string }) => item.slotId)).toContain(slotId);
    const unchanged = await call('GET', template, path, { headers: { 'if-none-match': listed.headers.get('etag') ?? '' } });
    expect(unchanged.status).toBe(304);
    expect((await call('GET', template, `${path}&to=2027-11-01T00:00:00Z`)).status).toBe(400);
  });

  it('slots, holds, reservations, payments, webhooks, audit, reports and the back office, with their main errors', async () => {
    const { admin, staff, auditor, customer } = h;
    const slotPath = (id: string) => `/v1/slots/${id}`;
    const slotBody = {
      activityId: 'glacier-walk',
      startsAt: '2027-12-01T09:00:00Z',
      capacity: 3,
      unitPrice: { amount: 4500, currency: 'EUR' },
    };
    const slotId = `conf-${randomUUID().slice(0, 8)}`;

    // Slots.
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { token: admin, body: slotBody })).status).toBe(201);
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { token: admin, body: { ...slotBody, capacity: 4 } })).status).toBe(
      200,
    );
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { token: admin, body: { ...slotBody, capacity: -1 } })).status).toBe(
      400,
    );
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { token: customer, body: slotBody })).status).toBe(403);
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { body: slotBody })).status).toBe(401);
    const tooLarge = { ...slotBody, activityId: 'x'.repeat(70_000) };
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(slotId), { token: admin, body: tooLarge })).status).toBe(413);
    expect((await call('GET', '/v1/slots/{slotId}', slotPath(slotId), { token: customer })).status).toBe(200);
    expect((await call('GET', '/v1/slots/{slotId}', slotPath('conf-missing'), { token: customer })).status).toBe(404);
    const listed = await call(
      'GET',
      '/v1/slots',
      `/v1/slots?activityId=glacier-walk&from=2027-12-01T00:00:00Z&onlyAvailable=true&limit=1`,
      {
        token: customer,
      },
    );
    expect(listed.status).toBe(200);
    expect((await call('GET', '/v1/slots', '/v1/slots?limit=0', { token: customer })).status).toBe(400);

    // Activities.
    const activityPath = `/v1/activities/conf-${randomUUID().slice(0, 8)}`;
    const activityBody = { name: 'Glacier walk', timeZone: 'America/Argentina/Ushuaia', locale: 'es' };
    expect((await call('PUT', '/v1/activities/{activityId}', activityPath, { token: admin, body: activityBody })).status).toBe(201);
    expect((await call('PUT', '/v1/activities/{activityId}', activityPath, { token: admin, body: activityBody })).status).toBe(200);
    const badZone = { ...activityBody, timeZone: 'Patagonia/Ushuaia' };
    expect((await call('PUT', '/v1/activities/{activityId}', activityPath, { token: admin, body: badZone })).status).toBe(400);
    expect((await call('PUT', '/v1/activities/{activityId}', activityPath, { token: staff, body: activityBody })).status).toBe(403);

    // Holds.
    const holdBody = { slotId, seats: 2, customer: customerBody };
    const holdKey = key();
    const held = await call('POST', '/v1/reservations', '/v1/reservations', { token: customer, headers: holdKey, body: holdBody });
    expect(held.status).toBe(201);
    const replayed = await call('POST', '/v1/reservations', '/v1/reservations', { token: customer, headers: holdKey, body: holdBody });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(
      (await call('POST', '/v1/reservations', '/v1/reservations', { token: customer, headers: holdKey, body: { ...holdBody, seats: 1 } }))
        .status,
    ).toBe(422);
    const noKey = await call('POST', '/v1/reservations', '/v1/reservations', { token: customer, body: holdBody });
    expect(noKey.body.code).toBe('idempotency_key_required');
    const badBody = await call('POST', '/v1/reservations', '/v1/reservations', {
      token: customer,
      headers: key(),
      body: { ...holdBody, seats: 0 },
    });
    expect(badBody.body).toMatchObject({ code: 'invalid_request', detail: expect.stringContaining('body.seats') });
    expect((await call('POST', '/v1/reservations', '/v1/reservations', { token: auditor, headers: key(), body: holdBody })).status).toBe(
      403,
    );
    expect(
      (
        await call('POST', '/v1/reservations', '/v1/reservations', {
          token: customer,
          headers: key(),
          body: { ...holdBody, slotId: 'conf-missing' },
        })
      ).status,
    ).toBe(404);
    const full = await call('POST', '/v1/reservations', '/v1/reservations', {
      token: customer,
      headers: key(),
      body: { ...holdBody, seats: 3 },
    });
    expect(full.body.code).toBe('slot_full');
    const reservationId: string = held.body.reservationId;
    const reservationPath = `/v1/reservations/${reservationId}`;
    expect((await call('GET', '/v1/reservations/{reservationId}', reservationPath, { token: customer })).status).toBe(200);
    expect((await call('GET', '/v1/reservations/{reservationId}', '/v1/reservations/not-a-uuid', { token: customer })).status).toBe(404);

    // Payments: each provider, the open one again, a provider failure, and a declined card (lastError).
    const paymentsPath = `${reservationPath}/payments`;
    const stripe = await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
      token: customer,
      headers: key(),
      body: { provider: 'stripe' },
    });
    expect(stripe.status).toBe(201);
    const stripeAgain = await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
      token: customer,
      headers: key(),
      body: { provider: 'stripe' },
    });
    expect(stripeAgain.status).toBe(200);
    expect(stripeAgain.body.paymentId).toBe(stripe.body.paymentId);
    expect(
      (
        await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
          token: customer,
          headers: key(),
          body: { provider: 'pix' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
          token: customer,
          headers: key(),
          body: { provider: 'card' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/v1/reservations/{reservationId}/payments', '/v1/reservations/not-a-uuid/payments', {
          token: customer,
          headers: key(),
          body: { provider: 'stripe' },
        })
      ).status,
    ).toBe(404);
    h.mp.failNext(Infinity);
    expect(
      (
        await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
          token: customer,
          headers: key(),
          body: { provider: 'mercadopago' },
        })
      ).status,
    ).toBe(503);
    h.mp.failNext(0);
    expect(
      (
        await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
          token: customer,
          headers: key(),
          body: { provider: 'mercadopago' },
        })
      ).status,
    ).toBe(201);

    // Webhooks: a declined Stripe card (lastError), a repeat, a bad signature; Mercado Pago applied, ignored, refused, unreadable.
    const declined = h.stripe.transition(stripe.body.providerPaymentId, 'payment_failed');
    expect(conforms('POST', '/webhooks/stripe', await h.deliverStripe(declined)).body.outcome).toBe('applied');
    expect(conforms('POST', '/webhooks/stripe', await h.deliverStripe(declined)).body.outcome).toBe('duplicate');
    expect(conforms('POST', '/webhooks/stripe', await h.deliverStripe(declined, { header: 't=1,v1=00' })).status).toBe(400);
    const withDecline = await call('GET', '/v1/reservations/{reservationId}', reservationPath, { token: customer });
    expect(withDecline.body.payments).toContainEqual(expect.objectContaining({ provider: 'stripe', lastError: expect.any(String) }));
    const pixId = Number(withDecline.body.payments.find((p: { provider: string }) => p.provider === 'pix').providerPaymentId);
    h.mp.setStatus(pixId, 'rejected');
    expect(conforms('POST', '/webhooks/mercadopago', await h.deliverMp(pixId)).body.outcome).toBe('applied');
    h.mp.setStatus(pixId, 'approved');
    expect(conforms('POST', '/webhooks/mercadopago', await h.deliverMp(pixId)).body.outcome).toBe('anomaly');
    const topic = h.mp.notification(pixId, h.ledger.clock.now());
    const ignored = await call('POST', '/webhooks/mercadopago', topic.path.replace('type=payment', 'type=merchant_order'), {
      body: topic.body,
      headers: topic.headers,
    });
    expect(ignored.body.outcome).toBe('ignored');
    expect(
      (
        await call('POST', '/webhooks/mercadopago', topic.path, {
          body: topic.body,
          headers: { ...topic.headers, 'x-signature': 'ts=1,v1=00' },
        })
      ).status,
    ).toBe(400);
    h.mp.failNext(Infinity);
    expect(conforms('POST', '/webhooks/mercadopago', await h.deliverMp(pixId)).status).toBe(503);
    h.mp.failNext(0);
    expect(conforms('POST', '/webhooks/mercadopago', await h.deliverMp(987_654_321)).status).toBe(502);

    // Cancel.
    const cancelPath = `${reservationPath}/cancel`;
    expect((await call('POST', '/v1/reservations/{reservationId}/cancel', cancelPath, { token: customer })).status).toBe(200);
    expect((await call('POST', '/v1/reservations/{reservationId}/cancel', cancelPath, { token: customer })).status).toBe(409);
    expect(
      (await call('POST', '/v1/reservations/{reservationId}/cancel', `/v1/reservations/${randomUUID()}/cancel`, { token: customer }))
        .status,
    ).toBe(404);
    const cancelled = await call('POST', '/v1/reservations/{reservationId}/payments', paymentsPath, {
      token: customer,
      headers: key(),
      body: { provider: 'stripe' },
    });
    expect(cancelled.body.code).toBe('illegal_transition');

    // A Stripe success on a reservation that can no longer be paid: an anomaly to resolve.
    const lateSlot = `conf-${randomUUID().slice(0, 8)}`;
    expect((await call('PUT', '/v1/slots/{slotId}', slotPath(lateSlot), { token: admin, body: { ...slotBody, capacity: 1 } })).status).toBe(
      201,
    );
    const late = await call('POST', '/v1/reservations', '/v1/reservations', {
      token: customer,
      headers: key(),
      body: { ...holdBody, slotId: lateSlot, seats: 1 },
    });
    // Recorded after its hold ended (a create that outlasted the hold), so its success comes late.
    const latePayment = await stripePaymentRecordedAfterHoldEnded(h, late.body.reservationId);
    const other = h.ledger.token({ sub: 'conf-other-customer' });
    expect(
      (
        await call('POST', '/v1/reservations', '/v1/reservations', {
          token: other,
          headers: key(),
          body: { ...holdBody, slotId: lateSlot, seats: 1 },
        })
      ).status,
    ).toBe(201);
    const success = h.stripe.transition(latePayment.body.providerPaymentId, 'succeeded');
    expect(conforms('POST', '/webhooks/stripe', await h.deliverStripe(success)).body.outcome).toBe('anomaly');
    const anomalies = await call('GET', '/v1/backoffice/anomalies', '/v1/backoffice/anomalies?state=open', { token: staff });
    expect(anomalies.body.anomalies.length).toBeGreaterThan(0);
    expect((await call('GET', '/v1/backoffice/anomalies', '/v1/backoffice/anomalies?state=some', { token: staff })).status).toBe(400);
    expect((await call('GET', '/v1/backoffice/anomalies', '/v1/backoffice/anomalies', { token: customer })).status).toBe(403);
    const resolveTemplate = '/v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve';
    const resolvePath = `/v1/backoffice/payments/${latePayment.body.paymentId}/anomalies/${JSON.parse(success).id}/resolve`;
    const dismiss = { action: 'dismiss', note: 'refunded by hand at the desk' };
    expect((await call('POST', resolveTemplate, resolvePath, { token: admin, body: dismiss })).status).toBe(200);
    expect((await call('POST', resolveTemplate, resolvePath, { token: admin, body: dismiss })).status).toBe(409);
    expect(
      (await call('POST', resolveTemplate, resolvePath.replace(latePayment.body.paymentId, 'nope'), { token: admin, body: dismiss }))
        .status,
    ).toBe(404);
    expect((await call('POST', resolveTemplate, resolvePath, { token: staff, body: dismiss })).status).toBe(403);

    // Manual reconciliation: the provider asked about one payment now.
    const reconcileTemplate = '/v1/backoffice/payments/{paymentId}/reconcile';
    const reconcilePath = `/v1/backoffice/payments/${latePayment.body.paymentId}/reconcile`;
    expect((await call('POST', reconcileTemplate, reconcilePath, { token: staff })).body.status).toBe('succeeded');
    expect((await call('POST', reconcileTemplate, reconcilePath, { token: customer })).status).toBe(403);
    expect(
      (await call('POST', reconcileTemplate, reconcilePath.replace(latePayment.body.paymentId, 'nope'), { token: admin })).status,
    ).toBe(404);
    h.stripe.answerNext(stripeError(404, 'invalid_request_error', 'No such payment_intent'));
    expect((await call('POST', reconcileTemplate, reconcilePath, { token: admin })).status).toBe(502);

    // A reservation's customer e-mails (none sent here: this server has no mailer), for staff only.
    const emailsTemplate = '/v1/backoffice/reservations/{reservationId}/emails';
    const emailsPath = `/v1/backoffice/reservations/${reservationId}/emails`;
    expect((await call('GET', emailsTemplate, emailsPath, { token: staff })).status).toBe(200);
    expect((await call('GET', emailsTemplate, emailsPath, { token: customer })).status).toBe(403);

    // A push to the activity panel that failed after its 3 days, retried by an admin.
    const deliveryId = randomUUID();
    await h.ledger.db.asOwner(
      `INSERT INTO panel_deliveries (id, tenant_id, reservation_id, version, status, attempts, last_error, queued_at, last_attempt_at, next_attempt_at)
       VALUES ($1, $2, $3, 1, 'failed', 80, 'the panel did not answer', now() - interval '3 days', now(), now())`,
      [deliveryId, DEFAULT_TEST_TENANT, reservationId],
    );
    const retryTemplate = '/v1/backoffice/sync/deliveries/{id}/retry';
    expect((await call('POST', retryTemplate, `/v1/backoffice/sync/deliveries/${deliveryId}/retry`, { token: staff })).status).toBe(403);
    expect((await call('POST', retryTemplate, `/v1/backoffice/sync/deliveries/${deliveryId}/retry`, { token: admin })).status).toBe(202);
    expect((await call('POST', retryTemplate, `/v1/backoffice/sync/deliveries/${randomUUID()}/retry`, { token: admin })).status).toBe(404);

    // Personal data: erasing a customer of the tenant (their reservations read `[erased]` from then on).
    const erase = '/v1/backoffice/customers/erase';
    expect((await call('POST', erase, erase, { token: admin, body: { email: 'nobody.here@example.com' } })).body).toEqual({ erased: 0 });
    expect((await call('POST', erase, erase, { token: staff, body: { email: 'nobody.here@example.com' } })).status).toBe(403);
    expect((await call('POST', erase, erase, { token: admin, body: { email: 'not an address' } })).status).toBe(400);

    // Audit.
    const streamTemplate = '/v1/audit/streams/{streamId}';
    expect((await call('GET', streamTemplate, `/v1/audit/streams/reservation-${reservationId}`, { token: auditor })).status).toBe(200);
    expect((await call('GET', streamTemplate, `/v1/audit/streams/payment-${stripe.body.paymentId}`, { token: auditor })).status).toBe(200);
    expect((await call('GET', streamTemplate, '/v1/audit/streams/reservation-none', { token: auditor })).status).toBe(404);
    expect((await call('GET', streamTemplate, `/v1/audit/streams/reservation-${reservationId}`, { token: staff })).status).toBe(403);
    const asOfTemplate = '/v1/audit/reservations/{reservationId}';
    const at = encodeURIComponent(h.ledger.clock.now().toISOString());
    expect((await call('GET', asOfTemplate, `/v1/audit/reservations/${reservationId}?at=${at}`, { token: auditor })).status).toBe(200);
    expect((await call('GET', asOfTemplate, `/v1/audit/reservations/${reservationId}`, { token: auditor })).status).toBe(400);
    expect(
      (await call('GET', asOfTemplate, `/v1/audit/reservations/${reservationId}?at=2000-01-01T00:00:00Z`, { token: auditor })).status,
    ).toBe(404);
    expect((await call('POST', '/v1/audit/verify', '/v1/audit/verify', { token: auditor })).status).toBe(200);
    expect((await call('POST', '/v1/audit/verify', '/v1/audit/verify', { token: customer })).status).toBe(403);

    // Reports.
    expect(
      (await call('GET', '/v1/reports/occupancy', '/v1/reports/occupancy?from=2027-12-01&to=2027-12-01', { token: staff })).status,
    ).toBe(200);
    expect(
      (await call('GET', '/v1/reports/occupancy', '/v1/reports/occupancy?from=2027-12-02&to=2027-12-01', { token: staff })).status,
    ).toBe(400);
    expect((await call('GET', '/v1/reports/revenue', '/v1/reports/revenue?from=2027-12-01&to=2027-12-01', { token: admin })).status).toBe(
      200,
    );
    expect(
      (await call('GET', '/v1/reports/revenue', '/v1/reports/revenue?from=2027-12-01&to=2027-12-01', { token: customer })).status,
    ).toBe(403);

    // Back office lists and export.
    const firstPage = await call('GET', '/v1/backoffice/reservations', '/v1/backoffice/reservations?limit=1', { token: staff });
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(firstPage.body.nextCursor);
    expect(
      (await call('GET', '/v1/backoffice/reservations', `/v1/backoffice/reservations?limit=1&cursor=${cursor}`, { token: staff })).status,
    ).toBe(200);
    expect((await call('GET', '/v1/backoffice/reservations', '/v1/backoffice/reservations?cursor=nope', { token: staff })).status).toBe(
      400,
    );
    expect((await call('GET', '/v1/backoffice/reservations', '/v1/backoffice/reservations', { token: customer })).status).toBe(403);
    const payments = await call('GET', '/v1/backoffice/payments', '/v1/backoffice/payments?limit=50', { token: staff });
    expect(payments.body.items).toContainEqual(expect.objectContaining({ lastError: expect.any(String) }));
    expect((await call('GET', '/v1/backoffice/payments', '/v1/backoffice/payments?provider=paypal', { token: staff })).status).toBe(400);
    const exported = await call(
      'GET',
      '/v1/backoffice/reservations/export',
      '/v1/backoffice/reservations/export?from=2027-12-01&to=2027-12-01',
      { token: staff },
    );
    expect(String(exported.body).split('\n').filter(Boolean).length).toBeGreaterThan(1);
    expect((await call('GET', '/v1/backoffice/reservations/export', '/v1/backoffice/reservations/export', { token: staff })).status).toBe(
      400,
    );

    // The booking limit, per caller: a client of its own spends it.
    const flooder = h.ledger.token({ sub: 'conf-flooder' });
    let limited: TestResponse | undefined;
    for (let i = 0; i <= BOOKING_LIMIT && !limited; i += 1) {
      const res = await call('POST', '/v1/reservations', '/v1/reservations', {
        token: flooder,
        headers: key(),
        body: { ...holdBody, seats: 0 },
      });
      if (res.status === 429) limited = res;
    }
    expect(limited?.body.code).toBe('rate_limited');
  });

  it('outgoing webhook endpoints: create, replay, list, deliveries, redeliver, remove, with their errors', async () => {
    const { admin, staff } = h;
    const collection = '/v1/admin/webhook-endpoints';
    const body = { url: 'http://127.0.0.1:9/hooks', events: ['reservation.held'] };
    const headers = key();
    const created = await call('POST', collection, collection, { token: admin, headers, body });
    expect(created.status).toBe(201);
    expect((await call('POST', collection, collection, { token: admin, headers, body })).headers.get('idempotent-replayed')).toBe('true');
    expect(
      (await call('POST', collection, collection, { token: admin, headers, body: { ...body, events: ['reservation.paid'] } })).status,
    ).toBe(422);
    expect(
      (await call('POST', collection, collection, { token: admin, headers: key(), body: { ...body, url: 'gopher://x' } })).status,
    ).toBe(400);
    expect((await call('POST', collection, collection, { token: staff, headers: key(), body })).status).toBe(403);
    expect((await call('GET', collection, collection, { token: admin })).status).toBe(200);
    const endpointId = created.body.id as string;
    expect((await h.hold(await h.createSlot(5), 1)).status).toBe(201);
    await drain(h.ledger.deps.systemPool, outgoingWebhooksConsumer);
    const deliveriesTemplate = `${collection}/{endpointId}/deliveries`;
    const deliveries = await call('GET', deliveriesTemplate, `${collection}/${endpointId}/deliveries`, { token: admin });
    expect(deliveries.body.items.length).toBeGreaterThan(0);
    expect((await call('GET', deliveriesTemplate, `${collection}/${randomUUID()}/deliveries`, { token: admin })).status).toBe(404);
    const redeliverTemplate = `${collection}/{endpointId}/deliveries/{deliveryId}/redeliver`;
    const redeliverPath = `${collection}/${endpointId}/deliveries/${deliveries.body.items[0].deliveryId}/redeliver`;
    expect((await call('POST', redeliverTemplate, redeliverPath, { token: admin })).status).toBe(202);
    expect((await call('DELETE', `${collection}/{endpointId}`, `${collection}/${endpointId}`, { token: admin })).status).toBe(204);
    expect((await call('DELETE', `${collection}/{endpointId}`, `${collection}/${endpointId}`, { token: admin })).status).toBe(404);
    expect((await call('POST', redeliverTemplate, redeliverPath, { token: admin })).status).toBe(404);
  });

  it('the activity panel: its webhook, the sync status and a conflict acknowledged', async () => {
    const delivery = (event: PanelWebhook, at?: Date) => {
      const signed = panel.signedWebhook(event, at ?? h.ledger.clock.now());
      return h.ledger.call('POST', '/webhooks/panel', { headers: signed.headers, body: signed.body });
    };
    const startsAt = new Date(h.ledger.clock.now().getTime() + 86_400_000).toISOString();
    const departure = { departureId: 'conf-d1', activityId: 'conf-a', startsAt, capacity: 2, price: { amount: 100, currency: 'EUR' } };
    const opened = panel.saveDeparture(DEFAULT_TEST_TENANT, { ...departure, status: 'open' });
    expect(conforms('POST', '/webhooks/panel', await delivery(opened)).body.outcome).toBe('applied');
    expect(conforms('POST', '/webhooks/panel', await delivery(opened)).body.outcome).toBe('duplicate');
    expect(conforms('POST', '/webhooks/panel', await delivery(opened, new Date(0))).body.code).toBe('invalid_signature');
    const desk = panel.bookAtDesk(DEFAULT_TEST_TENANT, { bookingId: 'conf-b1', departureId: 'conf-d1', seats: 3, overbook: true });
    expect(conforms('POST', '/webhooks/panel', await delivery(desk as PanelWebhook)).body.outcome).toBe('applied');

    const staff = h.ledger.token({ groups: ['staff'], sub: 'conf-panel-staff' });
    const admin = h.ledger.token({ groups: ['admin'], sub: 'conf-panel-admin' });
    const status = await call('GET', '/v1/backoffice/sync', '/v1/backoffice/sync', { token: staff });
    const conflict = (status.body.conflicts as { id: string; kind: string }[]).find((c) => c.kind === 'oversold');
    expect(conflict).toBeDefined();
    expect(
      (await call('GET', '/v1/backoffice/sync', '/v1/backoffice/sync', { token: h.ledger.token({ sub: 'conf-panel-cust' }) })).status,
    ).toBe(403);
    const ackTemplate = '/v1/backoffice/sync/conflicts/{id}/acknowledge';
    const ackPath = `/v1/backoffice/sync/conflicts/${conflict!.id}/acknowledge`;
    expect((await call('POST', ackTemplate, ackPath, { token: staff, body: { note: 'seen' } })).status).toBe(403);
    expect((await call('POST', ackTemplate, ackPath, { token: admin, body: {} })).status).toBe(400);
    expect((await call('POST', ackTemplate, ackPath, { token: admin, body: { note: 'moved to the next day' } })).status).toBe(200);
    expect((await call('POST', ackTemplate, ackPath, { token: admin, body: { note: 'again' } })).status).toBe(404);
  });

  it('has driven every documented operation to a success', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    // A permanent redirect is the success of an operation that only redirects (GET /backoffice).
    const succeeded = (status: number) => (status >= 200 && status < 300) || status === 308;
    const withoutSuccess = operations.filter((route) => ![...(seen.get(route) ?? [])].some(succeeded));
    expect(withoutSuccess).toEqual([]);
    const answers = [...seen.values()].reduce((n, statuses) => n + statuses.size, 0);
    expect(answers).toBeGreaterThan(50);
  });
});

/** `METHOD /path/{param}` of every route in fastify's route tree (printRoutes without common prefixes), HEAD left out. */
function routesOf(tree: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    const path = prefixes.join('') + match[2]!;
    prefixes.push(match[2]!);
    for (const method of (match[3] ?? '').split(', ').filter((m) => m.length > 0 && m !== 'HEAD')) {
      routes.push(`${method} ${path.replaceAll(/:([A-Za-z]+)/g, '{$1}')}`);
    }
  }
  return routes;
}
