import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { majorToMinor, minorToMajor, normalizeMercadoPagoPayment, verifyMercadoPagoSignature } from '../../src/payments/mercadopago.js';
import { normalizeStripeEvent, verifyStripeSignature } from '../../src/payments/stripe.js';

describe('Stripe signature (known vector)', () => {
  const secret = 'whsec_test_secret';
  const payload = '{"id":"evt_test_001","object":"event","type":"payment_intent.succeeded"}';
  const v1 = 'b9502457ce2b556a5e85dc36aee7de9142cb8976df28d1e1e07b4a4db02fa6e9';
  const at = new Date(1_700_000_000 * 1000);
  const check = (body: string, header: string | undefined, now = at) => verifyStripeSignature(Buffer.from(body), header, secret, now);

  it('accepts the vector', () => {
    expect(check(payload, `t=1700000000,v1=${v1}`).ok).toBe(true);
  });
  it('accepts a header with an old and a new v1, in either order, and ignores v0', () => {
    expect(check(payload, `t=1700000000,v1=${'a'.repeat(64)},v1=${v1}`).ok).toBe(true);
    expect(check(payload, `t=1700000000,v1=${v1},v1=${'a'.repeat(64)},v0=${'b'.repeat(64)}`).ok).toBe(true);
  });
  it('refuses one trailing space in the body', () => {
    expect(check(`${payload} `, `t=1700000000,v1=${v1}`).ok).toBe(false);
  });
  it('refuses uppercase hex', () => {
    expect(check(payload, `t=1700000000,v1=${v1.toUpperCase()}`).ok).toBe(false);
  });
  it('refuses a v0-only header', () => {
    expect(check(payload, `t=1700000000,v0=${v1}`).ok).toBe(false);
  });
  it('refuses t older than 300 s, accepts exactly 300 s', () => {
    expect(check(payload, `t=1700000000,v1=${v1}`, new Date((1_700_000_000 + 301) * 1000)).ok).toBe(false);
    expect(check(payload, `t=1700000000,v1=${v1}`, new Date((1_700_000_000 + 300) * 1000)).ok).toBe(true);
  });
  it('refuses a missing header, a missing t, a truncated digest, another secret', () => {
    expect(check(payload, undefined).ok).toBe(false);
    expect(check(payload, `v1=${v1}`).ok).toBe(false);
    expect(check(payload, `t=1700000000,v1=${v1.slice(0, 63)}`).ok).toBe(false);
    expect(verifyStripeSignature(Buffer.from(payload), `t=1700000000,v1=${v1}`, 'whsec_other', at).ok).toBe(false);
  });
  it('is checked by the Stripe SDK, whose refusal becomes ours with its reason', () => {
    const constructEvent = vi.spyOn(Stripe.webhooks, 'constructEvent');
    try {
      expect(check(payload, `t=1700000000,v1=${v1}`, new Date((1_700_000_000 + 301) * 1000))).toEqual({
        ok: false,
        reason: 'Timestamp outside the tolerance zone',
      });
      expect(constructEvent).toHaveBeenCalledWith(
        Buffer.from(payload),
        `t=1700000000,v1=${v1}`,
        secret,
        300,
        undefined,
        (1_700_000_000 + 301) * 1000,
      );
    } finally {
      constructEvent.mockRestore();
    }
  });
  it('refuses t more than 300 s ahead of the clock, accepts exactly 300 s', () => {
    expect(check(payload, `t=1700000000,v1=${v1}`, new Date((1_700_000_000 - 301) * 1000)).ok).toBe(false);
    expect(check(payload, `t=1700000000,v1=${v1}`, new Date((1_700_000_000 - 300) * 1000)).ok).toBe(true);
  });
  it('accepts a signed body that is not JSON (the route answers it as an invalid request)', () => {
    const body = 'not json';
    const signature = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(check(body, `t=1700000000,v1=${signature}`).ok).toBe(true);
    expect(check(body, `t=1700000000,v1=${v1}`).ok).toBe(false);
  });
});

describe('Mercado Pago signature (known vector)', () => {
  const secret = 'mp_test_secret';
  const requestId = 'bb56a2f1-6aae-46ac-982e-9dcd3581d08e';
  const v1 = '474ae9939f08da6cdbd7cb53dcf7f93a00c637d768fa944637ee8b1eacbbd12f';
  const at = new Date(1_704_908_010 * 1000);
  const check = (input: { dataId?: string; requestId?: string; signature?: string }, now = at) =>
    verifyMercadoPagoSignature({ dataId: input.dataId, requestId: input.requestId, signature: input.signature }, secret, now);

  it('accepts the vector, with ts in seconds or milliseconds', () => {
    expect(check({ dataId: '123456', requestId, signature: `ts=1704908010,v1=${v1}` }).ok).toBe(true);
    expect(check({ dataId: '123456', requestId, signature: ` ts=1704908010 , v1=${v1} ` }).ok).toBe(true);
  });
  it('accepts data.id as received or lowercased', async () => {
    const { createHmac } = await import('node:crypto');
    const lower = createHmac('sha256', secret).update(`id:abc123;request-id:${requestId};ts:1704908010;`).digest('hex');
    expect(check({ dataId: 'ABC123', requestId, signature: `ts=1704908010,v1=${lower}` }).ok).toBe(true);
    const ms = createHmac('sha256', secret).update(`id:123456;request-id:${requestId};ts:1704908010000;`).digest('hex');
    expect(check({ dataId: '123456', requestId, signature: `ts=1704908010000,v1=${ms}` }).ok).toBe(true);
    const noRequestId = createHmac('sha256', secret).update('id:123456;ts:1704908010;').digest('hex');
    expect(check({ dataId: '123456', signature: `ts=1704908010,v1=${noRequestId}` }).ok).toBe(true);
  });
  it('refuses a changed id, request id, stale ts, or missing header', () => {
    expect(check({ dataId: '123457', requestId, signature: `ts=1704908010,v1=${v1}` }).ok).toBe(false);
    expect(check({ dataId: '123456', requestId: 'x', signature: `ts=1704908010,v1=${v1}` }).ok).toBe(false);
    expect(check({ dataId: '123456', requestId, signature: `ts=1704908010,v1=${v1}` }, new Date((1_704_908_010 + 301) * 1000)).ok).toBe(
      false,
    );
    expect(check({ dataId: '123456', requestId }).ok).toBe(false);
    expect(check({ dataId: '123456', requestId, signature: `ts=1704908010,v1=${v1.toUpperCase()}` }).ok).toBe(false);
  });
});

describe('Mercado Pago money', () => {
  it('converts decimal major units to minor units without float drift', () => {
    expect(majorToMinor(45.5, 'BRL')).toEqual({ amount: 4550, currency: 'BRL' });
    expect(majorToMinor(0.29, 'BRL')).toEqual({ amount: 29, currency: 'BRL' });
    expect(majorToMinor(1.1, 'BRL')).toEqual({ amount: 110, currency: 'BRL' });
    expect(majorToMinor(19990, 'CLP')).toEqual({ amount: 19990, currency: 'CLP' });
    expect(majorToMinor(1.005, 'BRL')).toBeUndefined();
    expect(majorToMinor(-1, 'BRL')).toBeUndefined();
    expect(majorToMinor('45.5', 'BRL')).toBeUndefined();
  });
  it('round-trips every amount up to 10^7 cents', () => {
    for (let cents = 0; cents < 10_000_000; cents += 997) {
      expect(majorToMinor(minorToMajor({ amount: cents, currency: 'BRL' }), 'BRL')).toEqual({ amount: cents, currency: 'BRL' });
    }
  });
});

describe('normalising provider news (contract mapping table)', () => {
  const intent = (extra: object) => ({
    id: 'pi_1',
    object: 'payment_intent',
    amount: 4500,
    amount_received: 4500,
    currency: 'eur',
    metadata: { payment_id: 'p', tenant_id: 't' },
    ...extra,
  });
  const stripe = (type: string, object: object) => normalizeStripeEvent({ id: 'evt_1', type, data: { object } });
  it('maps Stripe events', () => {
    expect(stripe('payment_intent.processing', intent({}))).toMatchObject({
      signal: 'processing',
      paymentId: 'p',
      tenantId: 't',
      providerPaymentId: 'pi_1',
    });
    expect(stripe('payment_intent.succeeded', intent({}))).toMatchObject({
      signal: 'succeeded',
      amount: { amount: 4500, currency: 'EUR' },
    });
    expect(stripe('payment_intent.payment_failed', intent({ last_payment_error: { message: 'declined' } }))).toMatchObject({
      signal: 'declined',
      reason: 'declined',
    });
    expect(stripe('payment_intent.canceled', intent({}))).toMatchObject({ signal: 'cancelled' });
    expect(stripe('charge.refunded', { id: 'ch_1', amount_refunded: 4500, currency: 'eur', payment_intent: 'pi_1' })).toMatchObject({
      signal: 'refunded',
      providerPaymentId: 'pi_1',
      amount: { amount: 4500 },
    });
    expect(stripe('payment_intent.created', intent({}))).toMatchObject({ kind: 'ignored' });
  });
  it('maps Mercado Pago statuses', () => {
    const mp = (status: string) =>
      normalizeMercadoPagoPayment({
        id: 77,
        status,
        transaction_amount: 45.5,
        currency_id: 'BRL',
        date_last_updated: 'd',
        external_reference: 'p',
      });
    const expected: Record<string, string> = {
      pending: 'processing',
      in_process: 'processing',
      authorized: 'processing',
      approved: 'succeeded',
      rejected: 'failed',
      cancelled: 'cancelled',
      refunded: 'refunded',
      in_mediation: 'disputed',
      charged_back: 'disputed',
    };
    for (const [status, signal] of Object.entries(expected))
      expect(mp(status)).toMatchObject({ kind: 'signal', signal, eventId: `77:${status}:d` });
    expect(mp('approved')).toMatchObject({ amount: { amount: 4550, currency: 'BRL' }, paymentId: 'p', providerPaymentId: '77' });
  });
});
