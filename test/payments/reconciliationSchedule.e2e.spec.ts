import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from './harness.js';

// Reconciliation asks only about payments quiet this long (the periodic job's own setting is shorter).
const QUIET_SECONDS = 600;

/** How many times the ledger asked Stripe about this PaymentIntent (reconciliation's lookups). */
function lookupsOf(h: PaymentsHarness, pi: string): number {
  return h.stripe.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${pi}`).length;
}

/** `count` held reservations, each with an open Stripe payment; their PaymentIntent ids. */
async function openStripePayments(h: PaymentsHarness, count: number): Promise<string[]> {
  const slotId = await h.createSlot(count + 1);
  const pis: string[] = [];
  // A few at a time: the order of creation is the order the test reasons about, in batches.
  for (let start = 0; start < count; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async () => {
        const held = await h.hold(slotId, 1);
        expect(held.status).toBe(201);
        const started = await h.startPayment(held.body.reservationId, 'stripe');
        expect(started.status).toBe(201);
        return { reservationId: held.body.reservationId as string, pi: started.body.providerPaymentId as string };
      }),
    );
    pis.push(...batch.map((b) => b.pi));
  }
  return pis;
}

describe('each open payment is asked about on its own backoff', () => {
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPaymentsHarness({ jobWorker: false, holdMaxSeatsPerCustomer: 1000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('asks again 5 min after the first check, then 10 min after the second, never in between', async () => {
    const [pi] = await openStripePayments(h, 1);
    if (!pi) throw new Error('no payment was started');
    h.ledger.clock.advance(QUIET_SECONDS + 1);
    const asked: number[] = [];
    const run = async (advanceSeconds: number) => {
      h.ledger.clock.advance(advanceSeconds);
      await h.payments.reconcile({ olderThanSeconds: QUIET_SECONDS });
      asked.push(lookupsOf(h, pi));
    };
    await run(0); // first check
    await run(240); // 4 min later: not due
    await run(60); // 5 min after the first: due
    await run(300); // 5 min after the second: not due (10 min now)
    await run(300); // 10 min after the second: due
    expect(asked).toEqual([1, 1, 2, 2, 3]);
    expect(h.errors).toEqual([]);
  });
});

describe('two reconciliation runs at once', () => {
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPaymentsHarness({ jobWorker: false, holdMaxSeatsPerCustomer: 1000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('ask about each payment once between them', async () => {
    const pis = await openStripePayments(h, 30);
    h.ledger.clock.advance(QUIET_SECONDS + 1);
    const [a, b] = await Promise.all([
      h.payments.reconcile({ olderThanSeconds: QUIET_SECONDS }),
      h.payments.reconcile({ olderThanSeconds: QUIET_SECONDS }),
    ]);
    expect(pis.map((pi) => lookupsOf(h, pi))).toEqual(pis.map(() => 1));
    expect(a.checked + b.checked).toBe(30);
    expect(a.failed + b.failed).toBe(0);
  });
});

describe('payments that never change', () => {
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPaymentsHarness({ jobWorker: false, holdMaxSeatsPerCustomer: 1000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('do not starve a newer payment whose success webhook was lost: it is paid within two runs of 200 checks', async () => {
    const abandoned = await openStripePayments(h, 250);
    h.ledger.clock.advance(3600);
    const slotId = await h.createSlot(1);
    const held = await h.hold(slotId, 1);
    const reservationId: string = held.body.reservationId;
    const started = await h.startPayment(reservationId, 'stripe');
    const pi: string = started.body.providerPaymentId;
    h.stripe.transition(pi, 'succeeded'); // the webhook never arrives
    h.ledger.clock.advance(QUIET_SECONDS + 1);

    const reports = [];
    for (let run = 0; run < 3 && (await h.reservation(reservationId)).status !== 'paid'; run += 1) {
      reports.push(await h.payments.reconcile({ olderThanSeconds: QUIET_SECONDS }));
      h.ledger.clock.advance(60); // the periodic job runs every minute
    }
    expect((await h.reservation(reservationId)).status).toBe('paid');
    expect(reports).toHaveLength(2);
    expect(reports.map((r) => r.checked)).toEqual([200, 51]);
    // Every abandoned one was asked about once, none twice, before the backoff's first five minutes.
    expect(new Set(abandoned.map((id) => lookupsOf(h, id)))).toEqual(new Set([1]));
    expect(lookupsOf(h, pi)).toBe(1);
    const exposition = (await h.payments.metrics.render()).text;
    expect(exposition).toContain('ledger_payment_reconciliations_total{outcome="applied"} 1\n');
    expect(exposition).toContain('ledger_payment_reconciliations_total{outcome="unchanged"} 250\n');
    expect(h.errors).toEqual([]);
  }, 120_000);
});
