import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { PUBLIC_AVAILABILITY_MAX_ITEMS, PUBLIC_AVAILABILITY_MAX_WINDOW_DAYS } from '../../app/publicAvailability.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { noneMatchHolds } from '../entityTag.js';
import { renderedAvailability } from '../renderedAvailability.js';
import { publicAvailabilitySchema } from '../responseSchemas.js';
import { publicAvailabilityParams, publicAvailabilityQuery } from '../schemas.js';

/** Booking pages poll; five seconds of staleness in a seat count is what a shared cache may add. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=5';

const cachingHeaders = {
  ETag: z.string().meta({ description: 'strong entity tag of the body; send it back in If-None-Match' }),
  'Cache-Control': z.literal(PUBLIC_CACHE_CONTROL),
};

/**
 * `GET /public/v1/tenants/{tenantId}/availability`: no token. A root route group (outside `/v1`
 * and its authentication); CORS, the per-address limit and a cross-origin resource policy come
 * from the server's hardening, by the `/public/` prefix.
 */
export function publicAvailabilityRoutes(app: FastifyInstance, deps: AppDeps) {
  const routes = app.withTypeProvider<RouteTypes>();
  const render = renderedAvailability(deps);
  routes.get('/public/v1/tenants/:tenantId/availability', {
    schema: {
      operationId: 'getPublicAvailability',
      summary: 'Departures still for sale, for booking sites (no token)',
      description:
        `Future departures only, the earliest first, at most ${PUBLIC_AVAILABILITY_MAX_ITEMS}; a window longer than ` +
        `${PUBLIC_AVAILABILITY_MAX_WINDOW_DAYS} days after \`from\` (default now) is cut to that. An unknown tenant reads an empty list.`,
      tags: [TAGS.public],
      security: [],
      params: publicAvailabilityParams,
      querystring: publicAvailabilityQuery,
      response: {
        200: jsonResponse('the departures', publicAvailabilitySchema, cachingHeaders),
        // No body, so no media type: the document shows it as a response without content.
        304: z.null().meta({ description: 'the copy named by If-None-Match is current: no body, the same ETag and Cache-Control' }),
        ...problemResponses({ 400: ['invalid_request'], 429: ['rate_limited'], 503: 'unavailable: the database cannot be reached' }),
      },
    },
    handler: async (request, reply) => {
      const { body, tag } = await render({ tenantId: request.params.tenantId, ...request.query });
      reply.header('cache-control', PUBLIC_CACHE_CONTROL).header('etag', tag);
      if (noneMatchHolds(request.headers['if-none-match'], tag)) return reply.code(304).send();
      return reply.type('application/json; charset=utf-8').send(body);
    },
  });
}
