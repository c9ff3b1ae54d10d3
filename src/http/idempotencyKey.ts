import type { FastifyRequest } from 'fastify';
import type { IdempotentRequest } from '../app/idempotency.js';
import type { Principal } from '../identity/principal.js';
import { problem, ProblemError } from './problem.js';

/** Every creating request names its Idempotency-Key (1–255 characters), scoped to the caller. */
export function idempotentRequest(request: FastifyRequest, principal: Principal, body: unknown): IdempotentRequest {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key.length === 0) {
    throw new ProblemError(problem(400, 'idempotency_key_required', 'this request needs an Idempotency-Key header'));
  }
  if (key.length > 255 || Array.isArray(header)) {
    throw new ProblemError(problem(400, 'invalid_request', 'Idempotency-Key must be one value of 1 to 255 characters'));
  }
  return {
    tenantId: principal.tenantId,
    subject: principal.sub,
    key,
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    body,
  };
}
