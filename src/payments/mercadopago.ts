import {
  MercadoPagoConfig,
  MPConnectionError,
  MPDependencyError,
  MPRateLimitError,
  MPResourceLockedError,
  MPServerError,
  Payment,
  PaymentRefund,
  Preference,
} from 'mercadopago';
import { AppConfig } from 'mercadopago/dist/utils/config/index.js';
import type { PreferenceRequest } from 'mercadopago/dist/clients/preference/commonTypes.js';
import { isStorableJson } from '../db/storableText.js';
import type { Money } from '../domain/money.js';
import type { PaymentSignal } from '../domain/payment.js';
import { hmacSha256Hex, parseSignatureHeader, sameDigest, type SignatureCheck, SIGNATURE_TOLERANCE_SECONDS } from './hmac.js';
import { callWithinBudget, PROVIDER_CALL_BUDGET_MS, type TryFailure } from './boundedCall.js';
import {
  type CancelRequest,
  type CreatedPayment,
  type CreatePaymentRequest,
  ledgerMetadataOf,
  type PaymentLookup,
  type PaymentProvider,
  type ProviderEvent,
  ProviderCallError,
  ProviderPayloadError,
  type RefundRequest,
} from './provider.js';

export type MercadoPagoSettings = {
  readonly accessToken: string;
  readonly apiBase?: string;
  /** All tries of one call together; PROVIDER_CALL_BUDGET_MS unless a test shortens it. */
  readonly callBudgetMs?: number;
  /** FRONTEND_URL: where Checkout Pro sends the customer back (`back_urls`); without it the customer stays on Mercado Pago. */
  readonly frontendUrl?: string;
};

/** Checkout Pro's way back to the booking site: `<FRONTEND_URL>/reservations/<reservationId>?status=…`. */
export function backUrlsOf(frontendUrl: string, reservationId: string) {
  const base = `${frontendUrl.replace(/\/+$/, '')}/reservations/${encodeURIComponent(reservationId)}`;
  return { success: `${base}?status=success`, failure: `${base}?status=failure`, pending: `${base}?status=pending` };
}

/**
 * The SDK's own error types say what may be tried again: a lost connection or timeout, 423 (the
 * idempotency key is busy), 424, 429 (with its Retry-After) and 5xx; any other answer is a refusal.
 */
export function classifyMercadoPagoFailure(error: unknown): TryFailure {
  if (error instanceof MPRateLimitError) {
    return error.retryAfter === null ? { retriable: true } : { retriable: true, retryAfterMs: error.retryAfter * 1000 };
  }
  const retriable =
    error instanceof MPConnectionError ||
    error instanceof MPResourceLockedError ||
    error instanceof MPDependencyError ||
    error instanceof MPServerError;
  return { retriable };
}

/** Digits after the decimal point per ISO 4217 for the currencies Mercado Pago settles in; 2 otherwise. */
const EXPONENT: Readonly<Record<string, number>> = {
  CLP: 0,
  PYG: 0,
  JPY: 0,
  VEF: 2,
  COP: 2,
  BRL: 2,
  ARS: 2,
  MXN: 2,
  PEN: 2,
  UYU: 2,
  USD: 2,
};
export const currencyExponent = (currency: string): number => EXPONENT[currency] ?? 2;

/**
 * Mercado Pago speaks decimal major units (`transaction_amount: 45.5`); we keep integer minor
 * units. The conversion works on the number's shortest decimal text, so 0.29 becomes 29, never
 * 28.999…; an amount with more decimals than the currency has is not money we can hold: undefined.
 */
export function majorToMinor(value: unknown, currency: string): Money | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  const exponent = currencyExponent(currency);
  const text = String(value);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined; // exponent notation: far outside any real price
  const [, whole = '0', fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > exponent) return undefined;
  const amount = Number(whole + fraction.padEnd(exponent, '0').slice(0, exponent));
  return Number.isSafeInteger(amount) ? { amount, currency } : undefined;
}

/** The other way, for the request: an integer divided by a power of ten prints as its exact decimal. */
export function minorToMajor(money: Money): number {
  return money.amount / 10 ** currencyExponent(money.currency);
}

/**
 * Mercado Pago's webhook signature (https://www.mercadopago.com/developers/en/docs/your-integrations/notifications/webhooks):
 * HMAC-SHA256 hex keyed with the secret over `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`, a
 * missing part left out. `data.id` is accepted as received or lowercased (their docs lowercase
 * alphanumeric ids); `ts` is seconds, or milliseconds when above 10^12; 300 s tolerance.
 */
export function verifyMercadoPagoSignature(
  input: { dataId: string | undefined; requestId: string | undefined; signature: string | undefined },
  secret: string,
  now: Date,
): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'missing x-signature header' };
  const parts = parseSignatureHeader(input.signature);
  const ts = parts.filter((p) => p.key === 'ts');
  const v1 = parts.filter((p) => p.key === 'v1').map((p) => p.value);
  const tsText = ts[0]?.value ?? '';
  if (ts.length !== 1 || !/^\d{1,16}$/.test(tsText)) return { ok: false, reason: 'no single numeric ts' };
  if (v1.length === 0) return { ok: false, reason: 'no v1 signature' };
  const tsNumber = Number(tsText);
  const seconds = tsNumber > 1e12 ? tsNumber / 1000 : tsNumber;
  if (Math.abs(now.getTime() / 1000 - seconds) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'timestamp outside tolerance' };
  const manifest = (id: string | undefined) =>
    `${id ? `id:${id};` : ''}${input.requestId ? `request-id:${input.requestId};` : ''}ts:${tsText};`;
  const ids = input.dataId === undefined ? [undefined] : [...new Set([input.dataId, input.dataId.toLowerCase()])];
  let matched = false;
  for (const id of ids) {
    const digest = hmacSha256Hex(secret, manifest(id));
    for (const candidate of v1) matched = sameDigest(digest, candidate) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'no v1 signature matches' };
}

/** The contract's mapping of Mercado Pago payment statuses. */
function signalOf(status: string): PaymentSignal | null {
  switch (status) {
    case 'pending':
    case 'in_process':
    case 'authorized':
      return 'processing';
    case 'approved':
      return 'succeeded';
    case 'rejected':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'refunded':
      return 'refunded';
    case 'in_mediation':
    case 'charged_back':
      return 'disputed';
    default:
      return null;
  }
}

type MpObject = Record<string, unknown>;

/**
 * A Mercado Pago payment as fetched from its API, as a ProviderEvent. Its notification carries
 * only an id, so the dedup key is the payment id with the fetched status and `date_last_updated`:
 * the same state seen twice (two notifications, or a notification and reconciliation) applies once.
 */
export function normalizeMercadoPagoPayment(payment: unknown): ProviderEvent {
  if (typeof payment !== 'object' || payment === null) throw new ProviderPayloadError('mercadopago', 'the payment is not an object');
  if (!isStorableJson(payment))
    throw new ProviderPayloadError('mercadopago', 'the payment holds a NUL character or a lone surrogate, or nests too deep');
  const p = payment as MpObject;
  const id = typeof p['id'] === 'number' || typeof p['id'] === 'string' ? String(p['id']) : undefined;
  const status = typeof p['status'] === 'string' ? p['status'] : undefined;
  if (!id || !status) throw new ProviderPayloadError('mercadopago', 'the payment lacks id or status');
  const updated = typeof p['date_last_updated'] === 'string' ? p['date_last_updated'] : '';
  const eventId = `${id}:${status}:${updated}`;
  const { api_response: _transport, ...payload } = p;
  const signal = signalOf(status);
  if (!signal) return { kind: 'ignored', account: 'mercadopago', eventId, reason: `status ${status} moves no payment`, payload };
  const currency = typeof p['currency_id'] === 'string' ? p['currency_id'].toUpperCase() : undefined;
  const major = signal === 'refunded' ? (p['transaction_amount_refunded'] ?? p['transaction_amount']) : p['transaction_amount'];
  const amount = currency ? majorToMinor(major, currency) : undefined;
  const reference = typeof p['external_reference'] === 'string' ? p['external_reference'] : undefined;
  const metadata = typeof p['metadata'] === 'object' && p['metadata'] !== null ? (p['metadata'] as MpObject) : {};
  const tenantId = typeof metadata['tenant_id'] === 'string' ? metadata['tenant_id'] : undefined;
  const detail = typeof p['status_detail'] === 'string' ? p['status_detail'] : undefined;
  return {
    kind: 'signal',
    account: 'mercadopago',
    eventId,
    signal,
    providerPaymentId: id,
    ...(reference ? { paymentId: reference } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(amount ? { amount } : {}),
    ...(detail && signal !== 'succeeded' ? { reason: detail } : {}),
    payload,
  };
}

/** The preference a Checkout Pro `init_point` names (`…/redirect?pref_id=<id>`). */
export function preferenceIdOf(checkoutUrl: string): string | undefined {
  try {
    return new URL(checkoutUrl).searchParams.get('pref_id') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Checkout Pro preference that no payment came from before its expiration_date_to: nothing can pay
 * it any more, which is what a cancel would have achieved. Keyed by our payment id, so it applies once.
 */
export function preferenceExpired(paymentId: string): ProviderEvent {
  return {
    kind: 'signal',
    account: 'mercadopago',
    eventId: `preference-expired:${paymentId}`,
    signal: 'cancelled',
    paymentId,
    reason: 'the preference expired unpaid',
    payload: { external_reference: paymentId, status: 'expired' },
  };
}

/**
 * The Mercado Pago adapter over the official SDK (Checkout Pro preferences, Pix payments, refunds).
 * The SDK has no per-client base URL: it reads the static `AppConfig.BASE_URL`, so
 * MERCADOPAGO_API_BASE sets that once for the process.
 */
/** The Mercado Pago adapter, which also reads a payment named by a webhook (its notifications carry only the id). */
export type MercadoPagoProvider = PaymentProvider & { readonly fetchPayment: (id: string) => Promise<ProviderEvent> };

export function createMercadoPagoProvider(settings: MercadoPagoSettings): PaymentProvider & {
  readonly fetchPayment: (id: string) => Promise<ProviderEvent>;
} {
  if (settings.apiBase) {
    // Declared readonly in the SDK's types, but a plain static field that RestClient reads on every request.
    (AppConfig as { BASE_URL: string }).BASE_URL = settings.apiBase.replace(/\/+$/, '');
  }
  // A fresh config per call: the SDK's clients merge each call's requestOptions (our idempotency key
  // among them) into the config they were given, so a shared one would leak a key into the next call.
  // The SDK's own retries are off: callWithinBudget retries (429 and Retry-After included) against one deadline.
  const client = (timeout: number, idempotencyKey?: string) =>
    new MercadoPagoConfig({
      accessToken: settings.accessToken,
      options: { timeout, maxRetries: 0, ...(idempotencyKey ? { idempotencyKey } : {}) },
    });
  const budgetMs = settings.callBudgetMs ?? PROVIDER_CALL_BUDGET_MS;
  const call = <T>(operation: string, work: (timeout: number) => Promise<T>) =>
    callWithinBudget({ account: 'mercadopago', operation, budgetMs, classify: classifyMercadoPagoFailure }, work);
  const fetchPayment = async (id: string) => {
    const payment = await call('payment.get', (timeout) => new Payment(client(timeout)).get({ id }));
    return normalizeMercadoPagoPayment(payment);
  };
  /** The payment as Mercado Pago has it now: by its id, or (Checkout Pro) the latest one carrying our id as external_reference. */
  const latestPaymentOf = async (lookup: PaymentLookup): Promise<unknown> => {
    if (lookup.providerPaymentId) {
      const id = lookup.providerPaymentId;
      return call('payment.get', (timeout) => new Payment(client(timeout)).get({ id }));
    }
    const found = await call('payment.search', (timeout) =>
      new Payment(client(timeout)).search({
        options: { external_reference: lookup.paymentId, sort: 'date_last_updated', criteria: 'desc' },
      }),
    );
    return found.results?.[0];
  };
  return {
    account: 'mercadopago',
    fetchPayment,
    async createPayment(request: CreatePaymentRequest): Promise<CreatedPayment> {
      const metadata = ledgerMetadataOf(request);
      const amount = minorToMajor(request.amount);
      if (request.method === 'pix') {
        const payment = await call('payment.create', (timeout) =>
          new Payment(client(timeout, request.idempotencyKey)).create({
            body: {
              transaction_amount: amount,
              description: request.description,
              payment_method_id: 'pix',
              ...(request.payerEmail === undefined ? {} : { payer: { email: request.payerEmail } }),
              external_reference: request.paymentId,
              metadata,
              // The QR code stops working when the hold stops waiting for it, so nobody pays for a released seat.
              date_of_expiration: request.expiresAt,
            },
            requestOptions: { idempotencyKey: request.idempotencyKey },
          }),
        );
        const qr = payment.point_of_interaction?.transaction_data?.qr_code;
        if (payment.id === undefined) throw new ProviderPayloadError('mercadopago', 'the Pix payment has no id');
        return { providerPaymentId: String(payment.id), ...(qr ? { pixQrCode: qr } : {}) };
      }
      const preference = await call('preference.create', (timeout) =>
        new Preference(client(timeout, request.idempotencyKey)).create({
          body: {
            items: [
              {
                id: request.reservationId,
                title: request.description,
                quantity: 1,
                unit_price: amount,
                currency_id: request.amount.currency,
              },
            ],
            ...(request.payerEmail === undefined ? {} : { payer: { email: request.payerEmail } }),
            external_reference: request.paymentId,
            metadata,
            expires: true,
            expiration_date_to: request.expiresAt,
            ...(settings.frontendUrl
              ? { back_urls: backUrlsOf(settings.frontendUrl, request.reservationId), auto_return: 'approved' }
              : {}),
          },
          requestOptions: { idempotencyKey: request.idempotencyKey },
        }),
      );
      if (!preference.init_point) throw new ProviderPayloadError('mercadopago', 'the preference has no init_point');
      // The preference is not a payment: Mercado Pago's payment id is learned from the first notification.
      return { checkoutUrl: preference.init_point };
    },
    async refundPayment(request: RefundRequest) {
      const refund = await call('paymentRefund.create', (timeout) =>
        new PaymentRefund(client(timeout, request.idempotencyKey)).create({
          payment_id: request.providerPaymentId,
          body: { amount: minorToMajor(request.amount) },
          requestOptions: { idempotencyKey: request.idempotencyKey },
        }),
      );
      return { refundId: String(refund.id ?? '') };
    },
    lookupPayment: async (lookup: PaymentLookup) => {
      const latest = await latestPaymentOf(lookup);
      return latest ? normalizeMercadoPagoPayment(latest) : null;
    },
    async cancelPayment(request: CancelRequest) {
      let latest = await latestPaymentOf(request);
      const preferenceId = request.checkoutUrl ? preferenceIdOf(request.checkoutUrl) : undefined;
      if (!latest && preferenceId) {
        // No payment came from the preference: make it expire now (it was created to expire then, but
        // our clock and theirs may differ), then look again for a payment made in between.
        await call('preference.update', (timeout) =>
          new Preference(client(timeout, request.idempotencyKey)).update({
            id: preferenceId,
            // The API takes a partial update; the SDK's type asks for the items of a whole new preference.
            updatePreferenceRequest: { expires: true, expiration_date_to: request.now } as PreferenceRequest,
            requestOptions: { idempotencyKey: request.idempotencyKey },
          }),
        );
        latest = await latestPaymentOf(request);
      }
      if (!latest) return preferenceExpired(request.paymentId);
      const current = normalizeMercadoPagoPayment(latest);
      // Only pending and in-process payments can be cancelled (PUT status cancelled); any other state is the answer.
      if (current.kind !== 'signal' || current.signal !== 'processing') return current;
      const id = String((latest as MpObject)['id']);
      try {
        const cancelled = await call('payment.cancel', (timeout) =>
          new Payment(client(timeout, request.idempotencyKey)).cancel({ id, requestOptions: { idempotencyKey: request.idempotencyKey } }),
        );
        return normalizeMercadoPagoPayment(cancelled);
      } catch (error) {
        // Refused: it was approved (or rejected) between our read and the cancel; what it is now decides.
        if (error instanceof ProviderCallError && error.failure === 'refused') return fetchPayment(id);
        throw error;
      }
    },
  };
}
