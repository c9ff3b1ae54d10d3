import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../src/jobs/jobWorker.js';
import { outgoingWebhooksConsumer } from '../../src/webhooksOut/webhookFanOut.js';
import { drain } from '../consumers/logFixtures.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

/**
 * NODE_ENV=production: only https to public addresses. Names resolve through an injected resolver,
 * and every address it hands out that a send could reach is a loopback one: no test connects off 127.0.0.1.
 */
describe('outgoing webhook targets in production', () => {
  let ledger: TestLedger;
  let receiver: WebhookReceiver;
  const dns = new Map<string, string[]>();
  let admin: string;

  beforeAll(async () => {
    ledger = await startTestLedger({
      nodeEnv: 'production',
      webhookResolver: async (hostname) => {
        const addresses = dns.get(hostname);
        if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        return addresses;
      },
    });
    receiver = await startWebhookReceiver();
    admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  });
  afterAll(async () => {
    await receiver.stop();
    await ledger.close();
  });

  const create = (url: string) =>
    ledger.call('POST', '/v1/admin/webhook-endpoints', {
      token: admin,
      headers: { 'idempotency-key': randomUUID() },
      body: { url, events: ['reservation.held'] },
    });

  it('refuses http, loopback, private and link-local targets when an endpoint is created', async () => {
    const port = new URL(receiver.url).port;
    dns.set('intranet.example.test', ['10.0.0.7']);
    dns.set('metadata.example.test', ['169.254.169.254']);
    for (const [url, reason] of [
      [receiver.url, 'only https URLs are allowed'],
      [`https://127.0.0.1:${port}/hooks`, '127.0.0.1'],
      ['https://[::1]/hooks', '::1'],
      ['https://intranet.example.test/hooks', '10.0.0.7'],
      ['https://metadata.example.test/latest', '169.254.169.254'],
      ['https://unknown.example.test/hooks', 'could not be resolved'],
    ] as const) {
      const answer = await create(url);
      expect(answer.status, url).toBe(400);
      expect(answer.body).toMatchObject({ code: 'invalid_request', detail: expect.stringContaining(reason) });
    }
    expect((await ledger.call('GET', '/v1/admin/webhook-endpoints', { token: admin })).body.items).toEqual([]);
  });

  it('checks the address again at send time: a name that now resolves to loopback is refused and nothing is sent', async () => {
    dns.set('hooks.example.test', ['93.184.215.14']);
    const created = await create('https://hooks.example.test/in');
    expect(created.status).toBe(201);
    const endpointId = created.body.id as string;
    // The name moved (DNS rebinding): were the rule not applied again, the send would go to 127.0.0.1.
    dns.set('hooks.example.test', ['127.0.0.1']);

    const slotId = `slot-${randomUUID().slice(0, 8)}`;
    const slot = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: admin,
      body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity: 4, unitPrice: { amount: 1000, currency: 'EUR' } },
    });
    expect(slot.status).toBe(201);
    const held = await ledger.call('POST', '/v1/reservations', {
      token: ledger.token({ sub: 'customer-1', email: 'ana@example.com' }),
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: 'Ana', email: 'ana@example.com' } },
    });
    expect(held.status).toBe(201);

    await drain(ledger.deps.systemPool, outgoingWebhooksConsumer);
    const { deliverWebhooks } = ledger.composed.jobs;
    if (!deliverWebhooks) throw new Error('the composed ledger delivers no webhooks');
    const errors: unknown[] = [];
    await runDueJobs({
      connectionString: ledger.db.logins.system,
      handlers: { deliverWebhooks },
      log: { info: () => undefined, warn: () => undefined, error: (message, error) => errors.push({ message, error }) },
    });
    expect(errors).toEqual([]);

    const deliveries = await ledger.call('GET', `/v1/admin/webhook-endpoints/${endpointId}/deliveries`, { token: admin });
    expect(deliveries.body.items).toEqual([
      expect.objectContaining({
        type: 'reservation.held',
        status: 'pending',
        attempts: [
          { attemptedAt: expect.any(String), error: 'refused: hooks.example.test resolves to 127.0.0.1, which is not a public address' },
        ],
      }),
    ]);
    expect(receiver.received).toEqual([]);
  });
});
