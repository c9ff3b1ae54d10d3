import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { defineActivity } from '../../app/defineActivity.js';
import { mayManageSlots } from '../../app/policy.js';
import { principalOf } from '../authenticate.js';
import { type RouteTypes, bodyProblems, jsonResponse, problemResponses, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { activitySchema } from '../responseSchemas.js';
import { activityParams, defineActivityBody } from '../schemas.js';

export function activityRoutes(app: FastifyInstance, deps: AppDeps) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.put('/activities/:activityId', {
    schema: {
      operationId: 'defineActivity',
      summary: 'Define or update an activity: its name, IANA time zone and locale (admin)',
      tags: [TAGS.slots],
      params: activityParams,
      body: defineActivityBody,
      response: {
        200: jsonResponse('updated', activitySchema),
        201: jsonResponse('created', activitySchema),
        ...problemResponses({ ...v1Problems, ...bodyProblems, 403: ['forbidden'] }),
      },
    },
    // Who may ask comes before what was asked: a non-admin is refused whatever the body says.
    preValidation: async (request) => {
      if (!mayManageSlots(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'only admins manage activities'));
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { name, timeZone, locale } = request.body;
      const outcome = await defineActivity(
        deps,
        { principal, requestId: request.id },
        { activityId: request.params.activityId, name, timeZone, locale: locale ?? null },
      );
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return reply.code(outcome.value.created ? 201 : 200).send(outcome.value.activity);
    },
  });
}
