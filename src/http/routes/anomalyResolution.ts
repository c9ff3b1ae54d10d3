import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { notFound } from '../../app/outcome.js';
import { anomalyActorOf, resolveAnomaly } from '../../app/payments/resolveAnomaly.js';
import { mayResolveAnomalies } from '../../app/policy.js';
import { ANOMALY_RESOLUTIONS } from '../../domain/payment.js';
import { principalOf } from '../authenticate.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { uuidSchema } from '../schemas.js';
import { parseOr400 } from '../validation.js';

export const anomalyResolutionParams = z
  .object({ paymentId: z.string().min(1).max(100), providerEventId: z.string().min(1).max(255) })
  .strict();

export const anomalyResolutionBody = z
  .object({
    action: z.enum(ANOMALY_RESOLUTIONS as ['refund', 'dismiss']),
    /** Required to dismiss: the record must say how the money was settled. */
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();

/**
 * `POST /v1/backoffice/payments/{paymentId}/anomalies/{providerEventId}/resolve` (tenant admins):
 * `refund` gives a succeeded payment's money back through its provider; `dismiss` records, with a
 * note, that it was settled some other way. Either way the anomaly leaves the open list.
 */
export function anomalyResolutionRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    app.post('/backoffice/payments/:paymentId/anomalies/:providerEventId/resolve', async (request, reply) => {
      const principal = principalOf(request);
      if (!mayResolveAnomalies(principal)) throw new ProblemError(problem(403, 'forbidden', 'only tenant admins resolve anomalies'));
      const { paymentId, providerEventId } = parseOr400(anomalyResolutionParams, request.params, 'path');
      if (!uuidSchema.safeParse(paymentId).success) throw new ProblemError(problemFor(notFound(`payment ${paymentId}`)));
      const body = parseOr400(anomalyResolutionBody, request.body, 'body');
      const outcome = await resolveAnomaly(deps, anomalyActorOf({ principal, requestId: request.id }), {
        paymentId: paymentId.toLowerCase(),
        providerEventId,
        action: body.action,
        ...(body.note !== undefined ? { note: body.note } : {}),
      });
      if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
      return outcome.value;
    });
  };
}
