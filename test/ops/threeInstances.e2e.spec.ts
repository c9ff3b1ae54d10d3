import { newPiiMasterKey } from '../support/personalData.js';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointSigner, parseCheckpointSigningKey } from '../../src/audit/checkpointSigning.js';
import { bearer, createTestIdentity, mintToken, type TestIdentity } from '../../src/identity/testing/tokens.js';
import { runLedgerCli } from '../cli/runLedgerCli.js';
import { eventually } from '../payments/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { jobsSettled } from '../support/jobs.js';
import { type FakeStripe, startFakeStripe } from '../support/providers/fakeStripe.js';
import { type ServerProcess, startServerProcess } from './serverProcess.js';

/**
 * Three `ledger serve` processes over one database, as three replicas behind a load balancer: each
 * request goes to whichever instance, each has its own pools, job worker and data directory, and
 * they share only the database, the providers and the configuration (ADR 0035).
 */
const HOLD_TTL_SECONDS = 10;
const TENANT = 'acme';
/** A departure a month ahead: holds on a slot that has started are refused (409 slot_closed). */
const startsAt = () => new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();

type Reply = { readonly status: number; readonly body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read the JSON's fields

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = bearer(options.token);
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : null };
}

describe('three instances over one database', () => {
  let workDir: string;
  let database: TestDatabase;
  let stripe: FakeStripe;
  let identity: TestIdentity;
  let servers: ServerProcess[];
  let sharedKey: string;
  const piiMasterKey = newPiiMasterKey();
  let admin: string;
  const customer = (n: number) => mintToken(identity, { tenantId: TENANT, sub: `customer-${n}`, email: `c${n}@example.com` });
  /** The instance that serves request `n`: round robin, as a load balancer would. */
  const instance = (n: number) => (servers[n % servers.length] as ServerProcess).url;

  const countEvents = async (type: string, streamId?: string) => {
    const { rows } = await database.asOwner<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE type = $1 AND ($2::text IS NULL OR stream_id = $2)',
      [type, streamId ?? null],
    );
    return rows[0]?.n;
  };
  const createSlot = async (capacity: number, via: string) => {
    const slotId = `slot-${randomUUID().slice(0, 8)}`;
    const res = await call(via, 'PUT', `/v1/slots/${slotId}`, {
      token: admin,
      body: { activityId: 'sea-kayak', startsAt: startsAt(), capacity, unitPrice: { amount: 4500, currency: 'EUR' } },
    });
    expect(res.status).toBe(201);
    return slotId;
  };
  const hold = (slotId: string, n: number, via: string) =>
    call(via, 'POST', '/v1/reservations', {
      token: customer(n),
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: `Customer ${n}`, email: `c${n}@example.com` } },
    });
  const startStripePayment = async (reservationId: string, n: number, via: string): Promise<{ paymentId: string; pi: string }> => {
    const res = await call(via, 'POST', `/v1/reservations/${reservationId}/payments`, {
      token: customer(n),
      headers: { 'idempotency-key': randomUUID() },
      body: { provider: 'stripe' },
    });
    expect(res.status).toBe(201);
    return { paymentId: res.body.paymentId, pi: res.body.providerPaymentId };
  };
  const deliverStripe = async (payload: string, via: string) => {
    const res = await call(via, 'POST', '/webhooks/stripe', {
      body: payload,
      headers: { 'stripe-signature': stripe.sign(payload, new Date()), 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  };
  const reservation = async (reservationId: string, via: string) => {
    const res = await call(via, 'GET', `/v1/reservations/${reservationId}`, { token: admin });
    expect(res.status).toBe(200);
    return res.body;
  };

  /** What beforeAll started, stopped in reverse order: whatever got started before a failure is stopped too. */
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'ledger-replicas-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    database = await createTestDatabase({ maximumPoolSize: 2 });
    cleanups.push(() => database.drop());
    stripe = await startFakeStripe();
    cleanups.push(() => stripe.close());
    identity = createTestIdentity({ userPoolId: 'eu-west-1_Replicas', clientId: 'replicas-client' });
    const jwksFile = join(workDir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(identity.jwks));
    admin = mintToken(identity, { tenantId: TENANT, groups: ['admin', 'auditor'], sub: 'admin-1' });
    sharedKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const shared = {
      NODE_ENV: 'development',
      DATABASE_URL: database.logins.app,
      SYSTEM_DATABASE_URL: database.logins.system,
      MIGRATION_DATABASE_URL: database.url,
      LEDGER_CHECKPOINT_SIGNING_KEY: sharedKey,
      PII_MASTER_KEY: piiMasterKey,
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
      COGNITO_USER_POOL_ID: identity.userPoolId,
      COGNITO_CLIENT_ID: identity.clientId,
      COGNITO_JWKS_FILE: jwksFile,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
    };
    // Started together, as a deployment's replicas are; each with a data directory of its own.
    const started = await Promise.allSettled(
      [1, 2, 3].map((n) => startServerProcess({ ...shared, LEDGER_DATA_DIR: join(workDir, `instance-${n}`) }, workDir)),
    );
    servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    cleanups.push(() => Promise.all(servers.map((server) => server.stop())));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  let heldOnFullSlot: string[] = [];

  it('concurrent holds on one slot across the three: exactly its capacity succeed, the rest are slot_full', async () => {
    const slotId = await createSlot(10, instance(0));

    const replies = await Promise.all(Array.from({ length: 30 }, (_, n) => hold(slotId, n, instance(n))));

    const held = replies.filter((reply) => reply.status === 201);
    const refused = replies.filter((reply) => reply.status === 409);
    expect(held).toHaveLength(10);
    expect(refused).toHaveLength(20);
    expect(new Set(refused.map((reply) => reply.body.code))).toEqual(new Set(['slot_full']));
    const slot = await call(instance(2), 'GET', `/v1/slots/${slotId}`, { token: admin });
    expect(slot.body).toMatchObject({ capacity: 10, held: 10, sold: 0, available: 0 });
    heldOnFullSlot = held.map((reply) => reply.body.reservationId as string);
  });

  it('a payment whose webhook was lost is reconciled once, by one of the three', async () => {
    const slotId = await createSlot(2, instance(1));
    const held = await hold(slotId, 100, instance(1));
    expect(held.status).toBe(201);
    const reservationId: string = held.body.reservationId;
    const { paymentId, pi } = await startStripePayment(reservationId, 100, instance(2));
    // Processing: the hold is kept past its time until the provider decides.
    await deliverStripe(stripe.transition(pi, 'processing'), instance(0));
    stripe.transition(pi, 'succeeded'); // the success webhook never arrives
    // Quiet for ten minutes (reconciliation asks only about payments quiet that long), and the periodic run is due now.
    await database.asOwner(`UPDATE payments_view SET updated_at = now() - interval '10 minutes' WHERE payment_id = $1`, [paymentId]);
    const lookups = () => stripe.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${pi}`).length;
    expect(lookups()).toBe(0);

    await database.asOwner(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = 'periodic:reconcilePayments'`);

    await eventually(
      () => reservation(reservationId, instance(0)),
      (view) => view.status === 'paid',
      20_000,
    );
    await jobsSettled(database);
    expect(lookups()).toBe(1);
    expect(await countEvents('PaymentSucceeded', `payment-${paymentId}`)).toBe(1);
    expect(await countEvents('ReservationPaid', `reservation-${reservationId}`)).toBe(1);
  });

  it('a refund asked for on one instance is sent to the provider once', async () => {
    const slotId = await createSlot(1, instance(0));
    const held = await hold(slotId, 200, instance(0));
    expect(held.status).toBe(201);
    const reservationId: string = held.body.reservationId;
    const { paymentId, pi } = await startStripePayment(reservationId, 200, instance(1));
    await deliverStripe(stripe.transition(pi, 'succeeded'), instance(2));
    expect((await reservation(reservationId, instance(0))).status).toBe('paid');

    const cancelled = await call(instance(1), 'POST', `/v1/reservations/${reservationId}/cancel`, { token: customer(200) });
    expect(cancelled.status).toBe(200);

    const refundsOf = () => stripe.refundRequests().filter((r) => r.form['payment_intent'] === pi);
    await eventually(refundsOf, (requests) => requests.length > 0, 20_000);
    await jobsSettled(database);
    expect(refundsOf()).toHaveLength(1);
    expect(await countEvents('PaymentRefundRequested', `payment-${paymentId}`)).toBe(1);
    await deliverStripe(stripe.refundedEvent(pi), instance(0));
    expect((await reservation(reservationId, instance(2))).status).toBe('refunded');
  });

  it('holds whose time ran out are expired once each, whichever instance swept', async () => {
    expect(heldOnFullSlot).toHaveLength(10);
    for (const reservationId of heldOnFullSlot) {
      await eventually(
        () => reservation(reservationId, instance(1)),
        (view) => view.status === 'expired',
        (HOLD_TTL_SECONDS + 20) * 1000,
      );
    }
    await jobsSettled(database);
    for (const reservationId of heldOnFullSlot) {
      expect(await countEvents('ReservationExpired', `reservation-${reservationId}`)).toBe(1);
    }
  });

  it('one checkpoint was taken, signed with the shared key, and verify is ok', async () => {
    const { rows } = await database.asOwner<{ n: number }>('SELECT count(*)::int AS n FROM ledger_checkpoints');
    expect(rows[0]?.n).toBe(1);

    const verified = await runLedgerCli(['verify'], {
      cwd: workDir,
      variables: {
        DATABASE_URL: database.logins.app,
        SYSTEM_DATABASE_URL: database.logins.system,
        LEDGER_CHECKPOINT_SIGNING_KEY: sharedKey,
        PII_MASTER_KEY: piiMasterKey,
        LEDGER_DATA_DIR: join(workDir, 'auditor'),
      },
    });

    expect(verified.code).toBe(0);
    const signedWith = checkpointSigner(parseCheckpointSigningKey(sharedKey)).keyId;
    expect(JSON.parse(verified.stdout)).toMatchObject({
      ok: true,
      checkpoints: { ok: true, checkpoints: 1, signaturesCheckedWith: signedWith },
    });
  });
});
