import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { defineSlot } from '../../app/defineSlot.js';
import { mayManageSlots } from '../../app/policy.js';
import { getSlot } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { defineSlotBody, slotParams } from '../schemas.js';
import { parseOr400 } from '../validation.js';

export function slotRoutes(app: FastifyInstance, deps: AppDeps) {
  app.put('/slots/:slotId', async (request, reply) => {
    const principal = principalOf(request);
    const { slotId } = parseOr400(slotParams, request.params, 'path');
    if (!mayManageSlots(principal)) throw new ProblemError(problem(403, 'forbidden', 'only admins manage slots'));
    const body = parseOr400(defineSlotBody, request.body, 'body');
    const outcome = await defineSlot(deps, { principal, requestId: request.id }, { slotId, ...body });
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return reply.code(outcome.value.created ? 201 : 200).send(outcome.value.slot);
  });

  app.get('/slots/:slotId', async (request, reply) => {
    const principal = principalOf(request);
    const { slotId } = parseOr400(slotParams, request.params, 'path');
    const outcome = await readAsTenant(deps.pool, principal, (tx) => getSlot(tx, principal, slotId));
    if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
    return outcome.value;
  });
}
