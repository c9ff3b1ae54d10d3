import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { listUnmatchedEvents } from '../../app/payments/inbox.js';
import { mayReadWholeTenant } from '../../app/policy.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { listPaymentAnomalies } from '../../../projections/paymentView.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, ProblemError } from '../problem.js';
import { anomaliesSchema } from '../responseSchemas.js';
import { backofficeListRoutes } from './backofficeLists.js';

export const anomaliesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** open: still to resolve (the to-do list); resolved; all (default). */
    state: z.enum(['open', 'resolved', 'all']).default('all'),
  })
  .strict();

/** The back office is the tenant's staff's and admins'. */
export async function staffOnly(request: FastifyRequest) {
  if (!mayReadWholeTenant(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'only staff read the back office'));
}

/**
 * The back office (staff and admins of the tenant): money the ledger could not simply apply, and
 * the lists of reservations and payments with their export.
 */
export function backofficeRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    backofficeListRoutes(app, deps.pool, deps.personalData);
    app.withTypeProvider<RouteTypes>().get('/backoffice/anomalies', {
      schema: {
        operationId: 'listAnomalies',
        summary: 'Payment anomalies (money the ledger could not simply apply) and verified webhooks that matched no payment (staff, admin)',
        tags: [TAGS.backoffice],
        querystring: anomaliesQuery,
        response: {
          200: jsonResponse('anomalies, each with its resolution once resolved, and unmatched events', anomaliesSchema),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'] }),
        },
      },
      preValidation: staffOnly,
      handler: async (request) => {
        const principal = principalOf(request);
        const { limit, state } = request.query;
        // One transaction holds one connection, so the two lists are read one after the other.
        return readAsTenant(deps.pool, principal, async (tx) => ({
          anomalies: await listPaymentAnomalies(tx, principal.tenantId, limit, state),
          unmatched: await listUnmatchedEvents(tx, principal.tenantId, limit),
        }));
      },
    });
  };
}
