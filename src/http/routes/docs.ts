import type { FastifyInstance } from 'fastify';
import { jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { openApiDocumentSchema } from '../responseSchemas.js';

/**
 * GET /docs: the OpenAPI 3.1 document that @fastify/swagger generates from the route schemas
 * (src/http/contract.ts). It depends on the routes, not on requests: built on the first call, after
 * every route is registered, and cached by the plugin.
 */
export function docsRoutes(app: FastifyInstance) {
  app.withTypeProvider<RouteTypes>().get('/docs', {
    schema: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: [TAGS.operations],
      security: [],
      response: { 200: jsonResponse('OpenAPI 3.1 JSON', openApiDocumentSchema), ...problemResponses({ 429: ['rate_limited'] }) },
    },
    handler: async () => app.swagger(),
  });
}
