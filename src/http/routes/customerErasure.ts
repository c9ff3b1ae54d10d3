import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { eraseCustomer } from '../../app/eraseCustomer.js';
import type { PersonalDataScrubber } from '../../app/personalDataScrubbers.js';
import { mayEraseCustomers } from '../../app/policy.js';
import { principalOf } from '../authenticate.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';

export const customerErasureBody = z
  .object({ email: z.email().max(320) })
  .strict()
  .meta({ id: 'CustomerErasure' });

export const customerErasedSchema = z
  .object({
    erased: z.number().int().nonnegative().meta({ description: "the customer's reservations whose personal data was erased now" }),
  })
  .strict()
  .meta({ id: 'CustomerErased' });

/**
 * `POST /v1/backoffice/customers/erase { "email" }` (tenant admins) → `200 { "erased": n }`: the
 * customer's data key is destroyed and their reservations read `[erased]` from then on (ADR 0048).
 * Erasing again, or a customer never seen, is `{ "erased": 0 }`.
 */
export function customerErasureRoutes(deps: AppDeps, scrubbers: readonly PersonalDataScrubber[]) {
  return (app: FastifyInstance) => {
    app.withTypeProvider<RouteTypes>().post('/backoffice/customers/erase', {
      schema: {
        operationId: 'eraseCustomer',
        summary: "Erase a customer's personal data in this tenant (LGPD/GDPR): their name and e-mail read `[erased]` everywhere (admin)",
        tags: [TAGS.backoffice],
        body: customerErasureBody,
        response: {
          200: jsonResponse('the customer is erased', customerErasedSchema),
          ...problemResponses({ ...v1Problems, ...bodyProblems, 403: ['forbidden'] }),
        },
      },
      preValidation: async (request) => {
        if (!mayEraseCustomers(principalOf(request)))
          throw new ProblemError(problem(403, 'forbidden', "only tenant admins erase customers' personal data"));
      },
      handler: async (request, reply) => {
        const caller = { principal: principalOf(request), requestId: request.id };
        const outcome = await eraseCustomer(deps, caller, request.body.email, scrubbers);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return outcome.value;
      },
    });
  };
}
