import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { mayAudit } from '../../app/policy.js';
import type { CheckpointVerifyingKey } from '../../audit/checkpointSigning.js';
import { verifyLedger } from '../../audit/verifyLedger.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, ProblemError } from '../problem.js';
import { verifyReportSchema } from '../responseSchemas.js';

/**
 * POST /v1/audit/verify: the caller's tenant proved from its events — hash chains, projections
 * against a rebuild, and streams against the latest signed checkpoint (the extra `checkpoints`).
 */
export function auditVerifyRoutes(app: FastifyInstance, pool: DatabasePool, trustedCheckpointKey: CheckpointVerifyingKey) {
  app.withTypeProvider<RouteTypes>().post('/audit/verify', {
    schema: {
      operationId: 'verifyLedger',
      summary: "Verify the tenant's hash chains, projections and signed checkpoints (auditor)",
      tags: [TAGS.audit],
      response: {
        200: jsonResponse('the report', verifyReportSchema),
        ...problemResponses({ ...v1Problems, 403: ['forbidden'] }),
      },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      if (!mayAudit(principal)) throw new ProblemError(problem(403, 'forbidden', 'only auditors verify the ledger'));
      const report = await verifyLedger(pool, { tenantId: principal.tenantId, trustedCheckpointKey });
      return {
        ok: report.ok,
        streams: report.streams,
        events: report.events,
        brokenChains: report.brokenChains,
        projectionMismatches: report.projectionMismatches,
        checkpoints: report.checkpoints,
      };
    },
  });
}
