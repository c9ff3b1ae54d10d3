import { randomUUID } from 'node:crypto';
import type { ServerDeps } from '../../src/http/server.js';
import { expect } from 'vitest';
import type { Ledger } from '../../src/composition.js';
import type { Mailer } from '../../src/mail/mailer.js';
import { expireHoldCommand } from '../../src/app/expireHolds.js';
import { runCommand } from '../../src/app/command/runCommand.js';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { runDueJobs, startJobWorker } from '../../src/jobs/jobWorker.js';
import { jobsSettled } from '../support/jobs.js';
import type { PanelSettings } from '../../src/composition.js';
import { startTestLedger, type TestLedger, type TestResponse } from '../support/ledgerServer.js';
import { type FakeMercadoPago, startFakeMercadoPago } from '../support/providers/fakeMercadoPago.js';
import { type FakeStripe, startFakeStripe } from '../support/providers/fakeStripe.js';

export type PaymentsHarness = {
  readonly ledger: TestLedger;
  readonly stripe: FakeStripe;
  readonly mp: FakeMercadoPago;
  /** The ledger as the composition root wires it: reconciliation, providers, jobs. */
  readonly payments: Ledger;
  readonly admin: string;
  readonly staff: string;
  readonly auditor: string;
  readonly customer: string;
  readonly errors: unknown[];
  createSlot(capacity: number, unitPrice?: { amount: number; currency: string }): Promise<string>;
  hold(slotId: string, seats: number, token?: string): Promise<TestResponse>;
  startPayment(reservationId: string, provider: string, key?: string, token?: string): Promise<TestResponse>;
  deliverStripe(payload: string, options?: { at?: Date; header?: string }): Promise<TestResponse>;
  deliverMp(dataId: string | number, options?: { at?: Date }): Promise<TestResponse>;
  /** Waits until the follow-up jobs (refunds) of what the test did have run. */
  jobsDone(): Promise<void>;
  /** Runs the jobs due now, once (what a worker started later would do). */
  runJobs(): Promise<void>;
  /** The reservation view's JSON body, as the test client returns it. */
  reservation(reservationId: string): Promise<TestResponse['body']>;
  slot(slotId: string): Promise<TestResponse['body']>;
  close(): Promise<void>;
};

/** The real server over a fresh database, wired to loopback Stripe and Mercado Pago doubles through the real SDKs. */
export async function startPaymentsHarness(
  options: {
    holdTtlSeconds?: number;
    poolSize?: number;
    /** false: no job worker runs (a server that is down); run them with runJobs. */
    jobWorker?: boolean;
    rateLimits?: ServerDeps['rateLimits'];
    /**
     * One provider call's budget, tries and waits together (production: 25 s). Shorter by default, so
     * that a test of an outage ends sooner, but long enough that a loaded test machine's stalls do not
     * turn a loopback call into a timeout.
     */
    providerCallBudgetMs?: number;
    /** HOLD_MAX_SEATS_PER_CUSTOMER (default 20): raised by tests in which one customer books a slot many times. */
    holdMaxSeatsPerCustomer?: number;
    /** PAYMENT_GRACE_SECONDS (default 1800). */
    paymentGraceSeconds?: number;
    /** FRONTEND_URL: Checkout Pro's back_urls (none by default). */
    frontendUrl?: string;
    /** Where customer e-mails go; none by default (no e-mail jobs). */
    mailer?: Mailer;
    /** The activity panel to sync with (none by default: panel sync off). */
    panel?: PanelSettings;
  } = {},
): Promise<PaymentsHarness> {
  const stripe = await startFakeStripe();
  const mp = await startFakeMercadoPago();
  const errors: unknown[] = [];
  const ledger = await startTestLedger({
    holdTtlSeconds: options.holdTtlSeconds ?? 900,
    poolSize: options.poolSize ?? 20,
    ...(options.panel ? { panel: options.panel } : {}),
    providers: {
      stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
      mercadopago: { accessToken: mp.accessToken, webhookSecret: mp.webhookSecret, apiBase: mp.url },
      providerCallBudgetMs: options.providerCallBudgetMs ?? 10_000,
      ...(options.frontendUrl === undefined ? {} : { frontendUrl: options.frontendUrl }),
    },
    rateLimits: options.rateLimits ?? { booking: false, webhooks: false, operations: false, publicReads: false },
    ...(options.holdMaxSeatsPerCustomer === undefined ? {} : { holdMaxSeatsPerCustomer: options.holdMaxSeatsPerCustomer }),
    ...(options.paymentGraceSeconds === undefined ? {} : { paymentGraceSeconds: options.paymentGraceSeconds }),
    onError: (message, error) => errors.push({ message, error }),
    ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
  });
  const module = ledger.composed;
  const { sendRefund, sendCustomerEmail } = module.jobs;
  if (!sendRefund) throw new Error('the composed ledger sends no refunds');
  const jobOptions = {
    connectionString: ledger.db.logins.system,
    handlers: { sendRefund, ...(sendCustomerEmail ? { sendCustomerEmail } : {}) },
    onJobFailed: (task: string) => module.metrics.countJobFailure(task),
    log: { info: () => undefined, warn: () => undefined, error: (message: string, error?: unknown) => errors.push({ message, error }) },
  };
  // The real worker, as the server runs it: refunds are sent after their commands commit.
  const jobs = options.jobWorker === false ? null : await startJobWorker(jobOptions);
  if (jobs) module.metrics.watchJobQueue(() => jobs.queueDepth());
  const admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  const staff = ledger.token({ groups: ['staff'], sub: 'staff-1' });
  const auditor = ledger.token({ groups: ['auditor'], sub: 'auditor-1' });
  const customer = ledger.token({ sub: 'customer-1', email: 'ana@example.com' });

  return {
    ledger,
    stripe,
    mp,
    payments: module,
    admin,
    staff,
    auditor,
    customer,
    errors,
    async createSlot(capacity, unitPrice = { amount: 4500, currency: 'EUR' }) {
      const slotId = `slot-${randomUUID().slice(0, 8)}`;
      const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
        token: admin,
        body: { activityId: 'glacier-walk', startsAt: '2027-12-01T09:00:00Z', capacity, unitPrice },
      });
      expect(res.status).toBe(201);
      return slotId;
    },
    hold(slotId, seats, token = customer) {
      return ledger.call('POST', '/v1/reservations', {
        token,
        headers: { 'idempotency-key': randomUUID() },
        body: { slotId, seats, customer: { name: 'Ana', email: 'ana@example.com' } },
      });
    },
    startPayment(reservationId, provider, key = randomUUID(), token = customer) {
      return ledger.call('POST', `/v1/reservations/${reservationId}/payments`, {
        token,
        headers: { 'idempotency-key': key },
        body: { provider },
      });
    },
    deliverStripe(payload, deliverOptions = {}) {
      const header = deliverOptions.header ?? stripe.sign(payload, deliverOptions.at ?? ledger.clock.now());
      return ledger.call('POST', '/webhooks/stripe', {
        body: payload,
        headers: { 'stripe-signature': header, 'content-type': 'application/json' },
      });
    },
    deliverMp(dataId, deliverOptions = {}) {
      const n = mp.notification(dataId, deliverOptions.at ?? ledger.clock.now());
      return ledger.call('POST', n.path, { body: n.body, headers: n.headers });
    },
    jobsDone: () => jobsSettled(ledger.db),
    runJobs: () => runDueJobs(jobOptions),
    async reservation(reservationId) {
      const res = await ledger.call('GET', `/v1/reservations/${reservationId}`, { token: admin });
      expect(res.status).toBe(200);
      return res.body;
    },
    async slot(slotId) {
      const res = await ledger.call('GET', `/v1/slots/${slotId}`, { token: admin });
      expect(res.status).toBe(200);
      return res.body;
    },
    async close() {
      await jobs?.stop();
      await ledger.close();
      await stripe.close();
      await mp.close();
    },
  };
}

/**
 * A Stripe payment recorded after its hold ended: Stripe is slow to answer the create while the
 * hold's time (extended for the payment) runs out and the hold expires, as no open payment was
 * recorded yet. The payment is then open on an expired reservation: a success after that is late.
 */
export async function stripePaymentRecordedAfterHoldEnded(h: PaymentsHarness, reservationId: string) {
  h.stripe.goSilent();
  const creates = () => h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').length;
  const before = creates();
  const started = h.startPayment(reservationId, 'stripe');
  await eventually(creates, (n) => n > before);
  // The claim committed the extension before calling Stripe: the hold now ends at its extended expiresAt.
  const { expiresAt } = (await h.reservation(reservationId)) as { expiresAt: string };
  h.ledger.clock.set(new Date(Date.parse(expiresAt) + 1000));
  // This hold's own expiry (the sweep's command): other tests' holds would call the silent Stripe.
  const expiry = await runCommand(h.ledger.deps, expireHoldCommand(DEFAULT_TEST_TENANT, reservationId));
  h.stripe.recover();
  const response = await started;
  expect(expiry.ok).toBe(true);
  expect(response.status).toBe(201);
  return response;
}

export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
