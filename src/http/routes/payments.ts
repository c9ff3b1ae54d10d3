import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { startPayment } from '../../app/payments/startPayment.js';
import { mayBook } from '../../app/policy.js';
import { accountOf, type PaymentProviders, ProviderCallError } from '../../payments/provider.js';
import { principalOf } from '../authenticate.js';
import { idempotentRequest } from '../idempotencyKey.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { startPaymentBody } from '../schemas.js';
import { parseOr400 } from '../validation.js';
import { reservationIdOrNotFound } from './reservations.js';


/** `POST /v1/reservations/{id}/payments`: starts a payment; nothing here can make a reservation paid. */
export function paymentRoutes(deps: AppDeps, providers: PaymentProviders) {
  return (app: FastifyInstance) => {
    app.post('/reservations/:reservationId/payments', async (request, reply) => {
      const principal = principalOf(request);
      if (!mayBook(principal)) throw new ProblemError(problem(403, 'forbidden', 'auditors cannot create payments'));
      const reservationId = reservationIdOrNotFound(request.params);
      const idempotency = idempotentRequest(request, principal, request.body);
      const { provider: method } = parseOr400(startPaymentBody, request.body, 'body');
      const provider = providers[accountOf(method)];
      if (!provider) throw new ProblemError(problem(503, 'unavailable', `${method} payments are not configured on this server`));
      try {
        const outcome = await startPayment(deps, provider, { principal, requestId: request.id }, idempotency, { reservationId, method });
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        const { response, replayed } = outcome.value;
        if (replayed) reply.header('Idempotent-Replayed', 'true');
        return reply.code(response.status).send(response.body);
      } catch (error) {
        if (!(error instanceof ProviderCallError)) throw error;
        request.log.warn({ err: error }, 'payment provider call failed');
        // Nothing was recorded and the key was released: the client may retry with the same key.
        return sendProblem(reply, problem(502, 'unavailable', `${method} did not create the payment; retry with the same Idempotency-Key`));
      }
    });
  };
}
