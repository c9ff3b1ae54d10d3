import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { z } from 'zod';
import { pushQueueSummary } from '../../src/app/panel/pushQueueSummary.js';
import { withTransaction } from '../../src/db/transaction.js';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { runDueJobs } from '../../src/jobs/jobWorker.js';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { startTestLedger, type TestLedger, type TestResponse } from '../support/ledgerServer.js';
import { startFakePanel } from '../support/panel/fakePanel.js';
import { type FakeStripe, startFakeStripe } from '../support/providers/fakeStripe.js';

export const TENANT = DEFAULT_TEST_TENANT;

export type DeliveryRow = {
  id: string;
  reservation_id: string;
  version: number;
  status: string;
  attempts: number;
  last_error: string | null;
  queued_at: Date;
  last_attempt_at: Date | null;
  next_attempt_at: Date;
};

/**
 * The real server wired to the loopback activity panel through the real HTTP adapter, and to the
 * loopback Stripe for payments. No job worker runs: tests run the queued jobs (`runJobs`) and the
 * retry sweep (`sweep`) at the moments they choose, on the ledger's test clock.
 */
export async function startPushHarness(
  options: { accounts?: readonly string[]; holdTtlSeconds?: number; backofficeDevSignIn?: boolean } = {},
) {
  const panel = await startFakePanel();
  const stripe: FakeStripe = await startFakeStripe();
  const errors: { message: string; error: unknown }[] = [];
  const ledger: TestLedger = await startTestLedger({
    holdTtlSeconds: options.holdTtlSeconds ?? 900,
    holdMaxSeatsPerCustomer: 1000,
    providers: {
      stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
      mercadopago: {},
      providerCallBudgetMs: 10_000,
    },
    rateLimits: { booking: false, webhooks: false, operations: false, publicReads: false },
    panel: {
      adapter: createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey, timeoutMs: 2_000 }),
      accounts: options.accounts ?? [TENANT],
    },
    onError: (message, error) => errors.push({ message, error }),
    ...(options.backofficeDevSignIn ? { backofficeDevSignIn: true } : {}),
  });
  const { jobs } = ledger.composed;
  const admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  const staff = ledger.token({ groups: ['staff'], sub: 'staff-1' });
  const customer = ledger.token({ sub: 'customer-1', email: 'ana@example.com' });
  const jobLog = {
    info: () => undefined,
    warn: () => undefined,
    error: (message: string, error?: unknown) => errors.push({ message, error }),
  };

  const harness = {
    ledger,
    panel,
    stripe,
    admin,
    staff,
    customer,
    errors,
    /** A departure at the panel and its slot in the ledger (`panel-<departureId>`), as the catalogue import would make them. */
    async panelSlot(capacity: number, panelCapacity = capacity): Promise<{ slotId: string; departureId: string }> {
      const departureId = `dep-${randomUUID().slice(0, 8)}`;
      panel.saveDeparture(TENANT, {
        departureId,
        activityId: 'glacier-walk',
        startsAt: '2027-12-01T09:00:00.000Z',
        capacity: panelCapacity,
        price: { amount: 4500, currency: 'EUR' },
        status: 'open',
      });
      const slotId = `panel-${departureId}`;
      const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
        token: admin,
        body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity, unitPrice: { amount: 4500, currency: 'EUR' } },
      });
      expect(res.status).toBe(201);
      return { slotId, departureId };
    },
    async ownSlot(capacity: number): Promise<string> {
      const slotId = `own-${randomUUID().slice(0, 8)}`;
      const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
        token: admin,
        body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity, unitPrice: { amount: 4500, currency: 'EUR' } },
      });
      expect(res.status).toBe(201);
      return slotId;
    },
    async hold(slotId: string, seats: number): Promise<string> {
      const res = await harness.holdResponse(slotId, seats);
      expect(res.status).toBe(201);
      return res.body.reservationId as string;
    },
    holdResponse(slotId: string, seats: number): Promise<TestResponse> {
      return ledger.call('POST', '/v1/reservations', {
        token: customer,
        headers: { 'idempotency-key': randomUUID() },
        body: { slotId, seats, customer: { name: 'Ana', email: 'ana@example.com' } },
      });
    },
    /** Pays through Stripe: the payment starts, and Stripe's signed `succeeded` webhook arrives. */
    async pay(reservationId: string): Promise<void> {
      const started = await ledger.call('POST', `/v1/reservations/${reservationId}/payments`, {
        token: customer,
        headers: { 'idempotency-key': randomUUID() },
        body: { provider: 'stripe' },
      });
      expect(started.status).toBe(201);
      const payload = stripe.transition(started.body.providerPaymentId as string, 'succeeded');
      const delivered = await ledger.call('POST', '/webhooks/stripe', {
        body: payload,
        headers: { 'stripe-signature': stripe.sign(payload, ledger.clock.now()), 'content-type': 'application/json' },
      });
      expect(delivered.status).toBe(200);
    },
    async cancel(reservationId: string): Promise<void> {
      const res = await ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: admin });
      expect(res.status).toBe(200);
    },
    async reservation(reservationId: string) {
      const res = await ledger.call('GET', `/v1/reservations/${reservationId}`, { token: admin });
      expect(res.status).toBe(200);
      return res.body as { status: string; seats: number; slotId: string; expiresAt: string };
    },
    /** Runs the queued jobs due now (the pushes the commands queued, refunds), as a worker would. */
    async runJobs(): Promise<void> {
      const { pushToPanel, sendRefund } = jobs;
      await runDueJobs({ connectionString: ledger.db.logins.system, handlers: { pushToPanel, sendRefund }, log: jobLog });
    },
    /** The periodic retry sweep, once, at the test clock's now. */
    async sweep(): Promise<void> {
      await jobs.sendDuePanelPushes!({});
    },
    async deliveries(reservationId?: string): Promise<DeliveryRow[]> {
      const { rows } = await ledger.db.asOwner<DeliveryRow>(
        `SELECT id::text, reservation_id::text, version, status, attempts, last_error, queued_at, last_attempt_at, next_attempt_at
         FROM panel_deliveries WHERE $1::text IS NULL OR reservation_id = $1::uuid ORDER BY reservation_id, version`,
        [reservationId ?? null],
      );
      return rows;
    },
    /** The pushes the panel answered, in order: the ledger's PUTs of one reservation or all. */
    puts(reservationId?: string) {
      return panel.requests
        .filter((r) => r.method === 'PUT' && (reservationId === undefined || r.path.endsWith(`/ledger-${reservationId}`)))
        .map((r) => ({ ...(r.body as { status: string; version: number; seats: number }), answered: r.status }));
    },
    summary() {
      return withTransaction(ledger.db.pool, (tx) => pushQueueSummary(tx), { tenantId: TENANT });
    },
    /** Moves the clock to the earliest retry due and sweeps; false when nothing is queued. */
    async sweepAtNextRetry(): Promise<boolean> {
      const queued = (await harness.deliveries()).filter((row) => row.status === 'queued');
      if (queued.length === 0) return false;
      const next = Math.min(...queued.map((row) => row.next_attempt_at.getTime()));
      if (next > ledger.clock.now().getTime()) ledger.clock.set(new Date(next));
      await harness.sweep();
      return true;
    },
    async close() {
      await ledger.close();
      await panel.close();
      await stripe.close();
    },
  };
  return harness;
}

export type PushHarness = Awaited<ReturnType<typeof startPushHarness>>;

export const conflictRow = z.object({ kind: z.string(), slot_id: z.string(), reservation_id: z.string().nullable(), detail: z.string() });
