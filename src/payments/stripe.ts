import Stripe from 'stripe';
import { isStorableJson } from '../db/storableText.js';
import type { Money } from '../domain/money.js';
import { parseSignatureHeader, type SignatureCheck, SIGNATURE_TOLERANCE_SECONDS } from './hmac.js';
import { callWithinBudget, PROVIDER_CALL_BUDGET_MS, retryAfterMs, type TryFailure } from './boundedCall.js';
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

export type StripeSettings = {
  readonly secretKey: string;
  readonly apiBase?: string;
  /** All tries of one call together; PROVIDER_CALL_BUDGET_MS unless a test shortens it. */
  readonly callBudgetMs?: number;
};

/**
 * Stripe asks for a retry with 409 (another request with this idempotency key is in progress), 429
 * and 5xx, and a lost connection or timeout may be retried under the same idempotency key
 * (https://docs.stripe.com/error-low-level#idempotency); any other answer is its refusal.
 */
export function classifyStripeFailure(error: unknown): TryFailure {
  if (error instanceof Stripe.errors.StripeConnectionError) return { retriable: true };
  if (!(error instanceof Stripe.errors.StripeError)) return { retriable: false };
  const status = error.statusCode;
  if (status === undefined) return { retriable: false };
  if (status === 409 || status === 429 || status >= 500) {
    const after = retryAfterMs(error.headers?.['retry-after']);
    return after === undefined ? { retriable: true } : { retriable: true, retryAfterMs: after };
  }
  return { retriable: false };
}

/** The first line of the SDK's refusal (the rest is advice on raw bodies and a link), for the log. */
const firstLine = (message: string) => (message.split('\n')[0] ?? '').trim();

/**
 * Stripe's webhook signature, checked by the Stripe SDK itself (`Stripe.webhooks.constructEvent`,
 * https://docs.stripe.com/webhooks#verify-events): HMAC-SHA256 of `<t>.<raw body>` keyed with the
 * endpoint secret, in any one of the header's `v1` entries (two while a secret is being rolled);
 * `v0` and other schemes are ignored, and a `t` more than 300 s before `now` is refused, so a
 * captured request cannot be replayed later. The SDK's `StripeSignatureVerificationError` is our
 * refusal (`ok: false`, the route's 400 invalid_signature); any other error is a bug and is thrown.
 *
 * The SDK accepts a `t` in the future however far; a `t` more than 300 s ahead of `now` is
 * refused here as before (Stripe signs with its clock at sending).
 */
export function verifyStripeSignature(rawBody: Buffer, header: string | undefined, secret: string, now: Date): SignatureCheck {
  if (header !== undefined && hasEmptyV1(header)) return { ok: false, reason: 'a v1 signature is empty' };
  try {
    Stripe.webhooks.constructEvent(rawBody, header ?? '', secret, SIGNATURE_TOLERANCE_SECONDS, undefined, now.getTime());
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return { ok: false, reason: firstLine(error.message) };
    // constructEvent parses the body only once its signature has verified: a signed body that is
    // not JSON is the sender's bug, which the route answers as an invalid request, not a bad signature.
    if (!(error instanceof SyntaxError)) throw error;
  }
  const ahead = parseSignatureHeader(header ?? '').some(
    (part) => part.key === 't' && Number(part.value) - now.getTime() / 1000 > SIGNATURE_TOLERANCE_SECONDS,
  );
  return ahead ? { ok: false, reason: 'timestamp more than 300 s ahead' } : { ok: true };
}

/**
 * Whether the header has a `v1` entry the SDK reads as empty (`v1=`, `v1`, `v1==…`: it takes the
 * text between the first and second `=`). The SDK compares every `v1` and throws a plain Error,
 * not its verification error, on an empty one; such a header is a bad signature, never a 500.
 */
function hasEmptyV1(header: string): boolean {
  return header.split(',').some((item) => {
    const [scheme, signature] = item.split('=');
    return scheme === 'v1' && !signature;
  });
}

type StripeObject = Record<string, unknown>;

const str = (o: StripeObject, key: string): string | undefined => (typeof o[key] === 'string' ? o[key] : undefined);
const int = (o: StripeObject, key: string): number | undefined =>
  typeof o[key] === 'number' && Number.isSafeInteger(o[key]) ? o[key] : undefined;
const obj = (o: StripeObject, key: string): StripeObject | undefined =>
  typeof o[key] === 'object' && o[key] !== null && !Array.isArray(o[key]) ? (o[key] as StripeObject) : undefined;

/** Stripe amounts are already integer minor units (zero-decimal currencies included); only the code's case differs. */
function moneyOf(amount: number | undefined, currency: string | undefined): Money | undefined {
  if (amount === undefined || currency === undefined) return undefined;
  return { amount, currency: currency.toUpperCase() };
}

function ourIds(o: StripeObject): { paymentId?: string; tenantId?: string } {
  const metadata = obj(o, 'metadata') ?? {};
  const paymentId = str(metadata, 'payment_id');
  const tenantId = str(metadata, 'tenant_id');
  return { ...(paymentId ? { paymentId } : {}), ...(tenantId ? { tenantId } : {}) };
}

/** The contract's mapping of a PaymentIntent's event to our signal; null for intents states that change nothing. */
function intentSignal(
  type: string,
  intent: StripeObject,
): Pick<Extract<ProviderEvent, { kind: 'signal' }>, 'signal' | 'amount' | 'reason'> | null {
  const currency = str(intent, 'currency');
  switch (type) {
    case 'payment_intent.processing':
      return { signal: 'processing' };
    case 'payment_intent.succeeded': {
      const amount = moneyOf(int(intent, 'amount_received') ?? int(intent, 'amount'), currency);
      return { signal: 'succeeded', ...(amount ? { amount } : {}) };
    }
    case 'payment_intent.payment_failed': {
      // Stripe puts the intent back to requires_payment_method: the customer may retry it, so it is a decline, not an end.
      const error = obj(intent, 'last_payment_error');
      const reason = (error && (str(error, 'message') ?? str(error, 'code'))) ?? 'the payment was declined';
      return { signal: 'declined', reason };
    }
    case 'payment_intent.canceled': {
      const reason = str(intent, 'cancellation_reason');
      return { signal: 'cancelled', ...(reason ? { reason } : {}) };
    }
    default:
      return null;
  }
}

/**
 * Turns a verified Stripe event into a ProviderEvent (mapping table of API.md). The event id
 * `evt_…` is the dedup key; our ids come from the metadata we put on the PaymentIntent.
 */
export function normalizeStripeEvent(event: unknown): ProviderEvent {
  if (typeof event !== 'object' || event === null) throw new ProviderPayloadError('stripe', 'the event is not an object');
  // The event is kept as it came (the inbox's jsonb): text PostgreSQL cannot store is the sender's error, a 400.
  if (!isStorableJson(event))
    throw new ProviderPayloadError('stripe', 'the event holds a NUL character or a lone surrogate, or nests too deep');
  const e = event as StripeObject;
  const id = str(e, 'id');
  const type = str(e, 'type');
  const object = obj(obj(e, 'data') ?? {}, 'object');
  if (!id || !type || !object) throw new ProviderPayloadError('stripe', 'the event lacks id, type or data.object');
  const base = { account: 'stripe' as const, eventId: id, payload: event };
  if (type.startsWith('payment_intent.')) {
    const mapped = intentSignal(type, object);
    if (!mapped) return { kind: 'ignored', ...base, reason: `${type} moves no payment` };
    const providerPaymentId = str(object, 'id');
    return { kind: 'signal', ...base, ...mapped, ...ourIds(object), ...(providerPaymentId ? { providerPaymentId } : {}) };
  }
  if (type === 'charge.refunded') {
    // Only a full refund ends the payment; a partial one reaches the decider with its amount and becomes an anomaly.
    const providerPaymentId = str(object, 'payment_intent');
    const amount = moneyOf(int(object, 'amount_refunded'), str(object, 'currency'));
    return {
      kind: 'signal',
      ...base,
      signal: 'refunded',
      ...ourIds(object),
      ...(providerPaymentId ? { providerPaymentId } : {}),
      ...(amount ? { amount } : {}),
    };
  }
  if (type === 'charge.dispute.created') {
    const providerPaymentId = str(object, 'payment_intent');
    const reason = str(object, 'reason');
    return {
      kind: 'signal',
      ...base,
      signal: 'disputed',
      ...(providerPaymentId ? { providerPaymentId } : {}),
      ...(reason ? { reason } : {}),
    };
  }
  return { kind: 'ignored', ...base, reason: `${type} moves no payment` };
}

/** What a retrieved PaymentIntent says now, as the event Stripe would have sent for it (reconciliation). */
export function intentAsEvent(intent: StripeObject): ProviderEvent | null {
  const id = str(intent, 'id');
  const status = str(intent, 'status');
  if (!id || !status) throw new ProviderPayloadError('stripe', 'the PaymentIntent lacks id or status');
  const charge = obj(intent, 'latest_charge');
  const base = { account: 'stripe' as const, payload: intent, providerPaymentId: id, ...ourIds(intent) };
  // One dedup key per observed state, so repeated runs that see the same state apply it once.
  const eventId = (what: string) => `reconcile:${id}:${what}`;
  if (charge?.['refunded'] === true) {
    const amount = moneyOf(int(charge, 'amount_refunded'), str(charge, 'currency'));
    return { kind: 'signal', ...base, eventId: eventId('refunded'), signal: 'refunded', ...(amount ? { amount } : {}) };
  }
  const typeFor: Record<string, string> = {
    processing: 'payment_intent.processing',
    succeeded: 'payment_intent.succeeded',
    canceled: 'payment_intent.canceled',
  };
  const type = typeFor[status];
  if (!type) return null;
  const mapped = intentSignal(type, intent);
  return mapped ? { kind: 'signal', ...base, eventId: eventId(status), ...mapped } : null;
}

/**
 * The Stripe adapter over the official SDK. `apiBase` (STRIPE_API_BASE) points it at another host
 * (stripe-mock, a test double); every write carries our idempotency key so a retry never charges twice.
 */
export function createStripeProvider(settings: StripeSettings): PaymentProvider {
  const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
  const budgetMs = settings.callBudgetMs ?? PROVIDER_CALL_BUDGET_MS;
  // The SDK's own retries are off: callWithinBudget retries (429 and Retry-After included) against one deadline.
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: 0,
    timeout: budgetMs,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'http:' ? '80' : '443'),
          protocol: base.protocol === 'http:' ? ('http' as const) : ('https' as const),
        }
      : {}),
  });
  const call = <T>(operation: string, work: (timeout: number) => Promise<T>) =>
    callWithinBudget({ account: 'stripe', operation, budgetMs, classify: classifyStripeFailure }, work);
  const lookupPayment = async (lookup: PaymentLookup) => {
    if (!lookup.providerPaymentId) return null;
    const id = lookup.providerPaymentId;
    const intent = await call('paymentIntents.retrieve', (timeout) =>
      stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }, { timeout }),
    );
    return intentAsEvent(intent as unknown as StripeObject);
  };
  return {
    account: 'stripe',
    async createPayment(request: CreatePaymentRequest): Promise<CreatedPayment> {
      const intent = await call('paymentIntents.create', (timeout) =>
        stripe.paymentIntents.create(
          {
            amount: request.amount.amount,
            currency: request.amount.currency.toLowerCase(),
            description: request.description,
            ...(request.payerEmail === undefined ? {} : { receipt_email: request.payerEmail }),
            metadata: ledgerMetadataOf(request),
          },
          { idempotencyKey: request.idempotencyKey, timeout },
        ),
      );
      return { providerPaymentId: intent.id, ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}) };
    },
    async refundPayment(request: RefundRequest) {
      const refund = await call('refunds.create', (timeout) =>
        stripe.refunds.create(
          {
            payment_intent: request.providerPaymentId,
            amount: request.amount.amount,
            metadata: { payment_id: request.paymentId },
          },
          { idempotencyKey: request.idempotencyKey, timeout },
        ),
      );
      return { refundId: refund.id };
    },
    lookupPayment,
    async cancelPayment(request: CancelRequest) {
      const id = request.providerPaymentId;
      if (!id) return null;
      try {
        const intent = await call('paymentIntents.cancel', (timeout) =>
          stripe.paymentIntents.cancel(
            id,
            { cancellation_reason: 'abandoned', expand: ['latest_charge'] },
            { idempotencyKey: request.idempotencyKey, timeout },
          ),
        );
        return intentAsEvent(intent as unknown as StripeObject);
      } catch (error) {
        // Stripe refuses to cancel a PaymentIntent that succeeded (or is processing) meanwhile: what it is now decides.
        if (error instanceof ProviderCallError && error.failure === 'refused') return lookupPayment(request);
        throw error;
      }
    },
  };
}
