import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { consumerLag } from '../../consumers/consumerLag.js';

/**
 * Where every asynchronous consumer stands and how many committed events it has yet to take.
 * Beside /health and like it unauthenticated: it names consumers and log positions, no tenant data.
 */
export function consumerMetricsRoutes(app: FastifyInstance, pool: DatabasePool, consumerNames: readonly string[]) {
  app.get('/metrics/consumers', async () => ({ consumers: await consumerLag(pool, consumerNames) }));
}
