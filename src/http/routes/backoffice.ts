import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { listUnmatchedEvents } from '../../app/payments/inbox.js';
import { mayReadWholeTenant } from '../../app/policy.js';
import { listPaymentAnomalies } from '../../../projections/paymentView.js';
import { principalOf } from '../authenticate.js';
import { problem, ProblemError } from '../problem.js';
import { parseOr400 } from '../validation.js';
import { backofficeListRoutes } from './backofficeLists.js';

const anomaliesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/**
 * The back office (staff and admins of the tenant): money the ledger could not simply apply, and
 * the lists of reservations and payments with their export.
 */
export function backofficeRoutes(deps: AppDeps) {
  return (app: FastifyInstance) => {
    backofficeListRoutes(app, deps.pool);
    app.get('/backoffice/anomalies', async (request) => {
      const principal = principalOf(request);
      if (!mayReadWholeTenant(principal)) throw new ProblemError(problem(403, 'forbidden', 'only staff read the back office'));
      const { limit } = parseOr400(anomaliesQuery, request.query, 'query');
      const [anomalies, unmatched] = await Promise.all([
        listPaymentAnomalies(deps.pool, principal.tenantId, limit),
        listUnmatchedEvents(deps.pool, principal.tenantId, limit),
      ]);
      return { anomalies, unmatched };
    });
  };
}
