import type { FastifyInstance } from 'fastify';
import { cancelReservation } from '../../app/cancelReservation.js';
import type { AppDeps } from '../../app/context.js';
import { holdSeats } from '../../app/holdSeats.js';
import { notFound } from '../../app/outcome.js';
import { mayBook } from '../../app/policy.js';
import { getReservation } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import {
  type RouteTypes,
  bodyProblems,
  creatingProblems,
  jsonResponse,
  problemResponses,
  replayableResponse,
  TAGS,
  v1Problems,
} from '../contract.js';
import { idempotentRequest } from '../idempotencyKey.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { heldReservationSchema, reservationSchema } from '../responseSchemas.js';
import { idempotencyKeyHeaders, placeHoldBody, reservationParams, uuidSchema } from '../schemas.js';

/** Reservation ids are uuids we issued; anything else cannot name one. */
export function reservationIdOrNotFound(reservationId: string): string {
  if (!uuidSchema.safeParse(reservationId).success) {
    throw new ProblemError(problemFor(notFound(`reservation ${reservationId}`)));
  }
  return reservationId.toLowerCase();
}

export type ReservationRules = {
  /** HOLD_MAX_SEATS_PER_CUSTOMER: unpaid seats one customer may hold on one slot at a time. */
  readonly holdMaxSeatsPerCustomer: number;
};

export function reservationRoutes(app: FastifyInstance, deps: AppDeps, rules: ReservationRules) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.post('/reservations', {
    schema: {
      operationId: 'holdSeats',
      summary: 'Hold seats on a slot until `expiresAt`',
      tags: [TAGS.reservations],
      headers: idempotencyKeyHeaders,
      body: placeHoldBody,
      response: {
        201: replayableResponse('held', heldReservationSchema),
        ...problemResponses({
          ...v1Problems,
          ...bodyProblems,
          ...creatingProblems,
          400: ['invalid_request', 'idempotency_key_required'],
          403: ['forbidden'],
          404: 'not_found: no such slot',
          409: ['slot_full', 'slot_closed', 'hold_limit_reached', 'idempotency_key_in_flight'],
        }),
      },
    },
    preValidation: async (request) => {
      if (!mayBook(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'auditors cannot create reservations'));
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const idempotency = idempotentRequest(request, principal, request.body);
      const outcome = await holdSeats(deps, { principal, requestId: request.id }, idempotency, request.body, rules.holdMaxSeatsPerCustomer);
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      const { response, replayed } = outcome.value;
      if (replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(response.status).send(response.body);
    },
  });

  routes.get('/reservations/:reservationId', {
    schema: {
      operationId: 'getReservation',
      summary: 'Read a reservation with its payments (its owner, or staff)',
      tags: [TAGS.reservations],
      params: reservationParams,
      response: {
        200: jsonResponse('the reservation', reservationSchema),
        ...problemResponses({ ...v1Problems, 404: ['not_found'] }),
      },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const reservationId = reservationIdOrNotFound(request.params.reservationId);
      const outcome = await readAsTenant(deps.pool, principal, (tx) => getReservation(tx, principal, reservationId));
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return outcome.value;
    },
  });

  routes.post('/reservations/:reservationId/cancel', {
    schema: {
      operationId: 'cancelReservation',
      summary: 'Cancel a reservation and release its seats; a paid one is refunded through its provider',
      tags: [TAGS.reservations],
      params: reservationParams,
      response: {
        200: jsonResponse('the reservation', reservationSchema),
        ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'], 409: ['illegal_transition'] }),
      },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const reservationId = reservationIdOrNotFound(request.params.reservationId);
      const cancelled = await cancelReservation(deps, { principal, requestId: request.id }, reservationId);
      if (!cancelled.ok) return sendProblem(reply, problemFor(cancelled.error));
      const outcome = await readAsTenant(deps.pool, principal, (tx) => getReservation(tx, principal, reservationId));
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return outcome.value;
    },
  });
}
