import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppDeps } from '../app/context.js';
import type { AfterCancel } from '../app/cancelReservation.js';
import { IdentityProviderUnavailableError, UnauthorizedError } from '../identity/errors.js';
import { authenticate, type TokenVerifier, type UserDirectory } from './authenticate.js';
import { problem, ProblemError, sendProblem } from './problem.js';
import { auditRoutes } from './routes/audit.js';
import { healthRoutes } from './routes/health.js';
import { reservationRoutes } from './routes/reservations.js';
import { slotRoutes } from './routes/slots.js';

export type ServerDeps = {
  readonly app: AppDeps;
  readonly verifier: TokenVerifier;
  readonly users: UserDirectory;
  readonly logger?: FastifyServerOptions['logger'];
  readonly afterCancel?: AfterCancel;
  /** Further route groups under /v1 (payments) and at the root (webhooks), registered by the composition root. */
  readonly v1Plugins?: readonly ((app: FastifyInstance) => void)[];
  readonly rootPlugins?: readonly ((app: FastifyInstance) => Promise<void> | void)[];
};

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the HTTP app without listening, so tests drive the same app through `inject` or a real socket. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    genReqId: () => randomUUID(),
  });
  app.decorateRequest('principal', null);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) return sendProblem(reply, error.problem);
    if (error instanceof UnauthorizedError) {
      request.log.info({ reason: error.reason }, 'request not authenticated');
      reply.header('WWW-Authenticate', 'Bearer');
      return sendProblem(reply, problem(401, 'unauthorized', 'a valid Cognito ID token is required'));
    }
    if (error instanceof IdentityProviderUnavailableError) {
      request.log.error({ err: error }, 'identity provider unavailable');
      return sendProblem(reply, problem(503, 'unavailable', 'identity provider unavailable, retry later'));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(reply, problem(413, 'payload_too_large', `request bodies are limited to ${BODY_LIMIT_BYTES} bytes`));
    }
    if (error.statusCode === 429) {
      return sendProblem(reply, problem(429, 'rate_limited', error.message));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      // Malformed JSON, unsupported media types, empty bodies: the request, not the server, is wrong.
      return sendProblem(reply, problem(400, 'invalid_request', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem(500, 'internal_error', 'the server failed to process the request'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  healthRoutes(app, deps.app.pool);
  for (const plugin of deps.rootPlugins ?? []) await app.register(async (scope) => plugin(scope));

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(deps.verifier, deps.users));
      slotRoutes(v1, deps.app);
      reservationRoutes(v1, deps.app, { afterCancel: deps.afterCancel });
      auditRoutes(v1, deps.app);
      for (const plugin of deps.v1Plugins ?? []) plugin(v1);
    },
    { prefix: '/v1' },
  );
  return app;
}
