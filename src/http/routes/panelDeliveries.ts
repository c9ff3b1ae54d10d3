import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { notFound } from '../../app/outcome.js';
import { retryPanelPush } from '../../app/panel/retryPanelPush.js';
import { mayRetryPanelPushes } from '../../app/policy.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { uuidSchema } from '../schemas.js';

const retryParams = z
  .object({ id: z.string().min(1).max(100).meta({ format: 'uuid', description: 'a delivery id; anything that is not one is 404' }) })
  .strict();

const retriedDelivery = z
  .object({ id: z.uuid(), reservationId: z.uuid(), status: z.literal('queued') })
  .strict()
  .meta({ id: 'RetriedPanelDelivery' });

/**
 * `POST /v1/backoffice/sync/deliveries/{id}/retry` (tenant admins): a push to the activity panel
 * that failed after its 3 days of retries is queued again (API.md, activity panel).
 */
export function panelDeliveryRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().post('/backoffice/sync/deliveries/:id/retry', {
      schema: {
        operationId: 'retryPanelDelivery',
        summary: 'Queue a failed push to the activity panel again (admin)',
        tags: [TAGS.backoffice],
        params: retryParams,
        response: {
          202: jsonResponse('the push is queued again', retriedDelivery),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: 'not_found: no failed delivery with this id' }),
        },
      },
      preValidation: async (request) => {
        if (!mayRetryPanelPushes(principalOf(request)))
          throw new ProblemError(problem(403, 'forbidden', 'only tenant admins retry pushes to the panel'));
      },
      handler: async (request, reply) => {
        const { id } = request.params;
        if (!uuidSchema.safeParse(id).success) throw new ProblemError(problemFor(notFound(`failed panel delivery ${id}`)));
        const outcome = await retryPanelPush(deps, principalOf(request).tenantId, id.toLowerCase());
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return reply.code(202).send(outcome.value);
      },
    });
  };
}
