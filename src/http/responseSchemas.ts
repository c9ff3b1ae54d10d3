import { z } from 'zod';
import { PROVIDERS } from '../domain/payment.js';
import { PROBLEM_CODES } from './problem.js';
import { moneySchema } from './schemas.js';

// Response shapes of the contract (../shared/docs/API.md): the routes' response schemas, from which
// the OpenAPI document is generated. Responses are serialized without them (ADR 0024); the
// conformance test holds every answer to them. A schema with an `id` is a named component.

const instant = z.iso.datetime();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `code` is the stable error code' });

export const slotSchema = z
  .object({
    slotId: z.string(),
    activityId: z.string(),
    startsAt: instant,
    capacity: z.number().int(),
    held: z.number().int(),
    sold: z.number().int(),
    available: z.number().int(),
    unitPrice: moneySchema,
    timeZone: z.string().meta({ description: "the activity's IANA time zone; UTC when the activity is not defined" }),
    localStartsAt: z.iso.datetime({ offset: true }).meta({ description: 'startsAt in timeZone, ISO 8601 with its offset' }),
  })
  .meta({ id: 'Slot' });

/** A departure as anyone may see it: no held or sold counts, nothing of the tenant's customers. */
export const publicSlotSchema = z
  .object({
    slotId: z.string(),
    activityId: z.string(),
    startsAt: instant,
    localStartsAt: z.iso.datetime({ offset: true }).meta({ description: "the departure's wall-clock time in its activity's time zone" }),
    timeZone: z.string().meta({ description: "the activity's IANA time zone (UTC when it has none)" }),
    available: z.number().int(),
    unitPrice: moneySchema,
  })
  .strict()
  .meta({ id: 'PublicSlot' });

export const publicAvailabilitySchema = z
  .object({ items: z.array(publicSlotSchema) })
  .strict()
  .meta({ id: 'PublicAvailability' });

export const slotPageSchema = z
  .object({ items: z.array(slotSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'SlotPage', description: 'Slots in departure order; pass `nextCursor` back as `cursor` for the next page (null: the last)' });

export const activitySchema = z
  .object({
    activityId: z.string(),
    name: z.string(),
    timeZone: z.string(),
    locale: z.string().optional(),
  })
  .meta({ id: 'Activity' });

export const paymentSchema = z
  .object({
    paymentId: z.uuid(),
    provider: z.enum(PROVIDERS),
    status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed']),
    amount: moneySchema,
    providerPaymentId: z.string().optional(),
    clientSecret: z.string().optional(),
    checkoutUrl: z.string().optional(),
    pixQrCode: z.string().optional(),
    /** The provider's last decline while the payment stays open (Stripe `payment_intent.payment_failed`). */
    lastError: z.string().optional(),
  })
  .meta({ id: 'Payment' });

export const heldReservationSchema = z
  .object({
    reservationId: z.uuid(),
    status: z.literal('held'),
    slotId: z.string(),
    seats: z.number().int(),
    total: moneySchema,
    expiresAt: instant,
  })
  .meta({ id: 'HeldReservation' });

export const reservationSchema = z
  .object({
    reservationId: z.uuid(),
    status: z.enum(['held', 'paid', 'expired', 'cancelled', 'refunded']),
    slotId: z.string(),
    seats: z.number().int(),
    total: moneySchema,
    expiresAt: instant,
    payments: z.array(paymentSchema),
    version: z.number().int(),
  })
  .meta({ id: 'Reservation' });

/** `GET /v1/audit/reservations/{id}?at=`: the reservation as its events stood at `at`, with the folded state. */
export const reservationAsOfSchema = z
  .object({
    reservationId: z.uuid(),
    at: instant,
    status: reservationSchema.shape.status,
    slotId: z.string(),
    seats: z.number().int(),
    total: moneySchema,
    expiresAt: instant,
    version: z.number().int(),
    /** The decider's state at that time (internal shape: read, do not depend on it). */
    state: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ReservationAsOf' });

export const auditStreamSchema = z
  .object({
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
  })
  .meta({ id: 'AuditStream' });

export const verifyReportSchema = z
  .object({
    ok: z.boolean(),
    streams: z.number().int(),
    events: z.number().int(),
    brokenChains: z.array(z.object({ streamId: z.string(), version: z.number().int(), reason: z.string() })),
    projectionMismatches: z.array(z.object({ projection: z.string(), key: z.record(z.string(), z.unknown()), kind: z.string() })),
    checkpoints: z.object({
      ok: z.boolean(),
      checkpoints: z.number().int(),
      /** The id of the Ed25519 key the checkpoints' signatures were checked with; null when none was trusted. */
      signaturesCheckedWith: z.string().nullable(),
      latest: z.object({ id: z.number().int(), createdAt: instant, streams: z.number().int(), events: z.number().int() }).nullable(),
      brokenLinks: z.array(z.object({ checkpointId: z.number().int(), reason: z.string() })),
      rewrittenStreams: z.array(
        z.object({
          checkpointId: z.number().int(),
          tenantId: z.string(),
          streamId: z.string(),
          version: z.number().int(),
          reason: z.string(),
        }),
      ),
    }),
  })
  .meta({ id: 'VerificationReport' });

const day = z.iso.date();

export const occupancyReportSchema = z
  .object({
    from: day,
    to: day,
    slots: z.array(slotSchema.omit({ unitPrice: true, timeZone: true, localStartsAt: true }).extend({ day })),
  })
  .meta({ id: 'OccupancyReport' });

export const revenueReportSchema = z
  .object({
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
  })
  .meta({ id: 'RevenueReport' });

export const healthSchema = z.object({ status: z.enum(['ok', 'unavailable']) }).meta({ id: 'Health' });

const cursorPage = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    /** Pass back as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  });

export const backofficeReservationSchema = z
  .object({
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
  })
  .meta({ id: 'BackofficeReservation' });

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

export const backofficeReservationPageSchema = cursorPage(backofficeReservationSchema).meta({ id: 'BackofficeReservationPage' });
export const backofficePaymentPageSchema = cursorPage(backofficePaymentSchema).meta({ id: 'BackofficePaymentPage' });

const anomalyResolutionEntry = z.object({
  action: z.string(),
  note: z.string().optional(),
  by: z.string(),
  resolvedAt: instant,
});

/** `GET /v1/backoffice/anomalies`: anomalies (with their resolution once resolved) and verified webhooks that matched no payment. */
export const anomaliesSchema = z
  .object({
    anomalies: z.array(
      z.object({
        paymentId: z.uuid(),
        reservationId: z.uuid(),
        provider: z.enum(PROVIDERS),
        currentPaymentStatus: paymentSchema.shape.status,
        /** The anomaly event's version in `payment-<paymentId>`, where the audit stream shows it in full. */
        streamVersion: z.number().int(),
        anomaly: z.string(),
        reason: z.string(),
        signal: z.string(),
        source: z.string(),
        providerEventId: z.string(),
        paymentStatus: z.string(),
        amount: z.object({ amount: z.number().int(), currency: z.string() }).optional(),
        recordedAt: instant,
        resolution: anomalyResolutionEntry.optional(),
      }),
    ),
    unmatched: z.array(
      z.object({
        provider: z.string(),
        providerEventId: z.string(),
        source: z.string(),
        signal: z.string().nullable(),
        detail: z.string().nullable(),
        receivedAt: instant,
      }),
    ),
  })
  .meta({ id: 'Anomalies' });

export const anomalyResolvedSchema = z
  .object({
    paymentId: z.uuid(),
    providerEventId: z.string(),
    action: z.enum(['refund', 'dismiss']),
    paymentStatus: paymentSchema.shape.status,
    /** True when the payment's money is (now, or already was) on its way back to the customer. */
    refundRequested: z.boolean(),
  })
  .meta({ id: 'AnomalyResolved' });

/** What a webhook delivery gets back: 200 for a new event, a repeat (`duplicate`), or an anomaly kept in the ledger. */
export const webhookReceiptSchema = z
  .object({
    received: z.literal(true),
    outcome: z.enum(['applied', 'anomaly', 'unchanged', 'ignored', 'unmatched', 'duplicate']),
  })
  .meta({ id: 'WebhookReceipt' });

/** `GET /docs`: this OpenAPI 3.1 document. */
export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) })
  .meta({ description: 'OpenAPI 3.1 document' });
