import { z } from 'zod';
import type { PaymentEvent } from '../domain/payment.js';
import { type Assert, eventParser, instant, money, reportedMoney, type SameType } from './eventSchema.js';

// The payment's events as src/domain/payment.ts and paymentSignal.ts write them (stream `payment-<paymentId>`).

const provider = z.enum(['stripe', 'mercadopago', 'pix']);
const signal = z.enum(['processing', 'succeeded', 'declined', 'failed', 'cancelled', 'refunded', 'disputed']);
const status = z.enum(['none', 'pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed']);
const anomalyKind = z.enum([
  'SuccessAfterTerminal',
  'AmountMismatch',
  'RefundWithoutSuccess',
  'DisputeWithoutSuccess',
  'DisputeAfterRefund',
  'EndedAfterSuccess',
  'ReservationNotPayable',
  'ProviderPaymentMismatch',
]);

/** Where an applied provider signal came from (`SignalOrigin`). */
const origin = {
  providerEventId: z.string(),
  source: z.enum(['webhook', 'reconciliation']),
  providerPaymentId: z.string().optional(),
};

export const paymentEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('PaymentStarted'),
    data: z.object({
      paymentId: z.string(),
      reservationId: z.string(),
      provider,
      amount: money,
      providerPaymentId: z.string().optional(),
      checkout: z.object({ checkoutUrl: z.string().optional(), pixQrCode: z.string().optional() }).optional(),
      startedAt: instant,
    }),
  }),
  z.object({ type: z.literal('PaymentProcessingStarted'), data: z.object({ ...origin, processingAt: instant }) }),
  z.object({ type: z.literal('PaymentDeclined'), data: z.object({ ...origin, reason: z.string(), declinedAt: instant }) }),
  // A success is applied only for the payment's own amount (paymentSignal.ts), which the decider checked.
  z.object({ type: z.literal('PaymentSucceeded'), data: z.object({ ...origin, amount: money, succeededAt: instant }) }),
  z.object({ type: z.literal('PaymentFailed'), data: z.object({ ...origin, reason: z.string(), failedAt: instant }) }),
  z.object({ type: z.literal('PaymentCancelled'), data: z.object({ ...origin, reason: z.string().optional(), cancelledAt: instant }) }),
  z.object({ type: z.literal('PaymentRefunded'), data: z.object({ ...origin, amount: reportedMoney.optional(), refundedAt: instant }) }),
  z.object({ type: z.literal('PaymentDisputed'), data: z.object({ ...origin, reason: z.string().optional(), disputedAt: instant }) }),
  z.object({
    type: z.literal('PaymentAnomalyRecorded'),
    data: z.object({
      ...origin,
      anomaly: anomalyKind,
      reason: z.string(),
      signal,
      paymentStatus: status,
      // What the provider reported, kept as it came: that it disagrees with the payment is the anomaly.
      amount: reportedMoney.optional(),
      providerReason: z.string().optional(),
      recordedAt: instant,
    }),
  }),
  z.object({ type: z.literal('PaymentRefundRequested'), data: z.object({ requestedAt: instant, by: z.string() }) }),
  z.object({
    type: z.literal('PaymentAnomalyResolved'),
    data: z.object({
      providerEventId: z.string(),
      anomaly: anomalyKind,
      action: z.enum(['refund', 'dismiss']),
      note: z.string().optional(),
      by: z.string(),
      resolvedAt: instant,
    }),
  }),
]);

// Fails to compile when the schema and the domain's union part ways (a field, a type, an event).
export const paymentSchemaMatchesDomain: Assert<SameType<z.output<typeof paymentEventSchema>, PaymentEvent>> = true;

export const parsePaymentEvent = eventParser<PaymentEvent>('payment-', paymentEventSchema);
