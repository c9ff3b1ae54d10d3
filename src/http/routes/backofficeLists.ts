import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { backofficePayments, backofficeReservations, exportReservations } from '../../app/backofficeLists.js';
import { principalOf } from '../authenticate.js';
import { paymentListQuery, reservationExportQuery, reservationListQuery } from '../backofficeSchemas.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { problemFor, sendProblem } from '../problem.js';
import { parseOr400 } from '../validation.js';

export const NDJSON = 'application/x-ndjson';

/**
 * The back office's lists of reservations and payments (staff and admins of the tenant), paged by
 * an opaque keyset cursor, and the reservations of a departure range as JSON lines (never CSV:
 * a spreadsheet runs formulas found in customer names).
 */
export function backofficeListRoutes(app: FastifyInstance, pool: DatabasePool) {
  app.get('/backoffice/reservations', async (request, reply) => {
    const principal = principalOf(request);
    const query = parseOr400(reservationListQuery, request.query, 'query');
    const after = decodeCursor('reservations', query.cursor);
    const page = { limit: query.limit, ...(after ? { after } : {}) };
    const outcome = await backofficeReservations(pool, principal, query.filters, page);
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return { items: outcome.value.items, nextCursor: encodeCursor('reservations', outcome.value.next) };
  });

  app.get('/backoffice/payments', async (request, reply) => {
    const principal = principalOf(request);
    const query = parseOr400(paymentListQuery, request.query, 'query');
    const after = decodeCursor('payments', query.cursor);
    const page = { limit: query.limit, ...(after ? { after } : {}) };
    const outcome = await backofficePayments(pool, principal, query.filters, page);
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return { items: outcome.value.items, nextCursor: encodeCursor('payments', outcome.value.next) };
  });

  app.get('/backoffice/reservations/export', async (request, reply) => {
    const principal = principalOf(request);
    const { filters } = parseOr400(reservationExportQuery, request.query, 'query');
    const outcome = exportReservations(pool, principal, filters);
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
  });
}
