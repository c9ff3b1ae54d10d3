import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LedgerMetrics } from '../../metrics/ledgerMetrics.js';
import { problemResponses, type RouteTypes, TAGS } from '../contract.js';

/**
 * `/metrics` in Prometheus text format, unauthenticated like the probes and limited per client
 * address like them (rateLimits.ts). Its database-backed series are read at most every few seconds
 * whatever the scrape rate (ledgerMetrics.ts), and none names a tenant or a customer.
 */
export function metricsRoutes(app: FastifyInstance, metrics: LedgerMetrics) {
  app.withTypeProvider<RouteTypes>().get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics: requests by route and status, pools, webhooks, anomalies, job queue, consumer lag',
      tags: [TAGS.operations],
      security: [],
      response: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...problemResponses({ 429: ['rate_limited'] }),
      },
    },
    handler: async (_request, reply) => {
      const { contentType, text } = await metrics.render();
      return reply.type(contentType).send(text);
    },
  });
}
