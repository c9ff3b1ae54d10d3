import { z } from 'zod';
import { PROVIDERS } from '../domain/payment.js';
import { moneySchema } from './schemas.js';

// Response shapes of the contract (../shared/docs/API.md), written as zod so the OpenAPI document
// is generated the same way as the request schemas the routes validate with.

const instant = z.iso.datetime();

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
});

export const slotSchema = z.object({
  slotId: z.string(),
  activityId: z.string(),
  startsAt: instant,
  capacity: z.number().int(),
  held: z.number().int(),
  sold: z.number().int(),
  available: z.number().int(),
  unitPrice: moneySchema,
});

export const paymentSchema = z.object({
  paymentId: z.uuid(),
  provider: z.enum(PROVIDERS),
  status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed']),
  amount: moneySchema,
  providerPaymentId: z.string().optional(),
  clientSecret: z.string().optional(),
  checkoutUrl: z.string().optional(),
  pixQrCode: z.string().optional(),
});


export const heldReservationSchema = z.object({
  reservationId: z.uuid(),
  status: z.literal('held'),
  slotId: z.string(),
  seats: z.number().int(),
  total: moneySchema,
  expiresAt: instant,
});

export const reservationSchema = z.object({
  reservationId: z.uuid(),
  status: z.enum(['held', 'paid', 'expired', 'cancelled', 'refunded']),
  slotId: z.string(),
  seats: z.number().int(),
  total: moneySchema,
  expiresAt: instant,
  payments: z.array(paymentSchema),
  version: z.number().int(),
});

export const auditStreamSchema = z.object({
  streamId: z.string(),
  events: z.array(
    z.object({
      position: z.number().int(),
      version: z.number().int(),
      eventId: z.uuid(),
      type: z.string(),
      data: z.unknown(),
      metadata: z.record(z.string(), z.unknown()),
      recordedAt: instant,
      hash: z.string(),
      prevHash: z.string(),
    }),
  ),
});

export const verifyReportSchema = z.object({
  ok: z.boolean(),
  streams: z.number().int(),
  events: z.number().int(),
  brokenChains: z.array(z.object({ streamId: z.string(), version: z.number().int(), reason: z.string() })),
  projectionMismatches: z.array(z.object({ projection: z.string(), key: z.record(z.string(), z.unknown()), kind: z.string() })),
  checkpoints: z.object({
    ok: z.boolean(),
    checkpoints: z.number().int(),
    latest: z.object({ id: z.number().int(), createdAt: instant, streams: z.number().int(), events: z.number().int() }).nullable(),
    brokenLinks: z.array(z.object({ checkpointId: z.number().int(), reason: z.string() })),
    rewrittenStreams: z.array(
      z.object({ checkpointId: z.number().int(), tenantId: z.string(), streamId: z.string(), version: z.number().int(), reason: z.string() }),
    ),
  }),
});

const day = z.iso.date();

export const occupancyReportSchema = z.object({
  from: day,
  to: day,
  slots: z.array(slotSchema.omit({ unitPrice: true }).extend({ day })),
});

export const revenueReportSchema = z.object({
  from: day,
  to: day,
  revenue: z.array(
    z.object({
      day,
      provider: z.string(),
      currency: z.string(),
      succeeded: moneySchema,
      refunded: moneySchema,
      /** May be negative: a day's refunds of earlier sales. */
      revenue: z.object({ amount: z.number().int(), currency: z.string() }),
    }),
  ),
});

export const consumerMetricsSchema = z.object({
  consumers: z.array(
    z.object({
      name: z.string(),
      position: z.object({ transactionId: z.string(), globalPosition: z.number().int() }),
      lag: z.number().int(),
      updatedAt: instant,
    }),
  ),
});

export const healthSchema = z.object({ status: z.enum(['ok', 'unavailable']) });

const cursorPage = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    /** Pass back as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  });

export const backofficeReservationSchema = z.object({
  reservationId: z.uuid(),
  status: reservationSchema.shape.status,
  slotId: z.string(),
  activityId: z.string(),
  /** The slot's departure (`startsAt`) as it stands now. */
  departsAt: instant,
  seats: z.number().int(),
  total: moneySchema,
  customer: z.object({ name: z.string(), email: z.string() }),
  expiresAt: instant,
  paymentId: z.uuid().nullable(),
  createdAt: instant,
  updatedAt: instant,
  version: z.number().int(),
});

export const backofficePaymentSchema = z.object({
  paymentId: z.uuid(),
  reservationId: z.uuid(),
  provider: z.enum(PROVIDERS),
  status: paymentSchema.shape.status,
  amount: moneySchema,
  providerPaymentId: z.string().nullable(),
  lastError: z.string().nullable(),
  refundRequested: z.boolean(),
  /** How many anomalies the payment holds (GET /v1/backoffice/anomalies lists them). */
  anomalies: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
  version: z.number().int(),
});

export const backofficeReservationPageSchema = cursorPage(backofficeReservationSchema);
export const backofficePaymentPageSchema = cursorPage(backofficePaymentSchema);
