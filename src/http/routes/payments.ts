import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { startPayment } from '../../app/payments/startPayment.js';
import { mayBook } from '../../app/policy.js';
import { accountOf, type PaymentProviders, ProviderCallError } from '../../payments/provider.js';
import { principalOf } from '../authenticate.js';
import { bodyProblems, creatingProblems, problemResponses, replayableResponse, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { idempotentRequest } from '../idempotencyKey.js';
import { problem, problemFor, ProblemError, problemForProviderFailure, sendProblem } from '../problem.js';
import { paymentSchema } from '../responseSchemas.js';
import { idempotencyKeyHeaders, reservationParams, startPaymentBody } from '../schemas.js';
import { reservationIdOrNotFound } from './reservations.js';

/** `POST /v1/reservations/{id}/payments`: starts a payment; nothing here can make a reservation paid. */
export function paymentRoutes(deps: AppDeps, providers: PaymentProviders) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().post('/reservations/:reservationId/payments', {
      schema: {
        operationId: 'startPayment',
        summary: 'Start a payment with a provider (`pix` goes through Mercado Pago)',
        tags: [TAGS.payments],
        params: reservationParams,
        headers: idempotencyKeyHeaders,
        body: startPaymentBody,
        response: {
          200: replayableResponse('the open payment this reservation already has with this provider (asked with any key)', paymentSchema),
          201: replayableResponse('started', paymentSchema),
          ...problemResponses({
            ...v1Problems,
            ...bodyProblems,
            ...creatingProblems,
            400: ['invalid_request', 'idempotency_key_required'],
            403: ['forbidden'],
            404: ['not_found'],
            409: ['illegal_transition', 'idempotency_key_in_flight'],
            502: 'provider_error: the provider refused to create the payment (nothing was recorded)',
            503: 'unavailable: the provider is not configured on this server or did not answer within 25 s (retry with the same Idempotency-Key), or the identity provider cannot be reached',
          }),
        },
      },
      preValidation: async (request) => {
        if (!mayBook(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'auditors cannot create payments'));
      },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const reservationId = reservationIdOrNotFound(request.params.reservationId);
        const idempotency = idempotentRequest(request, principal, request.body);
        const { provider: method } = request.body;
        const provider = providers[accountOf(method)];
        if (!provider) throw new ProblemError(problem(503, 'unavailable', `${method} payments are not configured on this server`));
        let outcome: Awaited<ReturnType<typeof startPayment>>;
        try {
          outcome = await startPayment(deps, provider, { principal, requestId: request.id }, idempotency, { reservationId, method });
        } catch (error) {
          if (!(error instanceof ProviderCallError)) throw error;
          request.log.warn({ err: error }, 'payment provider call failed');
          // Nothing was recorded and the key was released: the client may retry with the same key.
          return sendProblem(reply, problemForProviderFailure(error, method));
        }
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        const { response, replayed } = outcome.value;
        if (replayed) reply.header('Idempotent-Replayed', 'true');
        return reply.code(response.status).send(response.body);
      },
    });
  };
}
