import type { FastifyError, FastifyRequest } from 'fastify';
import { problem, type Problem } from './problem.js';

/** How a detail names the part of the request at fault (`body.seats`, `query.limit`, `path.slotId`). */
const partNames: Readonly<Record<string, string>> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * The 400 for a request that its route's schema refused (the type provider's validator compiler):
 * the first few offending fields with their messages. A creating request without an
 * Idempotency-Key gets the contract's own code for that.
 */
export function validationProblem(error: FastifyError, request: FastifyRequest): Problem {
  const part = partNames[error.validationContext ?? ''] ?? error.validationContext ?? 'request';
  const issues = error.validation ?? [];
  if (part === 'header' && issues.some((issue) => issue.instancePath === '/idempotency-key') && !request.headers['idempotency-key']) {
    return problem(400, 'idempotency_key_required', 'this request needs an Idempotency-Key header');
  }
  const detail = issues
    .slice(0, 5)
    .map(
      (issue) =>
        `${[part, ...issue.instancePath.split('/').filter((segment) => segment.length > 0)].join('.')}: ${issue.message ?? 'invalid'}`,
    )
    .join('; ');
  return problem(400, 'invalid_request', detail || error.message);
}
