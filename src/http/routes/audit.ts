import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { mayAudit } from '../../app/policy.js';
import { getAuditStream, getReservationAsOf } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import type { Principal } from '../../identity/principal.js';
import { principalOf } from '../authenticate.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { asOfQuery, streamParams } from '../schemas.js';
import { parseOr400 } from '../validation.js';
import { reservationIdOrNotFound } from './reservations.js';

function auditor(principal: Principal): Principal {
  if (!mayAudit(principal)) throw new ProblemError(problem(403, 'forbidden', 'only auditors read event streams'));
  return principal;
}

export function auditRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/audit/streams/:streamId', async (request, reply) => {
    const principal = auditor(principalOf(request));
    const { streamId } = parseOr400(streamParams, request.params, 'path');
    const outcome = await readAsTenant(deps.pool, principal, (tx) => getAuditStream(tx, principal, streamId));
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return outcome.value;
  });

  app.get('/audit/reservations/:reservationId', async (request, reply) => {
    const principal = auditor(principalOf(request));
    const reservationId = reservationIdOrNotFound(request.params);
    const { at } = parseOr400(asOfQuery, request.query, 'query');
    const outcome = await readAsTenant(deps.pool, principal, (tx) => getReservationAsOf(tx, principal, reservationId, at));
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
  });
}
