import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
beforeAll(async () => {
  // Every route group the composition root wires: the document describes the routes the server has.
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

/** Every route of ../shared/docs/API.md, in OpenAPI's path syntax. */
const contractRoutes: readonly [method: string, path: string][] = [
  ['put', '/v1/slots/{slotId}'],
  ['get', '/v1/slots/{slotId}'],
  ['post', '/v1/reservations'],
  ['get', '/v1/reservations/{reservationId}'],
  ['post', '/v1/reservations/{reservationId}/cancel'],
  ['post', '/v1/reservations/{reservationId}/payments'],
  ['post', '/webhooks/stripe'],
  ['post', '/webhooks/mercadopago'],
  ['get', '/v1/audit/streams/{streamId}'],
  ['get', '/v1/audit/reservations/{reservationId}'],
  ['post', '/v1/audit/verify'],
  ['get', '/health'],
  ['get', '/backoffice/'],
];

describe('GET /docs', () => {
  it('serves an OpenAPI 3.1 document listing every route of the contract, without a token', async () => {
    const res = await ledger.call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'booking-ledger' });
    for (const [method, path] of contractRoutes) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(doc.paths[path][method].responses).length).toBeGreaterThan(0);
    }
    for (const path of ['/v1/reports/occupancy', '/v1/reports/revenue', '/metrics']) expect(doc.paths[path]).toBeDefined();
  });

  it('describes the backoffice lists and export from the zod schemas their routes validate with', async () => {
    const { body: doc } = await ledger.call('GET', '/docs');
    // The document is untyped JSON: its parameters by name, as the assertions below read them.
    const params = (path: string) => Object.fromEntries(doc.paths[path].get.parameters.map((p: { name: string }) => [p.name, p]));
    const reservations = params('/v1/backoffice/reservations');
    expect(Object.keys(reservations).sort()).toEqual(
      ['activityId', 'createdFrom', 'createdTo', 'cursor', 'email', 'from', 'limit', 'slotId', 'status', 'to'].sort(),
    );
    expect(reservations.status.schema.enum).toEqual(['held', 'paid', 'expired', 'cancelled', 'refunded']);
    expect(reservations.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
    expect(reservations.from.required).toBe(false);
    const exported = params('/v1/backoffice/reservations/export');
    expect([exported.from.required, exported.to.required]).toEqual([true, true]);
    expect(exported.cursor).toBeUndefined();
    expect(doc.paths['/v1/backoffice/reservations/export'].get.responses['200'].content['application/x-ndjson']).toBeDefined();
    expect(params('/v1/backoffice/payments').provider.schema.enum).toEqual(['stripe', 'mercadopago', 'pix']);
    const page = doc.components.schemas.BackofficePaymentPage;
    expect(page.required).toEqual(['items', 'nextCursor']);
    expect(page.properties.items.items.properties.providerPaymentId).toBeDefined();
    expect(doc.components.schemas.BackofficeReservationPage.properties.items.items).toEqual({
      $ref: '#/components/schemas/BackofficeReservation',
    });
    expect(doc.components.schemas.BackofficeReservation.required).toContain('departsAt');
  });

  it('generates request schemas from the zod schemas the routes validate with', async () => {
    const { body: doc } = await ledger.call('GET', '/docs');
    const schemas = doc.components.schemas;
    // A named schema appears as the request side reads it (`…Input`, before transforms) and as responses carry it.
    expect(schemas.MoneyInput).toMatchObject({
      type: 'object',
      required: ['amount', 'currency'],
      properties: { amount: { type: 'integer', minimum: 0 }, currency: { pattern: '^[A-Z]{3}$' } },
    });
    expect(schemas.PlaceHoldInput.required).toEqual(['slotId', 'seats', 'customer']);
    expect(schemas.DefineSlotInput.properties.startsAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemas.StartPaymentInput.properties.provider.enum).toEqual(['stripe', 'mercadopago', 'pix']);
    expect(schemas.Payment.properties.lastError).toMatchObject({ type: 'string' });
    // Every $ref points at a schema the document defines.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(schemas[name], name).toBeDefined();
  });
});
