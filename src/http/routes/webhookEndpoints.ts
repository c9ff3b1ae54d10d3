import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../app/outcome.js';
import { mayManageWebhooks } from '../../app/policy.js';
import {
  createEndpoint,
  type EndpointManagement,
  listDeliveries,
  listEndpoints,
  redeliver,
  removeEndpoint,
} from '../../webhooksOut/webhookEndpoints.js';
import { WEBHOOK_EVENT_TYPES } from '../../webhooksOut/webhookEvents.js';
import { principalOf } from '../authenticate.js';
import { bodyProblems, jsonResponse, problemResponses, replayableResponse, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { idempotentRequest } from '../idempotencyKey.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { idempotencyKeyHeaders, uuidSchema } from '../schemas.js';

const endpointBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
  })
  .strict()
  .meta({ id: 'WebhookEndpointRequest' });

const endpointSchema = z
  .object({ id: z.uuid(), url: z.string(), events: z.array(z.string()), createdAt: z.string() })
  .meta({ id: 'WebhookEndpoint' });
const createdEndpointSchema = endpointSchema
  .extend({ secret: z.string().optional().meta({ description: 'whsec_…: in the first answer only, never again (not in a replay)' }) })
  .meta({ id: 'CreatedWebhookEndpoint' });
const deliverySchema = z
  .object({
    deliveryId: z.uuid(),
    type: z.string(),
    reservationId: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    createdAt: z.string(),
    attempts: z.array(z.object({ attemptedAt: z.string(), responseStatus: z.number().optional(), error: z.string().optional() })),
  })
  .meta({ id: 'WebhookDelivery' });

const endpointParams = z.object({ endpointId: z.string().min(1).max(100) }).strict();
const deliveryParams = z.object({ endpointId: z.string().min(1).max(100), deliveryId: z.string().min(1).max(100) }).strict();

/** Ids that are not uuids name nothing: 404, like an unknown one, rather than a database error. */
function uuidOr404(id: string, what: string): string {
  if (!uuidSchema.safeParse(id).success) throw new ProblemError(problemFor(notFound(`${what} ${id}`)));
  return id.toLowerCase();
}

const adminsOnly = async (request: FastifyRequest) => {
  if (!mayManageWebhooks(principalOf(request)))
    throw new ProblemError(problem(403, 'forbidden', 'only tenant admins manage webhook endpoints'));
};

/** `/v1/admin/webhook-endpoints`: the tenant's outgoing webhook endpoints, their deliveries and redeliveries (admins). */
export function webhookEndpointRoutes(deps: EndpointManagement) {
  return (app: FastifyInstance) => {
    const routes = app.withTypeProvider<RouteTypes>();
    routes.post('/admin/webhook-endpoints', {
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Register a webhook endpoint; its signing secret is in this answer only (admin)',
        tags: [TAGS.backoffice],
        headers: idempotencyKeyHeaders,
        body: endpointBody,
        response: {
          201: replayableResponse('created; a replay answers the endpoint without its secret', createdEndpointSchema),
          ...problemResponses({
            ...v1Problems,
            ...bodyProblems,
            400: ['invalid_request', 'idempotency_key_required'],
            403: ['forbidden'],
            409: ['idempotency_key_in_flight'],
            422: ['idempotency_key_reused'],
          }),
        },
      },
      preValidation: adminsOnly,
      handler: async (request, reply) => {
        const idempotency = idempotentRequest(request, principalOf(request), request.body);
        const outcome = await createEndpoint(deps, idempotency, request.body);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        const { status, body, replayed } = outcome.value;
        if (replayed) reply.header('Idempotent-Replayed', 'true');
        return reply.code(status).send(body);
      },
    });
    routes.get('/admin/webhook-endpoints', {
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: "The tenant's webhook endpoints, without their secrets (admin)",
        tags: [TAGS.backoffice],
        response: {
          200: jsonResponse('the endpoints', z.object({ items: z.array(endpointSchema) })),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'] }),
        },
      },
      preValidation: adminsOnly,
      handler: async (request) => ({ items: await listEndpoints(deps.pool, principalOf(request).tenantId) }),
    });
    routes.delete('/admin/webhook-endpoints/:endpointId', {
      schema: {
        operationId: 'removeWebhookEndpoint',
        summary: 'Remove a webhook endpoint: nothing more is sent to it (admin)',
        tags: [TAGS.backoffice],
        params: endpointParams,
        response: {
          204: z.null().meta({ description: 'removed: no body' }),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
        },
      },
      preValidation: adminsOnly,
      handler: async (request, reply) => {
        const endpointId = uuidOr404(request.params.endpointId, 'webhook endpoint');
        const outcome = await removeEndpoint(deps, principalOf(request).tenantId, endpointId);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return reply.code(204).send();
      },
    });
    routes.get('/admin/webhook-endpoints/:endpointId/deliveries', {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's latest deliveries (100), each with its attempts (admin)",
        tags: [TAGS.backoffice],
        params: endpointParams,
        response: {
          200: jsonResponse('the deliveries, latest first', z.object({ items: z.array(deliverySchema) })),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
        },
      },
      preValidation: adminsOnly,
      handler: async (request, reply) => {
        const endpointId = uuidOr404(request.params.endpointId, 'webhook endpoint');
        const outcome = await listDeliveries(deps.pool, principalOf(request).tenantId, endpointId);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return { items: outcome.value };
      },
    });
    routes.post('/admin/webhook-endpoints/:endpointId/deliveries/:deliveryId/redeliver', {
      schema: {
        operationId: 'redeliverWebhook',
        summary: 'Send a delivery again, in its reservation’s order (admin)',
        tags: [TAGS.backoffice],
        params: deliveryParams,
        response: {
          202: jsonResponse('queued', z.object({ deliveryId: z.uuid(), status: z.literal('pending') })),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'], 404: ['not_found'] }),
        },
      },
      preValidation: adminsOnly,
      handler: async (request, reply) => {
        const endpointId = uuidOr404(request.params.endpointId, 'webhook endpoint');
        const deliveryId = uuidOr404(request.params.deliveryId, 'delivery');
        const outcome = await redeliver(deps.pool, principalOf(request).tenantId, endpointId, deliveryId);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return reply.code(202).send(outcome.value);
      },
    });
  };
}
