import { createHmac, randomUUID } from 'node:crypto';
import { type FakeRequest, type FakeResponse, startJsonServer } from './http.js';

/**
 * A Mercado Pago double speaking its wire format: JSON with `Authorization: Bearer <token>` and
 * `X-Idempotency-Key` on writes, decimal major-unit amounts, notifications signed as Mercado Pago
 * signs them (`x-signature: ts=…,v1=…` over the manifest). Checkout Pro preferences, payments (Pix
 * included), search by external_reference, refunds.
 */
export const MP_TEST_ACCESS_TOKEN = 'TEST-ledger-token';
export const MP_TEST_WEBHOOK_SECRET = 'mp_test_secret';

export type MpPayment = {
  id: number;
  status: string;
  status_detail: string;
  transaction_amount: number;
  transaction_amount_refunded: number;
  currency_id: string;
  payment_method_id: string;
  external_reference: string | null;
  metadata: Record<string, unknown>;
  date_created: string;
  date_last_updated: string;
  point_of_interaction?: { transaction_data: { qr_code: string; qr_code_base64: string } };
  /** Pix: when the QR code stops being payable (Mercado Pago then cancels the payment). */
  date_of_expiration?: string;
};
type MpPreference = {
  id: string;
  init_point: string;
  external_reference: string;
  metadata: Record<string, unknown>;
  items: { unit_price: number; currency_id?: string }[];
  expires?: boolean;
  expiration_date_to?: string;
  back_urls?: { success?: string; failure?: string; pending?: string };
  auto_return?: string;
};

export function signMercadoPago(dataId: string, requestId: string, at: Date, secret = MP_TEST_WEBHOOK_SECRET): string {
  const ts = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`id:${dataId};request-id:${requestId};ts:${ts};`).digest('hex');
  return `ts=${ts},v1=${v1}`;
}

export type FakeMercadoPago = Awaited<ReturnType<typeof startFakeMercadoPago>>;

export async function startFakeMercadoPago(options: { currency?: string } = {}) {
  const currency = options.currency ?? 'BRL';
  const payments = new Map<number, MpPayment>();
  const preferences = new Map<string, MpPreference>();
  const idempotent = new Map<string, FakeResponse>();
  const requests: { method: string; path: string; idempotencyKey?: string; body: unknown }[] = [];
  let nextId = 1_000_000;
  let clockMs = Date.parse('2026-01-01T00:00:00.000Z');
  const stamp = () => new Date((clockMs += 1000)).toISOString().replace('Z', '-00:00');
  let failures = 0;
  /** Answers given instead of Mercado Pago's own, first to last (a 429 with Retry-After, a refusal). */
  const injected: FakeResponse[] = [];

  function newPayment(body: Record<string, unknown>): MpPayment {
    const now = stamp();
    const payment: MpPayment = {
      id: nextId++,
      status: 'pending',
      status_detail: 'pending_waiting_transfer',
      transaction_amount: Number(body['transaction_amount']),
      transaction_amount_refunded: 0,
      currency_id: currency,
      payment_method_id: typeof body['payment_method_id'] === 'string' ? body['payment_method_id'] : 'account_money',
      external_reference: typeof body['external_reference'] === 'string' ? body['external_reference'] : null,
      metadata: (body['metadata'] ?? {}) as Record<string, unknown>,
      date_created: now,
      date_last_updated: now,
      ...(typeof body['date_of_expiration'] === 'string' ? { date_of_expiration: body['date_of_expiration'] } : {}),
    };
    if (payment.payment_method_id === 'pix') {
      payment.point_of_interaction = {
        transaction_data: { qr_code: `00020126580014br.gov.bcb.pix0136${payment.id}`, qr_code_base64: 'iVBORw0KGgo=' },
      };
    }
    payments.set(payment.id, payment);
    return payment;
  }

  function route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${MP_TEST_ACCESS_TOKEN}`)
      return { status: 401, body: { message: 'invalid access token', status: 401 } };
    const body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
    const key = request.headers['x-idempotency-key'];
    requests.push({ method: request.method, path: request.path, ...(typeof key === 'string' ? { idempotencyKey: key } : {}), body });
    if (failures > 0) {
      failures -= 1;
      return { status: 500, body: { message: 'injected failure', status: 500 } };
    }
    const next = injected.shift();
    if (next) return next;
    if (request.method === 'POST') {
      if (typeof key !== 'string') return { status: 400, body: { message: 'X-Idempotency-Key required' } };
      const seen = idempotent.get(`${request.path}\u0000${key}`);
      if (seen) return seen;
    }
    let response: FakeResponse;
    const paymentPath = /^\/v1\/payments\/(\d+)$/.exec(request.path);
    const refundPath = /^\/v1\/payments\/(\d+)\/refunds$/.exec(request.path);
    if (request.method === 'POST' && request.path === '/v1/payments') {
      response = { status: 201, body: newPayment(body) };
    } else if (request.method === 'POST' && /^\/checkout\/preferences\/?$/.test(request.path)) {
      const prefId = `pref-${randomUUID()}`;
      const preference: MpPreference = {
        id: prefId,
        init_point: `https://www.mercadopago.com.br/checkout/v1/redirect?pref_id=${prefId}`,
        external_reference: String(body['external_reference']),
        metadata: (body['metadata'] ?? {}) as Record<string, unknown>,
        items: body['items'] as MpPreference['items'],
        ...(typeof body['expires'] === 'boolean' ? { expires: body['expires'] } : {}),
        ...(typeof body['expiration_date_to'] === 'string' ? { expiration_date_to: body['expiration_date_to'] } : {}),
        ...(body['back_urls'] ? { back_urls: body['back_urls'] } : {}),
        ...(typeof body['auto_return'] === 'string' ? { auto_return: body['auto_return'] } : {}),
      };
      // Mercado Pago refuses auto_return without a success back_url.
      if (preference.auto_return && !preference.back_urls?.success) {
        return { status: 400, body: { message: 'auto_return invalid. back_url.success must be defined', status: 400 } };
      }
      preferences.set(prefId, preference);
      response = { status: 201, body: preference };
    } else if (request.method === 'PUT' && /^\/checkout\/preferences\/[^/]+$/.test(request.path)) {
      const preference = preferences.get(request.path.slice('/checkout/preferences/'.length));
      if (!preference) return { status: 404, body: { message: 'preference not found', status: 404 } };
      if (typeof body['expires'] === 'boolean') preference.expires = body['expires'];
      if (typeof body['expiration_date_to'] === 'string') preference.expiration_date_to = body['expiration_date_to'];
      response = { status: 200, body: preference };
    } else if (request.method === 'GET' && request.path === '/v1/payments/search') {
      const reference = request.query.get('external_reference');
      const results = [...payments.values()].filter((p) => p.external_reference === reference).reverse();
      response = { status: 200, body: { results, paging: { total: results.length, limit: 30, offset: 0 } } };
    } else if (request.method === 'GET' && paymentPath?.[1]) {
      const payment = payments.get(Number(paymentPath[1]));
      response = payment ? { status: 200, body: payment } : { status: 404, body: { message: 'Payment not found', status: 404 } };
    } else if (request.method === 'PUT' && paymentPath?.[1]) {
      // PUT /v1/payments/{id} {"status":"cancelled"}: only a payment not yet approved or rejected can be cancelled.
      const payment = payments.get(Number(paymentPath[1]));
      if (!payment) return { status: 404, body: { message: 'Payment not found', status: 404 } };
      if (body['status'] !== 'cancelled') return { status: 400, body: { message: 'only status cancelled can be set', status: 400 } };
      if (!['pending', 'in_process', 'authorized'].includes(payment.status)) {
        return { status: 400, body: { message: `Payment in status ${payment.status} cannot be cancelled`, status: 400 } };
      }
      payment.status = 'cancelled';
      payment.status_detail = 'by_collector';
      payment.date_last_updated = stamp();
      response = { status: 200, body: payment };
    } else if (request.method === 'POST' && refundPath?.[1]) {
      const payment = payments.get(Number(refundPath[1]));
      if (payment?.status !== 'approved') return { status: 400, body: { message: 'Payment not refundable', status: 400 } };
      const amount = typeof body['amount'] === 'number' ? body['amount'] : payment.transaction_amount;
      payment.transaction_amount_refunded = amount;
      payment.status = 'refunded';
      payment.status_detail = 'refunded';
      payment.date_last_updated = stamp();
      response = { status: 201, body: { id: nextId++, payment_id: payment.id, amount, status: 'approved' } };
    } else {
      return { status: 404, body: { message: `no route ${request.method} ${request.path}` } };
    }
    if (request.method === 'POST' && typeof key === 'string') idempotent.set(`${request.path}\u0000${key}`, response);
    return response;
  }

  const server = await startJsonServer(route);

  return {
    url: server.url,
    accessToken: MP_TEST_ACCESS_TOKEN,
    webhookSecret: MP_TEST_WEBHOOK_SECRET,
    payments,
    preferences,
    requests,
    /** The buyer completes Checkout Pro: Mercado Pago creates a payment carrying the preference's reference. */
    payPreference(checkoutUrl: string, status = 'approved'): MpPayment {
      const prefId = new URL(checkoutUrl).searchParams.get('pref_id') ?? '';
      const preference = preferences.get(prefId);
      if (!preference) throw new Error(`no preference ${prefId}`);
      const payment = newPayment({
        transaction_amount: preference.items[0]?.unit_price,
        external_reference: preference.external_reference,
        metadata: preference.metadata,
        payment_method_id: 'visa',
      });
      payment.status = status;
      payment.status_detail = status === 'approved' ? 'accredited' : status;
      return payment;
    },
    setStatus(id: number, status: string, changes: Partial<MpPayment> = {}): MpPayment {
      const payment = payments.get(id);
      if (!payment) throw new Error(`no payment ${id}`);
      Object.assign(payment, {
        status,
        status_detail: status === 'approved' ? 'accredited' : status,
        ...changes,
        date_last_updated: stamp(),
      });
      return payment;
    },
    /** A signed `payment` notification, as Mercado Pago posts it. */
    notification(dataId: string | number, at: Date) {
      const requestId = randomUUID();
      const idText = String(dataId);
      return {
        path: `/webhooks/mercadopago?data.id=${encodeURIComponent(idText)}&type=payment`,
        headers: { 'x-signature': signMercadoPago(idText, requestId, at), 'x-request-id': requestId, 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'payment.updated',
          api_version: 'v1',
          data: { id: idText },
          date_created: new Date(at).toISOString(),
          id: Date.now(),
          live_mode: false,
          type: 'payment',
          user_id: '123',
        }),
      };
    },
    /** The next requests get these answers, one each, before Mercado Pago carries out any. */
    answerNext(...responses: FakeResponse[]) {
      injected.push(...responses);
    },
    /** The next n requests get a 500 (Infinity: until `failNext(0)`). */
    failNext(n: number) {
      failures = n;
    },
    refundRequests: () => requests.filter((r) => r.path.endsWith('/refunds')),
    cancelRequests: () => requests.filter((r) => r.method === 'PUT' && /^\/v1\/payments\/\d+$/.test(r.path)),
    close: server.close,
  };
}
