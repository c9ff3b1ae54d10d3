import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { notFound } from '../../app/outcome.js';
import { anomalyActorOf, resolveAnomaly } from '../../app/payments/resolveAnomaly.js';
import { mayResolveAnomalies } from '../../app/policy.js';
import { ANOMALY_RESOLUTIONS } from '../../domain/payment.js';
import { principalOf } from '../authenticate.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { anomalyResolvedSchema } from '../responseSchemas.js';
import { storableString, text, uuidSchema } from '../schemas.js';

export const anomalyResolutionParams = z
  .object({
    paymentId: z.string().min(1).max(100).meta({ format: 'uuid', description: 'a payment id; anything that is not one is 404' }),
    providerEventId: storableString().min(1).max(255),
  })
  .strict();

export const anomalyResolutionBody = z
  .object({
    action: z.enum(ANOMALY_RESOLUTIONS as ['refund', 'dismiss']),
    /** Required to dismiss: the record must say how the money was settled. */
    note: text(1000).optional(),
  })
  .strict()
  .meta({ id: 'AnomalyResolution' });

/**
 * `POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve` (tenant admins):
 * `refund` gives a succeeded payment's money back through its provider; `dismiss` records, with a
 * note, that it was settled some other way. Either way the anomaly leaves the open list.
 */
export function anomalyResolutionRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().post('/backoffice/payments/:paymentId/anomalies/:providerEventId/resolve', {
      schema: {
        operationId: 'resolveAnomaly',
        summary: "Resolve an anomaly: `refund` a succeeded payment's money through its provider, or `dismiss` it with a note (admin)",
        tags: [TAGS.backoffice],
        params: anomalyResolutionParams,
        body: anomalyResolutionBody,
        response: {
          200: jsonResponse('the anomaly is resolved', anomalyResolvedSchema),
          ...problemResponses({
            ...v1Problems,
            ...bodyProblems,
            403: ['forbidden'],
            404: ['not_found'],
            409: 'illegal_transition: no such open anomaly, or no money to refund',
          }),
        },
      },
      preValidation: async (request) => {
        if (!mayResolveAnomalies(principalOf(request)))
          throw new ProblemError(problem(403, 'forbidden', 'only tenant admins resolve anomalies'));
      },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { paymentId, providerEventId } = request.params;
        if (!uuidSchema.safeParse(paymentId).success) throw new ProblemError(problemFor(notFound(`payment ${paymentId}`)));
        const { action, note } = request.body;
        const outcome = await resolveAnomaly(deps, anomalyActorOf({ principal, requestId: request.id }), {
          paymentId: paymentId.toLowerCase(),
          providerEventId,
          action,
          ...(note !== undefined ? { note } : {}),
        });
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return outcome.value;
      },
    });
  };
}
