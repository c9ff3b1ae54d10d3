import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { z } from 'zod';
import { sql } from '../../db/sql.js';
import { jsonResponse, type RouteTypes, TAGS } from '../contract.js';
import { healthSchema } from '../responseSchemas.js';

const okRow = z.object({ ok: z.number() });

export function healthRoutes(app: FastifyInstance, pool: DatabasePool) {
  app.withTypeProvider<RouteTypes>().get('/health', {
    schema: {
      operationId: 'getHealth',
      summary: 'Whether the database answers',
      tags: [TAGS.operations],
      security: [],
      response: { 200: jsonResponse('up', healthSchema), 503: jsonResponse('the database does not answer', healthSchema) },
    },
    handler: async (request, reply) => {
      try {
        await pool.oneFirst(sql.type(okRow)`SELECT 1 AS ok`);
        return { status: 'ok' };
      } catch (error) {
        request.log.error({ err: error }, 'health check: database does not answer');
        return reply.code(503).send({ status: 'unavailable' });
      }
    },
  });
}
