import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import type { CheckpointVerifyingKey } from '../../audit/checkpointSigning.js';
import { auditVerifyRoutes } from './auditVerify.js';
import { consumerMetricsRoutes } from './consumerMetrics.js';
import { docsRoutes } from './docs.js';
import { reportRoutes } from './reports.js';

/**
 * The auditor and backoffice route groups (verify, reports, consumer metrics, /docs), in the shape
 * `buildServer` takes them, so the composition root and the tests register exactly the same set.
 */
export function auditAndReportsPlugins(
  pool: DatabasePool,
  consumerNames: readonly string[],
  trustedCheckpointKey: CheckpointVerifyingKey,
) {
  return {
    v1Plugins: [(v1: FastifyInstance) => reportRoutes(v1, pool), (v1: FastifyInstance) => auditVerifyRoutes(v1, pool, trustedCheckpointKey)],
    rootPlugins: [(app: FastifyInstance) => consumerMetricsRoutes(app, pool, consumerNames), (app: FastifyInstance) => docsRoutes(app)],
  };
}
