import { z } from 'zod';
import { paymentListQuery, reservationExportQuery, reservationListQuery } from './backofficeSchemas.js';
import { anomalyResolutionBody } from './routes/anomalyResolution.js';
import { anomaliesQuery } from './routes/backoffice.js';
import {
  auditStreamSchema,
  backofficePaymentPageSchema,
  backofficeReservationPageSchema,
  backofficeReservationSchema,
  consumerMetricsSchema,
  healthSchema,
  heldReservationSchema,
  occupancyReportSchema,
  paymentSchema,
  problemSchema,
  reservationSchema,
  revenueReportSchema,
  slotSchema,
  verifyReportSchema,
} from './openapiSchemas.js';
import { defineSlotBody, moneySchema, placeHoldBody, startPaymentBody } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (the dialect of OpenAPI 3.1) of what a client sends or receives. */
function schemaOf(schema: z.ZodType): JsonSchema {
  // Requests are described as they arrive (`input`): before transforms such as instant normalisation.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: JsonSchema) => ({ description, content: json(schema) });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const pathParam = (name: string, schema: JsonSchema = { type: 'string' }) => ({ name, in: 'path', required: true, schema });
const queryParam = (name: string, schema: JsonSchema, required = true) => ({ name, in: 'query', required, schema });

/** The query parameters a route validates with `schema` (a zod object, possibly refined and transformed). */
function queryParamsOf(schema: z.ZodType) {
  const described = schemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(described.properties ?? {}).map(([name, property]) =>
    queryParam(name, property, (described.required ?? []).includes(name)),
  );
}
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } };
const day = { type: 'string', format: 'date' };

const authErrors = {
  '400': problem('invalid_request'),
  '401': problem('unauthorized: a valid Cognito ID token is required'),
  '403': problem('forbidden: the role does not allow this'),
};
const bearer = [{ cognitoIdToken: [] }];

const webhook = (summary: string, signatureHeader: string) => ({
  post: {
    summary,
    security: [],
    parameters: [{ name: signatureHeader, in: 'header', required: true, schema: { type: 'string' } }],
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
    responses: { '200': { description: 'accepted (also for a repeat, or an anomaly kept in the ledger)' }, '400': problem('invalid_signature') },
  },
});

/** The OpenAPI 3.1 description of the contract (../shared/docs/API.md) and of the backoffice additions. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'booking-ledger',
      version: '0.1.0',
      description: 'Event-sourced booking and payments ledger. Errors are application/problem+json; money is integer minor units.',
    },
    components: {
      securitySchemes: {
        cognitoIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito ID token (custom:tenant_id, cognito:groups)' },
      },
      schemas: {
        Money: schemaOf(moneySchema),
        Problem: schemaOf(problemSchema),
        DefineSlot: schemaOf(defineSlotBody),
        Slot: schemaOf(slotSchema),
        PlaceHold: schemaOf(placeHoldBody),
        HeldReservation: schemaOf(heldReservationSchema),
        Reservation: schemaOf(reservationSchema),
        StartPayment: schemaOf(startPaymentBody),
        Payment: schemaOf(paymentSchema),
        AuditStream: schemaOf(auditStreamSchema),
        VerificationReport: schemaOf(verifyReportSchema),
        OccupancyReport: schemaOf(occupancyReportSchema),
        RevenueReport: schemaOf(revenueReportSchema),
        ConsumerMetrics: schemaOf(consumerMetricsSchema),
        BackofficeReservation: schemaOf(backofficeReservationSchema),
        BackofficeReservationPage: schemaOf(backofficeReservationPageSchema),
        BackofficePaymentPage: schemaOf(backofficePaymentPageSchema),
        Health: schemaOf(healthSchema),
      },
    },
    security: bearer,
    paths: {
      '/v1/slots/{slotId}': {
        put: {
          summary: 'Define or update a slot (admin)',
          parameters: [pathParam('slotId')],
          requestBody: { required: true, content: json(ref('DefineSlot')) },
          responses: { '200': ok('updated', ref('Slot')), '201': ok('created', ref('Slot')), ...authErrors, '409': problem('illegal_transition') },
        },
        get: {
          summary: 'Read a slot and its availability (any role of the tenant)',
          parameters: [pathParam('slotId')],
          responses: { '200': ok('the slot', ref('Slot')), ...authErrors, '404': problem('not_found') },
        },
      },
      '/v1/reservations': {
        post: {
          summary: 'Hold seats',
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json(ref('PlaceHold')) },
          responses: {
            '201': ok('held', ref('HeldReservation')),
            ...authErrors,
            '404': problem('not_found'),
            '409': problem('slot_full or idempotency_key_in_flight'),
            '422': problem('idempotency_key_reused'),
          },
        },
      },
      '/v1/reservations/{reservationId}': {
        get: {
          summary: 'Read a reservation (its owner, or staff)',
          parameters: [pathParam('reservationId', { type: 'string', format: 'uuid' })],
          responses: { '200': ok('the reservation', ref('Reservation')), ...authErrors, '404': problem('not_found') },
        },
      },
      '/v1/reservations/{reservationId}/cancel': {
        post: {
          summary: 'Cancel a reservation; a paid one is refunded',
          parameters: [pathParam('reservationId', { type: 'string', format: 'uuid' })],
          responses: { '200': ok('the reservation', ref('Reservation')), ...authErrors, '404': problem('not_found'), '409': problem('illegal_transition') },
        },
      },
      '/v1/reservations/{reservationId}/payments': {
        post: {
          summary: 'Start a payment with a provider',
          parameters: [pathParam('reservationId', { type: 'string', format: 'uuid' }), idempotencyKey],
          requestBody: { required: true, content: json(ref('StartPayment')) },
          responses: {
            '201': ok('started', ref('Payment')),
            ...authErrors,
            '404': problem('not_found'),
            '409': problem('illegal_transition or idempotency_key_in_flight'),
            '422': problem('idempotency_key_reused'),
          },
        },
      },
      '/webhooks/stripe': webhook('Stripe events (Stripe-Signature over the raw body)', 'Stripe-Signature'),
      '/webhooks/mercadopago': webhook('Mercado Pago notifications (x-signature manifest)', 'x-signature'),
      '/v1/audit/streams/{streamId}': {
        get: {
          summary: 'Read an event stream with its hashes (auditor)',
          parameters: [pathParam('streamId')],
          responses: { '200': ok('the stream', ref('AuditStream')), ...authErrors, '404': problem('not_found') },
        },
      },
      '/v1/audit/reservations/{reservationId}': {
        get: {
          summary: 'A reservation as it stood at a time (auditor)',
          parameters: [pathParam('reservationId', { type: 'string', format: 'uuid' }), queryParam('at', { type: 'string', format: 'date-time' })],
          responses: { '200': ok('the reservation then', { type: 'object' }), ...authErrors, '404': problem('not_found') },
        },
      },
      '/v1/audit/verify': {
        post: {
          summary: "Verify the tenant's hash chains, projections and signed checkpoints (auditor)",
          responses: { '200': ok('the report', ref('VerificationReport')), ...authErrors },
        },
      },
      '/v1/reports/occupancy': {
        get: {
          summary: 'Seats per slot on the UTC day it starts (staff, admin)',
          parameters: [queryParam('from', day), queryParam('to', day)],
          responses: { '200': ok('the report', ref('OccupancyReport')), ...authErrors },
        },
      },
      '/v1/reports/revenue': {
        get: {
          summary: 'Succeeded minus refunded per day, provider and currency (staff, admin)',
          parameters: [queryParam('from', day), queryParam('to', day)],
          responses: { '200': ok('the report', ref('RevenueReport')), ...authErrors },
        },
      },
      '/v1/backoffice/reservations': {
        get: {
          summary: 'Reservations, newest first, by status, slot, activity, departure (`from`/`to`), hold time, e-mail (staff, admin)',
          description:
            '`from`/`to` bound the departure (the slot\'s startsAt), `createdFrom`/`createdTo` the hold time; each is a UTC day ' +
            '(the whole day) or an instant, `from` included and `to` excluded. Follow `nextCursor` (opaque) for the next page.',
          parameters: queryParamsOf(reservationListQuery),
          responses: { '200': ok('one page', ref('BackofficeReservationPage')), ...authErrors },
        },
      },
      '/v1/backoffice/reservations/export': {
        get: {
          summary: 'Reservations of a departure range (at most 366 days) as JSON lines, streamed (staff, admin)',
          parameters: queryParamsOf(reservationExportQuery),
          responses: {
            '200': { description: 'one BackofficeReservation per line', content: { 'application/x-ndjson': { schema: ref('BackofficeReservation') } } },
            ...authErrors,
          },
        },
      },
      '/v1/backoffice/anomalies': {
        get: {
          summary: 'Payment anomalies (money the ledger could not simply apply) and verified webhooks that matched no payment (staff, admin)',
          parameters: queryParamsOf(anomaliesQuery),
          responses: { '200': ok('anomalies, each with its resolution once resolved, and unmatched events', { type: 'object' }), ...authErrors },
        },
      },
      '/v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve': {
        post: {
          summary: "Resolve an anomaly: `refund` a succeeded payment's money through its provider, or `dismiss` it with a note (admin)",
          parameters: [pathParam('paymentId', { type: 'string', format: 'uuid' }), pathParam('providerEventId')],
          requestBody: { required: true, content: json(schemaOf(anomalyResolutionBody)) },
          responses: {
            '200': ok('the anomaly is resolved', {
              type: 'object',
              required: ['paymentId', 'providerEventId', 'action', 'paymentStatus', 'refundRequested'],
              properties: {
                paymentId: { type: 'string', format: 'uuid' },
                providerEventId: { type: 'string' },
                action: { type: 'string', enum: ['refund', 'dismiss'] },
                paymentStatus: { type: 'string' },
                refundRequested: { type: 'boolean' },
              },
            }),
            ...authErrors,
            '404': problem('not_found'),
            '409': problem('illegal_transition: no such open anomaly, or no money to refund'),
          },
        },
      },
      '/v1/backoffice/payments': {
        get: {
          summary: 'Payments with their provider ids, newest first, by status, provider and start time (staff, admin)',
          parameters: queryParamsOf(paymentListQuery),
          responses: { '200': ok('one page', ref('BackofficePaymentPage')), ...authErrors },
        },
      },
      '/health': {
        get: {
          summary: 'Whether the database answers',
          security: [],
          responses: { '200': ok('up', ref('Health')), '503': ok('database unavailable', ref('Health')) },
        },
      },
      '/metrics/consumers': {
        get: {
          summary: 'Position and lag (in events) of every asynchronous consumer',
          security: [],
          responses: { '200': ok('the consumers', ref('ConsumerMetrics')) },
        },
      },
      '/docs': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 JSON' } } },
      },
    },
  };
}
