import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { notFound } from '../../app/outcome.js';
import { reconcileOnePayment } from '../../app/payments/reconcileOnePayment.js';
import { mayReconcilePayments } from '../../app/policy.js';
import { type PaymentProviders, ProviderCallError } from '../../payments/provider.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, problemForProviderFailure, sendProblem } from '../problem.js';
import { paymentSchema } from '../responseSchemas.js';
import { uuidSchema } from '../schemas.js';

export const paymentReconciliationParams = z
  .object({
    paymentId: z.string().min(1).max(100).meta({ format: 'uuid', description: 'a payment id; anything that is not one is 404' }),
  })
  .strict();

/**
 * `POST /v1/backoffice/payments/{paymentId}/reconcile` (staff, admins): the manual reconciliation of
 * one payment, now, instead of waiting for its webhook or its turn in the periodic reconciliation.
 */
export function paymentReconciliationRoutes(deps: AppDeps, providers: PaymentProviders) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().post('/backoffice/payments/:paymentId/reconcile', {
      schema: {
        operationId: 'reconcilePayment',
        summary: "Ask the provider for a payment's state now and apply it as a verified webhook would (staff, admin)",
        tags: [TAGS.backoffice],
        params: paymentReconciliationParams,
        response: {
          200: jsonResponse("the payment as it is after the provider's answer was applied", paymentSchema),
          ...problemResponses({
            ...v1Problems,
            403: ['forbidden'],
            404: ['not_found'],
            502: "provider_error: the provider refused to tell the payment's state",
            503: 'unavailable: the provider is not configured on this server or did not answer within 25 s, or the identity provider cannot be reached',
          }),
        },
      },
      preValidation: async (request) => {
        if (!mayReconcilePayments(principalOf(request)))
          throw new ProblemError(problem(403, 'forbidden', 'only staff and admins reconcile payments'));
      },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { paymentId } = request.params;
        if (!uuidSchema.safeParse(paymentId).success) throw new ProblemError(problemFor(notFound(`payment ${paymentId}`)));
        let outcome: Awaited<ReturnType<typeof reconcileOnePayment>>;
        try {
          outcome = await reconcileOnePayment(deps, providers, principal, paymentId.toLowerCase());
        } catch (error) {
          if (!(error instanceof ProviderCallError)) throw error;
          request.log.warn({ err: error }, 'payment provider lookup failed');
          return sendProblem(reply, problemForProviderFailure(error, error.account, 'lookup'));
        }
        if ('kind' in outcome)
          return sendProblem(reply, problem(503, 'unavailable', `${outcome.provider} payments are not configured on this server`));
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return outcome.value;
      },
    });
  };
}
