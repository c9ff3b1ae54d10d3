import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { z } from 'zod';
import { sql } from '../../db/sql.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { healthSchema } from '../responseSchemas.js';

const okRow = z.object({ ok: z.number() });

/** Health answers within this, whether or not the database does (a probe's own timeout is a few seconds). */
const DATABASE_CHECK_MS = 1_500;

/** Whether the server is shutting down: readiness turns 503 at once, so a balancer stops sending requests before the server stops taking them. */
export type Draining = { isDraining(): boolean };

async function databaseAnswers(pool: DatabasePool): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, DATABASE_CHECK_MS);
  });
  try {
    return await Promise.race([pool.oneFirst(sql.type(okRow)`SELECT 1 AS ok`).then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health` (the database answers), `/readyz` (the same, and 503 from the moment shutdown starts)
 * and `/livez` (the process serves at all: no database check, so an outage of the database does not
 * get every container restarted).
 */
export function healthRoutes(app: FastifyInstance, pool: DatabasePool, draining: Draining) {
  const routes = app.withTypeProvider<RouteTypes>();
  const check = async (request: { log: FastifyInstance['log'] }): Promise<boolean> => {
    try {
      if (await databaseAnswers(pool)) return true;
      request.log.error('health check: the database did not answer in time');
    } catch (error) {
      request.log.error({ err: error }, 'health check: database does not answer');
    }
    return false;
  };
  routes.get('/health', {
    schema: {
      operationId: 'getHealth',
      summary: 'Whether the database answers (within 2 s either way)',
      tags: [TAGS.operations],
      security: [],
      response: {
        200: jsonResponse('up', healthSchema),
        503: jsonResponse('the database does not answer', healthSchema),
        ...problemResponses({ 429: ['rate_limited'] }),
      },
    },
    handler: async (request, reply) => ((await check(request)) ? { status: 'ok' } : reply.code(503).send({ status: 'unavailable' })),
  });
  routes.get('/readyz', {
    schema: {
      operationId: 'getReadiness',
      summary: 'Whether this instance should get requests: the database answers and it is not shutting down',
      tags: [TAGS.operations],
      security: [],
      response: {
        200: jsonResponse('ready', healthSchema),
        503: jsonResponse('shutting down, or the database does not answer', healthSchema),
        ...problemResponses({ 429: ['rate_limited'] }),
      },
    },
    handler: async (request, reply) =>
      !draining.isDraining() && (await check(request)) ? { status: 'ok' } : reply.code(503).send({ status: 'unavailable' }),
  });
  routes.get('/livez', {
    schema: {
      operationId: 'getLiveness',
      summary: 'Whether the process can serve at all (no database check)',
      tags: [TAGS.operations],
      security: [],
      response: { 200: jsonResponse('alive', healthSchema), ...problemResponses({ 429: ['rate_limited'] }) },
    },
    handler: () => ({ status: 'ok' as const }),
  });
}
