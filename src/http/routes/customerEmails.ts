import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { listCustomerEmails } from '../../app/customerEmails/customerEmailRecords.js';
import { notFound } from '../../app/outcome.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { CUSTOMER_EMAIL_KINDS } from '../../domain/customerEmail.js';
import { readReservationView } from '../../../projections/reservationView.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problemFor, ProblemError } from '../problem.js';
import { reservationParams } from '../schemas.js';
import { staffOnly } from './backoffice.js';
import { reservationIdOrNotFound } from './reservations.js';

const customerEmailSchema = z
  .object({
    kind: z.enum(CUSTOMER_EMAIL_KINDS),
    state: z.enum(['queued', 'sending', 'sent', 'failed', 'skipped']),
    locale: z.string().nullable(),
    subject: z.string().nullable(),
    attempts: z.number().int(),
    messageId: z.string().nullable().meta({ description: "SES's MessageId (or the .eml file's Message-ID in development)" }),
    lastError: z.string().nullable(),
    queuedAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'CustomerEmail' });

const customerEmailsSchema = z.object({ reservationId: z.string(), items: z.array(customerEmailSchema) }).meta({ id: 'CustomerEmails' });

/** `GET /v1/backoffice/reservations/{id}/emails` (staff): what the customer was sent about a reservation, and how it went. */
export function customerEmailRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().get('/backoffice/reservations/:reservationId/emails', {
      schema: {
        operationId: 'listCustomerEmails',
        summary: "A reservation's customer e-mails with their delivery state (staff, admin)",
        tags: [TAGS.backoffice],
        params: reservationParams,
        response: {
          200: jsonResponse('one entry per kind of e-mail, in the order they were first tried', customerEmailsSchema),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
        },
      },
      preValidation: staffOnly,
      handler: async (request) => {
        const principal = principalOf(request);
        const reservationId = reservationIdOrNotFound(request.params.reservationId);
        const rows = await readAsTenant(deps.pool, principal, async (tx) => {
          if ((await readReservationView(tx, principal.tenantId, reservationId)) === null) return null;
          return listCustomerEmails(tx, principal.tenantId, reservationId);
        });
        if (rows === null) throw new ProblemError(problemFor(notFound(`reservation ${reservationId}`)));
        return {
          reservationId,
          items: rows.map((row) => ({
            kind: z.enum(CUSTOMER_EMAIL_KINDS).parse(row.kind),
            state: customerEmailSchema.shape.state.parse(row.state),
            locale: row.locale,
            subject: row.subject,
            attempts: row.attempts,
            messageId: row.message_id,
            lastError: row.last_error,
            queuedAt: row.queued_at,
            lastAttemptAt: row.last_attempt_at,
            sentAt: row.sent_at,
          })),
        };
      },
    });
  };
}
