import { createTestPersonalData } from '../support/personalData.js';
import { randomUUID } from 'node:crypto';
import { DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER } from '../../src/config/config.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { BaseDeps } from '../../src/app/context.js';
import { holdSeats } from '../../src/app/holdSeats.js';
import { defineSlot } from '../../src/app/defineSlot.js';
import { startPayment } from '../../src/app/payments/startPayment.js';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { createCommandPool } from '../../src/db/commandPool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { createDatabasePool } from '../../src/db/pool.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { buildServer } from '../../src/http/server.js';
import { createTestTokenVerifier } from '../../src/identity/testing/tokens.js';
import { createTestIdentity } from '../../src/identity/testing/tokens.js';
import { composeLedger } from '../../src/composition.js';
import { verifyingKeyOf } from '../../src/audit/checkpointSigning.js';
import { createTestCheckpointSigner } from '../support/checkpointSigner.js';
import { startFakeStripe } from '../support/providers/fakeStripe.js';
import { startBenchCluster } from './cluster.js';
import { cpuPerOperation, sampleCpu } from './cpu.js';
import type { BenchContext } from './context.js';
import { type Check, type Figure, type Phases, phasesFromEnv, runTimed, summarize } from './figures.js';
import type { SenderJob, SenderResult } from './webhookSender.js';

export const WEBHOOK_SENDERS = 16;
export const DUPLICATE_SHARE = 0.2;
export const WEBHOOKS_TARGET_PER_SECOND = 500;
const SLOTS = 200;
const TENANT = 'tenant-bench-webhooks';

type Line = Figure | Check;

/**
 * Verified Stripe webhooks per second through the real server (raw-body route, signature check,
 * inbox, payment + reservation + slot events and projections in one transaction): 16 concurrent
 * senders, 20% of deliveries repeats of an event already sent (Stripe's retries). Payments are
 * seeded first through the use cases and a loopback Stripe; each then receives
 * payment_intent.processing and payment_intent.succeeded, so most webhooks pay a reservation.
 * Returns its figures and checks and prints nothing itself.
 */
export async function benchWebhooks(context?: BenchContext): Promise<Line[]> {
  const log = context?.progress ?? (() => undefined);
  const cluster = context?.cluster ?? (await startBenchCluster(log));
  const phases: Phases = context?.phases ?? phasesFromEnv();
  const stripe = await startFakeStripe();
  const database = `bench_webhooks_${randomUUID().slice(0, 8)}`;
  const databaseUrl = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 20 });
  const commands = createCommandPool(databaseUrl, { maximumPoolSize: 20 });
  // The bench cluster's sessions log in as its owner; the system role is taken the same way as the app role.
  const systemPool = await createDatabasePool(databaseUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  const clock = () => new Date();
  const deps: BaseDeps = {
    pool,
    systemPool,
    commands,
    clock,
    holdTtlSeconds: 3600,
    paymentGraceSeconds: 1800,
    personalData: createTestPersonalData(pool),
  };
  const identity = context?.identity ?? createTestIdentity();
  const payments = composeLedger(
    deps,
    {
      stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
      mercadopago: {},
      trustedCheckpointKey: verifyingKeyOf(createTestCheckpointSigner()),
      holdMaxSeatsPerCustomer: DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER,
    },
    { info: () => undefined, warn: () => undefined, error: (message, error) => log(`webhooks bench: ${message}: ${String(error)}`) },
  );
  const server = await buildServer({
    verifier: createTestTokenVerifier(identity),
    users: createUserDirectory(pool, clock),
    routes: payments.routes,
    rateLimits: { booking: false, webhooks: false },
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    // Enough payments that the run never runs out of fresh events at several times the target.
    const expected = Math.ceil(((phases.warmupMs + phases.measureMs) / 1000) * WEBHOOKS_TARGET_PER_SECOND * 3);
    const paymentCount = Math.ceil(expected / 2);
    log(`webhooks: seeding ${paymentCount} held reservations with Stripe payments`);
    const admin = { principal: { sub: 'bench-admin', email: null, tenantId: TENANT, groups: ['admin'] } };
    for (let i = 0; i < SLOTS; i++) {
      await defineSlot(payments.app, admin, {
        slotId: `wh-${i}`,
        activityId: 'bench',
        startsAt: '2030-01-01T09:00:00.000Z',
        capacity: 100_000,
        unitPrice: { amount: 4500, currency: 'EUR' },
      });
    }
    const intents: string[] = [];
    await runTimed(WEBHOOK_SENDERS, { warmupMs: 0, measureMs: 3_600_000 }, async (worker, iteration) => {
      const n = iteration * WEBHOOK_SENDERS + worker;
      if (n >= paymentCount) throw new Stop();
      const caller = { principal: { sub: `bench-customer-${n}`, email: null, tenantId: TENANT, groups: [] } };
      const held = await holdSeats(
        payments.app,
        caller,
        { tenantId: TENANT, subject: caller.principal.sub, key: `h${n}`, method: 'POST', path: '/v1/reservations', body: n },
        {
          slotId: `wh-${n % SLOTS}`,
          seats: 1,
          customer: { name: 'Bench', email: 'bench@example.com' },
        },
        DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER,
      );
      if (!held.ok) throw new Error(`seeding hold failed: ${held.error.message}`);
      const reservationId = (held.value.response.body as { reservationId: string }).reservationId;
      const started = await startPayment(
        payments.app,
        payments.providers.stripe!,
        caller,
        {
          tenantId: TENANT,
          subject: caller.principal.sub,
          key: `p${n}`,
          method: 'POST',
          path: `/v1/reservations/${reservationId}/payments`,
          body: { provider: 'stripe' },
        },
        { reservationId, method: 'stripe' },
      );
      if (!started.ok) throw new Error(`seeding payment failed: ${started.error.message}`);
      intents.push((started.value.response.body as { providerPaymentId: string }).providerPaymentId);
    }).catch((error: unknown) => {
      if (!(error instanceof Stop)) throw error;
    });

    // Each intent's two events, in order; the senders take them from one queue.
    const fresh: string[] = [];
    for (const pi of intents) fresh.push(stripe.transition(pi, 'processing'));
    for (const pi of intents) fresh.push(stripe.transition(pi, 'succeeded'));
    log(`webhooks: ${WEBHOOK_SENDERS} senders for ${phases.measureMs / 1000} s (+${phases.warmupMs / 1000} s warm-up)`);
    const before = sampleCpu();
    const run = await inSenderProcess({
      url,
      payloads: fresh,
      secret: stripe.webhookSecret,
      senders: WEBHOOK_SENDERS,
      duplicateShare: DUPLICATE_SHARE,
      phases,
    });
    // Per webhook sent (warm-up included, as the CPU window is): the server (this process) and PostgreSQL.
    const cpu = cpuPerOperation(
      before,
      sampleCpu(),
      Object.values(run.statuses).reduce((sum, n) => sum + n, 0),
    );
    const statuses = run.statuses;
    const latency = summarize(run.latencies);
    const perSecond = run.completed / run.seconds;
    // Correctness after the run: each event in the inbox once, and no payment succeeded twice.
    // Counted across tenants, so as the system role: the app's role would see no rows (ADR 0014).
    const counts = await withSystemTransaction(pool, (tx) =>
      tx.one(sql.type(z.object({ inbox: z.number(), doubled: z.number() }))`
      SELECT (SELECT count(*)::int FROM webhook_inbox) AS inbox,
             (SELECT count(*)::int FROM (SELECT stream_id FROM events WHERE type = 'PaymentSucceeded'
                GROUP BY stream_id HAVING count(*) > 1) d) AS doubled`),
    );
    const non200 = Object.entries(statuses).filter(([status]) => status !== '200');
    return [
      {
        name: 'webhooks_stripe_per_second',
        value: Math.round(perSecond),
        unit: 'webhooks/s',
        ...latency,
        senders: WEBHOOK_SENDERS,
        duplicate_share: DUPLICATE_SHARE,
        target: WEBHOOKS_TARGET_PER_SECOND,
        pass: perSecond >= WEBHOOKS_TARGET_PER_SECOND,
        ...cpu,
      },
      { name: 'webhooks_stripe_p99_latency', value: Math.round(latency.p99_ms * 100) / 100, unit: 'ms' },
      { name: 'webhooks_all_acknowledged', ok: non200.length === 0, statuses },
      {
        name: 'webhooks_each_event_applied_once',
        ok: counts.inbox === run.uniqueSent && counts.doubled === 0,
        unique_sent: run.uniqueSent,
        inbox_rows: counts.inbox,
        duplicates_sent: run.duplicatesSent,
        payments_succeeded_twice: counts.doubled,
      },
    ];
  } finally {
    await server.close();
    await commands.end();
    await systemPool.end();
    await pool.end();
    await stripe.close();
    if (!context) await cluster.stop();
  }
}

class Stop extends Error {}

/** Runs the senders in a forked process (through tsx, as the booking bench's load generator). */
function inSenderProcess(job: SenderJob): Promise<SenderResult> {
  const child = fork(fileURLToPath(new URL('./webhookSender.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { ready?: true; result?: SenderResult; error?: string }) => {
      if (message.ready) child.send(job);
      else if (message.result) resolve(message.result);
      else reject(new Error(`webhook senders failed: ${message.error ?? 'unknown'}`));
    });
    child.once('exit', (code) => reject(new Error(`webhook senders exited with ${code}`)));
  });
}
