import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../identity/principal.js';
import type { TokenVerifier } from '../identity/tokenVerifier.js';
import type { UserDirectory } from '../identity/userDirectory.js';

export type { TokenVerifier, UserDirectory };

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- declaration merging: only an interface adds a field to fastify's own
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * Verifies the bearer ID token before any route code runs; a failure throws UnauthorizedError,
 * which the error handler turns into 401.
 */
export function authenticate(verifier: TokenVerifier, users: UserDirectory) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = await verifier.verify(request.headers.authorization);
    await users.recordSighting(principal);
    request.principal = principal;
    request.log = request.log.child({ sub: principal.sub, tenant: principal.tenantId });
  };
}

/** The verified caller; route code under /v1 only runs after `authenticate` set it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without an authenticated principal');
  return request.principal;
}
