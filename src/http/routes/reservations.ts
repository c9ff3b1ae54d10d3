import type { FastifyInstance } from 'fastify';
import { cancelReservation } from '../../app/cancelReservation.js';
import type { AppDeps } from '../../app/context.js';
import { holdSeats } from '../../app/holdSeats.js';
import { notFound } from '../../app/outcome.js';
import { mayBook } from '../../app/policy.js';
import { getReservation } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import { idempotentRequest } from '../idempotencyKey.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { placeHoldBody, reservationParams, uuidSchema } from '../schemas.js';
import { parseOr400 } from '../validation.js';

/** Reservation ids are uuids we issued; anything else cannot name one. */
export function reservationIdOrNotFound(params: unknown): string {
  const { reservationId } = parseOr400(reservationParams, params, 'path');
  if (!uuidSchema.safeParse(reservationId).success) {
    throw new ProblemError(problemFor(notFound(`reservation ${reservationId}`)));
  }
  return reservationId.toLowerCase();
}

export function reservationRoutes(app: FastifyInstance, deps: AppDeps) {
  app.post('/reservations', async (request, reply) => {
    const principal = principalOf(request);
    if (!mayBook(principal)) throw new ProblemError(problem(403, 'forbidden', 'auditors cannot create reservations'));
    const idempotency = idempotentRequest(request, principal, request.body);
    const body = parseOr400(placeHoldBody, request.body, 'body');
    const outcome = await holdSeats(deps, { principal, requestId: request.id }, idempotency, body);
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    const { response, replayed } = outcome.value;
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.code(response.status).send(response.body);
  });

  app.get('/reservations/:reservationId', async (request, reply) => {
    const principal = principalOf(request);
    const reservationId = reservationIdOrNotFound(request.params);
    const outcome = await readAsTenant(deps.pool, principal, (tx) => getReservation(tx, principal, reservationId));
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return outcome.value;
  });

  app.post('/reservations/:reservationId/cancel', async (request, reply) => {
    const principal = principalOf(request);
    const reservationId = reservationIdOrNotFound(request.params);
    const cancelled = await cancelReservation(deps, { principal, requestId: request.id }, reservationId);
    if (!cancelled.ok) return sendProblem(reply, problemFor(cancelled.error));
    const outcome = await readAsTenant(deps.pool, principal, (tx) => getReservation(tx, principal, reservationId));
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return outcome.value;
  });
}
