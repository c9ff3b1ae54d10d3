import type { Money } from './money.js';

// Stream `payment-<paymentId>`: pending → processing → succeeded → refunded | disputed;
// pending | processing → failed | cancelled. One payment talks to one provider; a retry after
// failed or cancelled is a new payment, so those two never change again.

export type Provider = 'stripe' | 'mercadopago' | 'pix';
export const PROVIDERS: readonly Provider[] = ['stripe', 'mercadopago', 'pix'];

/** A provider status already normalised by its adapter (see the mapping table in API.md). */
export type PaymentSignal = 'processing' | 'succeeded' | 'declined' | 'failed' | 'cancelled' | 'refunded' | 'disputed';
export type SignalSource = 'webhook' | 'reconciliation';

export type PaymentFacts = {
  readonly paymentId: string;
  readonly reservationId: string;
  readonly provider: Provider;
  readonly amount: Money;
  readonly startedAt: string;
  /** Checkout Pro only learns Mercado Pago's payment id from the first webhook. */
  readonly providerPaymentId?: string;
  readonly lastError?: string;
  /** Anomalies recorded on this payment that nobody has resolved yet (the back office's to-do list). */
  readonly openAnomalies: readonly OpenAnomaly[];
};

export type OpenAnomaly = { readonly providerEventId: string; readonly kind: PaymentAnomalyKind };

export type PaymentState =
  | { readonly status: 'none' }
  | (PaymentFacts & { readonly status: 'pending' })
  | (PaymentFacts & { readonly status: 'processing' })
  | (PaymentFacts & { readonly status: 'succeeded'; readonly succeededAt: string; readonly refundRequested: boolean })
  | (PaymentFacts & { readonly status: 'failed'; readonly failedAt: string })
  | (PaymentFacts & { readonly status: 'cancelled'; readonly cancelledAt: string })
  | (PaymentFacts & { readonly status: 'refunded'; readonly succeededAt: string; readonly refundedAt: string })
  | (PaymentFacts & { readonly status: 'disputed'; readonly succeededAt: string; readonly disputedAt: string });

export type PaymentStatus = PaymentState['status'];

export type StartPayment = {
  readonly type: 'StartPayment';
  readonly paymentId: string;
  readonly reservationId: string;
  readonly provider: Provider;
  readonly amount: Money;
  readonly providerPaymentId?: string;
  /** Where the customer completes the payment, when the provider hands one out (Checkout Pro, Pix). */
  readonly checkout?: PaymentCheckout;
  readonly now: string;
};
/**
 * What the customer needs to pay that is safe to keep forever in the log. Stripe's client secret is
 * deliberately absent: it lets its holder confirm the PaymentIntent, and an append-only log can never forget it.
 */
export type PaymentCheckout = { readonly checkoutUrl?: string; readonly pixQrCode?: string };
export type ApplyProviderSignal = {
  readonly type: 'ApplyProviderSignal';
  readonly signal: PaymentSignal;
  readonly providerEventId: string;
  readonly source: SignalSource;
  /** What the provider says was charged (or refunded); a success is applied only when it equals the payment's. */
  readonly amount?: Money;
  readonly reason?: string;
  readonly providerPaymentId?: string;
  readonly now: string;
};
export type RequestRefund = { readonly type: 'RequestRefund'; readonly now: string; readonly by: string };
/**
 * Settles an anomaly. `refund` gives captured money back (a succeeded payment whose reservation
 * could not be paid); `dismiss` records that someone dealt with it otherwise, and says how.
 */
export type ResolveAnomaly = {
  readonly type: 'ResolveAnomaly';
  /** The provider event the anomaly was recorded for: one anomaly per provider event. */
  readonly providerEventId: string;
  readonly action: AnomalyResolution;
  readonly note?: string;
  readonly by: string;
  readonly now: string;
};
export type AnomalyResolution = 'refund' | 'dismiss';
export const ANOMALY_RESOLUTIONS: readonly AnomalyResolution[] = ['refund', 'dismiss'];

export type PaymentCommand = StartPayment | ApplyProviderSignal | RequestRefund | ResolveAnomaly;

/** Where an applied signal came from, so the audit trail can point at the provider's own event. */
export type SignalOrigin = {
  readonly providerEventId: string;
  readonly source: SignalSource;
  readonly providerPaymentId?: string;
};

export type PaymentAnomalyKind =
  | 'SuccessAfterTerminal'
  | 'AmountMismatch'
  | 'RefundWithoutSuccess'
  | 'DisputeWithoutSuccess'
  | 'DisputeAfterRefund'
  | 'EndedAfterSuccess'
  /** The money was taken but the reservation could not be paid (expired with its seats gone, cancelled, paid by another payment). */
  | 'ReservationNotPayable'
  /** The event names our payment, but another payment at the provider than the one this payment is. */
  | 'ProviderPaymentMismatch';

export type PaymentStarted = {
  readonly type: 'PaymentStarted';
  readonly data: {
    readonly paymentId: string;
    readonly reservationId: string;
    readonly provider: Provider;
    readonly amount: Money;
    readonly providerPaymentId?: string;
    readonly checkout?: PaymentCheckout;
    readonly startedAt: string;
  };
};
export type PaymentProcessingStarted = {
  readonly type: 'PaymentProcessingStarted';
  readonly data: SignalOrigin & { readonly processingAt: string };
};
/** An attempt the provider refused while the payment stays open for another try (Stripe payment_failed). */
export type PaymentDeclined = {
  readonly type: 'PaymentDeclined';
  readonly data: SignalOrigin & { readonly reason: string; readonly declinedAt: string };
};
export type PaymentSucceeded = {
  readonly type: 'PaymentSucceeded';
  readonly data: SignalOrigin & { readonly amount: Money; readonly succeededAt: string };
};
export type PaymentFailed = {
  readonly type: 'PaymentFailed';
  readonly data: SignalOrigin & { readonly reason: string; readonly failedAt: string };
};
export type PaymentCancelled = {
  readonly type: 'PaymentCancelled';
  readonly data: SignalOrigin & { readonly reason?: string; readonly cancelledAt: string };
};
export type PaymentRefunded = {
  readonly type: 'PaymentRefunded';
  readonly data: SignalOrigin & { readonly amount?: Money; readonly refundedAt: string };
};
export type PaymentDisputed = {
  readonly type: 'PaymentDisputed';
  readonly data: SignalOrigin & { readonly reason?: string; readonly disputedAt: string };
};
/**
 * A provider signal the state machine refuses but must not drop: money may have moved (a success
 * after failed), so it stays in the ledger for the backoffice and reconciliation. State is unchanged.
 */
export type PaymentAnomalyRecorded = {
  readonly type: 'PaymentAnomalyRecorded';
  readonly data: SignalOrigin & {
    readonly anomaly: PaymentAnomalyKind;
    readonly reason: string;
    readonly signal: PaymentSignal;
    readonly paymentStatus: PaymentStatus;
    readonly amount?: Money;
    readonly providerReason?: string;
    readonly recordedAt: string;
  };
};
export type PaymentRefundRequested = {
  readonly type: 'PaymentRefundRequested';
  readonly data: { readonly requestedAt: string; readonly by: string };
};

export type PaymentAnomalyResolved = {
  readonly type: 'PaymentAnomalyResolved';
  readonly data: {
    readonly providerEventId: string;
    readonly anomaly: PaymentAnomalyKind;
    readonly action: AnomalyResolution;
    readonly note?: string;
    readonly by: string;
    readonly resolvedAt: string;
  };
};

export type PaymentEvent =
  | PaymentStarted
  | PaymentProcessingStarted
  | PaymentDeclined
  | PaymentSucceeded
  | PaymentFailed
  | PaymentCancelled
  | PaymentRefunded
  | PaymentDisputed
  | PaymentAnomalyRecorded
  | PaymentRefundRequested
  | PaymentAnomalyResolved;
