import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { mayAudit } from '../../app/policy.js';
import { getAuditStream, getReservationAsOf } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { auditStreamSchema, reservationAsOfSchema } from '../responseSchemas.js';
import { asOfQuery, reservationParams, streamParams } from '../schemas.js';
import { reservationIdOrNotFound } from './reservations.js';

async function auditorsOnly(request: FastifyRequest) {
  if (!mayAudit(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'only auditors read event streams'));
}

export function auditRoutes(app: FastifyInstance, deps: AppDeps) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.get('/audit/streams/:streamId', {
    schema: {
      operationId: 'getAuditStream',
      summary: 'Read an event stream with its hashes (auditor)',
      description: 'Stream ids are `reservation-<reservationId>`, `payment-<paymentId>` and `slot-<slotId>`.',
      tags: [TAGS.audit],
      params: streamParams,
      response: {
        200: jsonResponse('the stream', auditStreamSchema),
        ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
      },
    },
    preValidation: auditorsOnly,
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const outcome = await readAsTenant(deps.pool, principal, (tx) =>
        getAuditStream(tx, principal, request.params.streamId, deps.personalData),
      );
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return outcome.value;
    },
  });

  routes.get('/audit/reservations/:reservationId', {
    schema: {
      operationId: 'getReservationAsOf',
      summary: 'A reservation as it stood at a time (auditor)',
      tags: [TAGS.audit],
      params: reservationParams,
      querystring: asOfQuery,
      response: {
        200: jsonResponse('the reservation then', reservationAsOfSchema),
        ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
      },
    },
    preValidation: auditorsOnly,
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const reservationId = reservationIdOrNotFound(request.params.reservationId);
      const { at } = request.query;
      const outcome = await readAsTenant(deps.pool, principal, (tx) =>
        getReservationAsOf(tx, principal, reservationId, at, deps.personalData),
      );
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      const { state, version } = outcome.value;
      return {
        reservationId,
        at,
        status: state.status,
        slotId: state.slotId,
        seats: state.seats,
        total: state.total,
        expiresAt: state.expiresAt,
        version,
        state,
      };
    },
  });
}
