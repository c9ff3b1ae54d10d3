import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';

// Issue 13, finding 1: a flood of unsigned webhooks used up the per-provider allowance that genuine,
// signed deliveries shared, and a real payment was refused (429) and never confirmed. Only failed
// signatures are counted now, per client address, and only after the signature was checked.
const FAILED_SIGNATURES_ALLOWED = 5;

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ rateLimits: { booking: false, webhooks: { max: FAILED_SIGNATURES_ALLOWED, timeWindowMs: 60_000 } } });
});
afterAll(async () => {
  await h.close();
});

describe('a flood of badly signed webhooks', () => {
  it('is refused past its allowance, while a correctly signed delivery from the same address is applied at once', async () => {
    const slotId = await h.createSlot(10);
    const held = await h.hold(slotId, 2);
    const reservationId: string = held.body.reservationId;
    const started = await h.startPayment(reservationId, 'stripe');
    const pi: string = started.body.providerPaymentId;
    const genuine = h.stripe.transition(pi, 'succeeded');

    const forged = async (provider: 'stripe' | 'mercadopago') =>
      provider === 'stripe'
        ? h.deliverStripe(genuine, { header: `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` })
        : h.ledger.call('POST', '/webhooks/mercadopago?data.id=1&type=payment', {
            body: {},
            headers: { 'x-signature': `ts=1,v1=${'0'.repeat(64)}`, 'x-request-id': 'r' },
          });
    const statuses: number[] = [];
    for (let i = 0; i < FAILED_SIGNATURES_ALLOWED * 4; i += 1) statuses.push((await forged(i % 2 === 0 ? 'stripe' : 'mercadopago')).status);
    expect(statuses.slice(0, FAILED_SIGNATURES_ALLOWED)).toEqual(Array(FAILED_SIGNATURES_ALLOWED).fill(400));
    expect(statuses.slice(FAILED_SIGNATURES_ALLOWED)).toEqual(Array(FAILED_SIGNATURES_ALLOWED * 3).fill(429));
    const limited = await forged('stripe');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.reservation(reservationId)).status).toBe('held');

    const sentAt = Date.now();
    const delivered = await h.deliverStripe(genuine);
    expect(delivered.status).toBe(200);
    expect(delivered.body.outcome).toBe('applied');
    expect((await h.reservation(reservationId)).status).toBe('paid');
    expect(Date.now() - sentAt).toBeLessThan(1_000);
  });
});
