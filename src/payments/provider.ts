import type { Money } from '../domain/money.js';
import type { PaymentSignal, Provider } from '../domain/payment.js';

/** The two payment companies behind our three `provider` choices (Pix is a Mercado Pago payment method). */
export type ProviderAccount = 'stripe' | 'mercadopago';

export function accountOf(provider: Provider): ProviderAccount {
  return provider === 'stripe' ? 'stripe' : 'mercadopago';
}

/**
 * A provider's news about one payment, already normalised by its adapter (the mapping table of
 * API.md lives in the adapters). `eventId` is the dedup key of the inbox.
 */
export type ProviderEvent =
  | {
      readonly kind: 'signal';
      readonly account: ProviderAccount;
      readonly eventId: string;
      readonly signal: PaymentSignal;
      /** Our ids as the provider echoes them back (metadata / external_reference); unverified until matched. */
      readonly paymentId?: string;
      readonly tenantId?: string;
      readonly providerPaymentId?: string;
      readonly amount?: Money;
      readonly reason?: string;
      /** What the provider sent or answered, kept in the inbox for the audit trail. */
      readonly payload: unknown;
    }
  | {
      /** A verified event of a type that moves no payment (e.g. `payment_intent.created`): acknowledged and kept. */
      readonly kind: 'ignored';
      readonly account: ProviderAccount;
      readonly eventId: string;
      readonly reason: string;
      readonly payload: unknown;
    };

export type CreatePaymentRequest = {
  readonly method: Provider;
  readonly tenantId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: Money;
  readonly description: string;
  /** Absent when the customer's personal data was erased (ADR 0048): the provider is then given none. */
  readonly payerEmail?: string;
  /** Ours, derived from the client's Idempotency-Key: a retried request gets the provider's first answer. */
  readonly idempotencyKey: string;
  /** When the hold stops waiting for this payment: a provider that can expire the payment itself does so then. */
  readonly expiresAt: string;
};

export type CreatedPayment = {
  readonly providerPaymentId?: string;
  readonly clientSecret?: string;
  readonly checkoutUrl?: string;
  readonly pixQrCode?: string;
};

export type RefundRequest = {
  readonly paymentId: string;
  readonly providerPaymentId: string;
  readonly amount: Money;
  readonly idempotencyKey: string;
};

export type PaymentLookup = {
  readonly paymentId: string;
  readonly providerPaymentId?: string;
};

export type CancelRequest = PaymentLookup & {
  /** Derived from our payment id: a cancel retried after a lost answer gets the provider's first answer. */
  readonly idempotencyKey: string;
  /** Where the customer pays (Checkout Pro's init_point names its preference, which is expired too). */
  readonly checkoutUrl?: string;
  /** The moment of the cancel: a preference is made to expire at it. */
  readonly now: string;
};

/** What the use cases need from a payment company; the SDKs stay behind it. */
export type PaymentProvider = {
  readonly account: ProviderAccount;
  createPayment(request: CreatePaymentRequest): Promise<CreatedPayment>;
  refundPayment(request: RefundRequest): Promise<{ readonly refundId: string }>;
  /** The payment's state as the provider sees it now (reconciliation), or null when it has nothing to say. */
  lookupPayment(lookup: PaymentLookup): Promise<ProviderEvent | null>;
  /**
   * Closes an open payment whose hold ran out: the payment's state at the provider afterwards —
   * cancelled, or the success that came first — or null when the provider has nothing to say yet.
   */
  cancelPayment(request: CancelRequest): Promise<ProviderEvent | null>;
};

export type PaymentProviders = Readonly<Partial<Record<ProviderAccount, PaymentProvider>>>;

/**
 * How a provider call ended without an answer: `refused` — the provider said no (a 4xx other than
 * 409/429), trying again would not help; `unreachable` — no answer within the budget (timeouts,
 * lost connections, 429 and 5xx until time ran out).
 */
export type ProviderFailure = 'refused' | 'unreachable';

/** A provider call that failed; the route answers 502 provider_error or 503 unavailable. */
export class ProviderCallError extends Error {
  override readonly name = 'ProviderCallError';
  readonly failure: ProviderFailure;
  constructor(
    readonly account: ProviderAccount,
    readonly operation: string,
    options: { cause: unknown; failure: ProviderFailure },
  ) {
    super(`${account} ${operation} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.failure = options.failure;
  }
}

/** Our ids as every provider keeps them beside its payment (metadata), so its events lead back to ours. */
export function ledgerMetadataOf(request: CreatePaymentRequest) {
  return { payment_id: request.paymentId, reservation_id: request.reservationId, tenant_id: request.tenantId };
}

/** A provider answered with something we cannot read as its documented shape. */
export class ProviderPayloadError extends Error {
  override readonly name = 'ProviderPayloadError';
  constructor(
    readonly account: ProviderAccount,
    message: string,
  ) {
    super(`${account}: ${message}`);
  }
}
