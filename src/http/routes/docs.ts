import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi.js';

/** GET /docs: the OpenAPI 3.1 document, built once (it depends on code, not on requests). */
export function docsRoutes(app: FastifyInstance) {
  const document = buildOpenApiDocument();
  app.get('/docs', async () => document);
}
