import type { PersonalData } from '../../privacy/personalData.js';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { backofficePayments, backofficeReservations, exportReservations } from '../../app/backofficeLists.js';
import { principalOf } from '../authenticate.js';
import { paymentListQuery, reservationExportQuery, reservationListQuery } from '../backofficeSchemas.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { problemFor, sendProblem } from '../problem.js';
import { backofficePaymentPageSchema, backofficeReservationPageSchema, backofficeReservationSchema } from '../responseSchemas.js';

export const NDJSON = 'application/x-ndjson';

const listProblems = problemResponses({ ...v1Problems, 403: ['forbidden'] });

/**
 * The back office's lists of reservations and payments (staff and admins of the tenant), paged by
 * an opaque keyset cursor, and the reservations of a departure range as JSON lines (never CSV:
 * a spreadsheet runs formulas found in customer names).
 */
export function backofficeListRoutes(app: FastifyInstance, pool: DatabasePool, personalData: PersonalData) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.get('/backoffice/reservations', {
    schema: {
      operationId: 'listBackofficeReservations',
      summary: 'Reservations, newest first, by status, slot, activity, departure (`from`/`to`), hold time, e-mail (staff, admin)',
      description:
        "`from`/`to` bound the departure (the slot's startsAt), `createdFrom`/`createdTo` the hold time; each is a UTC day " +
        '(the whole day) or an instant, `from` included and `to` excluded. Follow `nextCursor` (opaque) for the next page.',
      tags: [TAGS.backoffice],
      querystring: reservationListQuery,
      response: { 200: jsonResponse('one page', backofficeReservationPageSchema), ...listProblems },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const query = request.query;
      const after = decodeCursor('reservations', query.cursor);
      const page = { limit: query.limit, ...(after ? { after } : {}) };
      const outcome = await backofficeReservations({ pool, personalData }, principal, query.filters, page);
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return { items: outcome.value.items, nextCursor: encodeCursor('reservations', outcome.value.next) };
    },
  });

  routes.get('/backoffice/payments', {
    schema: {
      operationId: 'listBackofficePayments',
      summary: 'Payments with their provider ids, newest first, by status, provider and start time (staff, admin)',
      tags: [TAGS.backoffice],
      querystring: paymentListQuery,
      response: { 200: jsonResponse('one page', backofficePaymentPageSchema), ...listProblems },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const query = request.query;
      const after = decodeCursor('payments', query.cursor);
      const page = { limit: query.limit, ...(after ? { after } : {}) };
      const outcome = await backofficePayments(pool, principal, query.filters, page);
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return { items: outcome.value.items, nextCursor: encodeCursor('payments', outcome.value.next) };
    },
  });

  routes.get('/backoffice/reservations/export', {
    schema: {
      operationId: 'exportBackofficeReservations',
      summary: 'Reservations of a departure range (at most 366 days) as JSON lines, streamed (staff, admin)',
      tags: [TAGS.backoffice],
      querystring: reservationExportQuery,
      response: {
        200: { description: 'one BackofficeReservation per line', content: { [NDJSON]: { schema: backofficeReservationSchema } } },
        ...listProblems,
      },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { filters } = request.query;
      const outcome = exportReservations({ pool, personalData }, principal, filters);
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      const rows = outcome.value;
      // The first batch is read before the status line goes out, so a database that fails right away
      // is still a 500 problem. A failure after that cannot be one any more: fastify destroys the
      // response, so the chunked body never ends and the client sees an error, not a complete-looking file.
      const first = await rows.next();
      async function* lines() {
        if (first.done) return;
        yield `${JSON.stringify(first.value)}\n`;
        for await (const item of rows) yield `${JSON.stringify(item)}\n`;
      }
      return reply.type(NDJSON).send(Readable.from(lines()));
    },
  });
}
