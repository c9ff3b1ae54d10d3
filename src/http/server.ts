import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { databaseUnavailableFrom } from '../db/errors.js';
import { IdentityProviderUnavailableError, UnauthorizedError } from '../identity/errors.js';
import { authenticate, type TokenVerifier, type UserDirectory } from './authenticate.js';
import { registerOpenApi } from './contract.js';
import { registerCors } from './hardening/cors.js';
import { endConnectionsWhenClosing } from './hardening/endConnectionsWhenClosing.js';
import { answerClientError, answerFrameworkError } from './hardening/frameworkErrors.js';
import { defaultRateLimits, registerRateLimits, type RateLimits } from './hardening/rateLimits.js';
import { refuseNulInUrl } from './hardening/refuseNulInUrl.js';
import { exposeRequestId, requestIdOf } from './hardening/requestIdHeader.js';
import { registerSecurityHeaders } from './hardening/securityHeaders.js';
import type { LedgerMetrics } from '../metrics/ledgerMetrics.js';
import { problem, ProblemError, sendProblem } from './problem.js';
import { validationProblem } from './validation.js';

/** A group of routes, registered on the scope it is given. */
export type RoutePlugin = (scope: FastifyInstance) => Promise<void> | void;

/** The composition root's route groups: `root` ones (health, webhooks, docs, public reads) and `v1` ones behind the bearer token. */
export type RouteGroups = { readonly root: readonly RoutePlugin[]; readonly v1: readonly RoutePlugin[] };

export type ServerDeps = {
  readonly verifier: TokenVerifier;
  readonly users: UserDirectory;
  readonly logger?: FastifyServerOptions['logger'];
  /** The process's one logger (main.ts), used instead of `logger` so the server's lines and the rest are alike. */
  readonly loggerInstance?: FastifyBaseLogger;
  readonly routes: RouteGroups;
  /** Overrides of `defaultRateLimits` (booking per client; failed webhook signatures, operations and public reads per address); `false` turns a group off. */
  readonly rateLimits?: Partial<RateLimits>;
  /** Browser origins allowed to call `/public/v1/*` and `/v1/*` (FRONTEND_URL's and CORS_ORIGINS); none by default. */
  readonly corsOrigins?: readonly string[];
  /** Where every answered request is counted and timed (`/metrics`). */
  readonly metrics?: Pick<LedgerMetrics, 'observeRequest'>;
};

export const BODY_LIMIT_BYTES = 64 * 1024;
/** A request's headers must all arrive within this (a slow-headers sender is cut off with 408). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and body) must arrive within this: slow-body senders are cut off with 408. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How often Node looks for requests past those two timeouts. Its default (30 s) lets a slow sender
 * hold a socket up to 30 s beyond them; checking every second cuts it within a second of its time.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** A socket with no traffic at all for this long is closed (Node's default is never). */
export const CONNECTION_TIMEOUT_MS = 60_000;
/** Idle keep-alive sockets outlive a load balancer's 60 s idle timeout, so the balancer closes first (no 502 races). */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Above every id the schemas accept (stream ids reach 200 characters), so the schemas, not the router, refuse long ids. */
export const MAX_PARAM_LENGTH = 512;

/** Builds the HTTP app without listening, so tests drive the same app through `inject` or a real socket. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? false }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    genReqId: requestIdOf,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  app.decorateRequest('principal', null);
  // Route schemas are zod (ADR 0024): requests are validated with them; responses are serialized
  // without them, as before (JSON.stringify), and held to them by the conformance test instead.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Before any route: the document is built from every route registered after this.
  await registerOpenApi(app);

  // Before any route exists: these add hooks to every route, including route groups registered later.
  const { metrics } = deps;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, never the URL: ids in paths would make a series per reservation (and name tenants' data).
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest({ method: request.method, route, status: reply.statusCode, seconds: reply.elapsedTime / 1000 });
    });
  }
  exposeRequestId(app);
  endConnectionsWhenClosing(app);
  await registerSecurityHeaders(app);
  await registerCors(app, deps.corsOrigins ?? []);
  refuseNulInUrl(app);
  await registerRateLimits(app, {
    booking: deps.rateLimits?.booking ?? defaultRateLimits.booking,
    webhooks: deps.rateLimits?.webhooks ?? defaultRateLimits.webhooks,
    operations: deps.rateLimits?.operations ?? defaultRateLimits.operations,
    publicReads: deps.rateLimits?.publicReads ?? defaultRateLimits.publicReads,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) return sendProblem(reply, error.problem);
    if (error.validation) return sendProblem(reply, validationProblem(error, request));
    if (error instanceof UnauthorizedError) {
      request.log.info({ reason: error.reason }, 'request not authenticated');
      reply.header('WWW-Authenticate', 'Bearer');
      return sendProblem(reply, problem(401, 'unauthorized', 'a valid Cognito ID token is required'));
    }
    if (error instanceof IdentityProviderUnavailableError) {
      request.log.error({ err: error }, 'identity provider unavailable');
      return sendProblem(reply, problem(503, 'unavailable', 'identity provider unavailable, retry later'));
    }
    const unavailable = databaseUnavailableFrom(error);
    if (unavailable) {
      // 503, never 500: clients and providers (webhooks) retry, and nothing was written.
      request.log.warn({ err: unavailable.cause }, 'database unavailable');
      return sendProblem(reply, problem(503, 'unavailable', 'the database cannot be reached; retry later with the same Idempotency-Key'));
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

  for (const plugin of deps.routes.root) await app.register(async (scope) => plugin(scope));
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(deps.verifier, deps.users));
      for (const plugin of deps.routes.v1) await plugin(v1);
    },
    { prefix: '/v1' },
  );
  return app;
}
