import type { FastifyRequest } from 'fastify';
import type { IdempotentRequest } from '../app/idempotency.js';
import type { Principal } from '../identity/principal.js';

/**
 * The caller's Idempotency-Key with what it must replay, scoped to the caller. The route's header
 * schema (`idempotencyKeyHeaders`) has already required 1–255 characters, and the body is the
 * validated one.
 */
export function idempotentRequest(request: FastifyRequest, principal: Principal, body: unknown): IdempotentRequest {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') throw new Error('a creating route without the Idempotency-Key header schema');
  return {
    tenantId: principal.tenantId,
    subject: principal.sub,
    key,
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    body,
  };
}
