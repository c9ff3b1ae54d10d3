import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { z } from 'zod';
import { sql } from '../../db/sql.js';

const okRow = z.object({ ok: z.number() });

export function healthRoutes(app: FastifyInstance, pool: DatabasePool) {
  app.get('/health', async (request, reply) => {
    try {
      await pool.oneFirst(sql.type(okRow)`SELECT 1 AS ok`);
      return { status: 'ok' };
    } catch (error) {
      request.log.error({ err: error }, 'health check: database does not answer');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
