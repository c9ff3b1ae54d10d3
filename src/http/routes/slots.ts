import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { defineSlot } from '../../app/defineSlot.js';
import { mayManageSlots } from '../../app/policy.js';
import { getSlot, getSlotPage } from '../../app/queries.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import { type RouteTypes, bodyProblems, jsonResponse, problemResponses, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { slotPageSchema, slotSchema } from '../responseSchemas.js';
import { defineSlotBody, slotListQuery, slotParams } from '../schemas.js';

export function slotRoutes(app: FastifyInstance, deps: AppDeps) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.put('/slots/:slotId', {
    schema: {
      operationId: 'defineSlot',
      summary: 'Define or update a slot (admin)',
      tags: [TAGS.slots],
      params: slotParams,
      body: defineSlotBody,
      response: {
        200: jsonResponse('updated', slotSchema),
        201: jsonResponse('created', slotSchema),
        ...problemResponses({
          ...v1Problems,
          ...bodyProblems,
          403: ['forbidden'],
          409: 'illegal_transition: capacity below the seats already held or sold',
        }),
      },
    },
    // Who may ask comes before what was asked: a non-admin is refused whatever the body says.
    preValidation: async (request) => {
      if (!mayManageSlots(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'only admins manage slots'));
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const outcome = await defineSlot(deps, { principal, requestId: request.id }, { slotId: request.params.slotId, ...request.body });
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return reply.code(outcome.value.created ? 201 : 200).send(outcome.value.slot);
    },
  });

  routes.get('/slots/:slotId', {
    schema: {
      operationId: 'getSlot',
      summary: 'Read a slot and its availability (any role of the tenant)',
      tags: [TAGS.slots],
      params: slotParams,
      response: {
        200: jsonResponse('the slot', slotSchema),
        ...problemResponses({ ...v1Problems, 404: ['not_found'] }),
      },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const outcome = await readAsTenant(deps.pool, principal, (tx) => getSlot(tx, principal, request.params.slotId));
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return outcome.value;
    },
  });

  routes.get('/slots', {
    schema: {
      operationId: 'listSlots',
      summary: 'Slots in departure order, by activity, departure range and availability, keyset-paged (any role of the tenant)',
      description:
        '`from` (included) and `to` (excluded) bound `startsAt`; `onlyAvailable=true` leaves out full slots; `limit` 1 to 200 ' +
        '(default 50). Follow `nextCursor` (opaque) for the next page.',
      tags: [TAGS.slots],
      querystring: slotListQuery,
      response: {
        200: jsonResponse('one page', slotPageSchema),
        ...problemResponses(v1Problems),
      },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const { filters, limit, cursor } = request.query;
      const after = decodeCursor('slots', cursor);
      const page = await readAsTenant(deps.pool, principal, (tx) =>
        getSlotPage(tx, principal, filters, { limit, ...(after ? { after } : {}) }),
      );
      return { items: page.items, nextCursor: encodeCursor('slots', page.next) };
    },
  });
}
