import type { FastifyReply } from 'fastify';
import type { AppError } from '../app/outcome.js';
import { assertNever } from '../domain/assertNever.js';
import type { ProviderCallError } from '../payments/provider.js';

/** The contract's stable error codes (../shared/docs/API.md, Errors). */
export const PROBLEM_CODES = [
  'invalid_request',
  'idempotency_key_required',
  'unauthorized',
  'forbidden',
  'not_found',
  'slot_full',
  'slot_closed',
  'hold_limit_reached',
  'illegal_transition',
  'idempotency_key_in_flight',
  'idempotency_key_reused',
  'invalid_signature',
  'payload_too_large',
  'rate_limited',
  'unavailable',
  'provider_error',
  'internal_error',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export type Problem = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
};

const titles: Record<ProblemCode, string> = {
  invalid_request: 'Invalid request',
  idempotency_key_required: 'Idempotency-Key header required',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  slot_full: 'Not enough seats',
  slot_closed: 'Departure closed',
  hold_limit_reached: 'Hold limit reached',
  illegal_transition: 'Illegal transition',
  idempotency_key_in_flight: 'Request with this Idempotency-Key in flight',
  idempotency_key_reused: 'Idempotency-Key reused with a different request',
  invalid_signature: 'Invalid signature',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  provider_error: 'Payment provider refused',
  internal_error: 'Internal error',
};

export function problem(status: number, code: ProblemCode, detail: string): Problem {
  return { type: `https://booking-ledger.dev/problems/${code.replaceAll('_', '-')}`, title: titles[code], status, detail, code };
}

/** The one mapping from refusals to HTTP problems. */
export function problemFor(error: AppError): Problem {
  switch (error.kind) {
    case 'SlotFull':
      return problem(409, 'slot_full', error.message);
    case 'SlotClosed':
      return problem(409, 'slot_closed', error.message);
    case 'HoldLimitReached':
      return problem(409, 'hold_limit_reached', error.message);
    case 'IllegalTransition':
    case 'CapacityBelowCommitted':
      return problem(409, 'illegal_transition', error.message);
    case 'InvalidCommand':
      return problem(400, 'invalid_request', error.message);
    case 'NotFound':
      return problem(404, 'not_found', error.message);
    case 'Forbidden':
      return problem(403, 'forbidden', error.message);
    case 'IdempotencyKeyReused':
      return problem(422, 'idempotency_key_reused', error.message);
    case 'IdempotencyKeyInFlight':
      return problem(409, 'idempotency_key_in_flight', error.message);
    default:
      return assertNever(error);
  }
}

/**
 * A payment start whose provider call failed (nothing was recorded and the key was released): 503
 * when the provider could not be reached within the budget, 502 when it refused the request.
 */
export function problemForProviderFailure(error: ProviderCallError, method: string, asked: 'create' | 'lookup' = 'create'): Problem {
  switch (error.failure) {
    case 'unreachable':
      return asked === 'create'
        ? problem(503, 'unavailable', `${method} did not answer in time; retry with the same Idempotency-Key`)
        : problem(503, 'unavailable', `${method} did not answer in time; retry later`);
    case 'refused':
      return problem(
        502,
        'provider_error',
        asked === 'create' ? `${method} refused to create the payment` : `${method} refused to tell the payment's state`,
      );
    default:
      return assertNever(error.failure);
  }
}

/** How long a client waits before retrying a 503 (API.md: `unavailable` comes with Retry-After). */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** Thrown inside route handlers for request-level problems (bad body, missing header); the error handler sends it. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}
