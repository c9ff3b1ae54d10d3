import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { consumerLag } from '../../consumers/consumerLag.js';
import { jsonResponse, type RouteTypes, TAGS } from '../contract.js';
import { consumerMetricsSchema } from '../responseSchemas.js';

/**
 * Where every asynchronous consumer stands and how many committed events it has yet to take.
 * Beside /health and like it unauthenticated: it names consumers and log positions, no tenant data.
 */
export function consumerMetricsRoutes(app: FastifyInstance, pool: DatabasePool, consumerNames: readonly string[]) {
  app.withTypeProvider<RouteTypes>().get('/metrics/consumers', {
    schema: {
      operationId: 'getConsumerMetrics',
      summary: 'Position and lag (in events) of every asynchronous consumer',
      tags: [TAGS.operations],
      security: [],
      response: { 200: jsonResponse('the consumers', consumerMetricsSchema) },
    },
    handler: async () => ({ consumers: await consumerLag(pool, consumerNames) }),
  });
}
