import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { problem, ProblemError } from '../problem.js';

export type RateLimit = { readonly max: number; readonly timeWindowMs: number };

/** Per group: a limit, or `false` for none (load benchmarks). */
export type RateLimits = {
  /** Per client (tenant + `sub` of the verified token; the IP address when there is none) on creating requests. */
  readonly booking: RateLimit | false;
  /**
   * Webhook deliveries whose signature failed, per client address. A correctly signed delivery is
   * never counted nor refused: the signature is checked first, so a flood of forged deliveries
   * cannot use up the allowance of the provider's genuine ones.
   */
  readonly webhooks: RateLimit | false;
  /**
   * The unauthenticated operations routes (`/health`, `/livez`, `/readyz`, `/metrics`, `/docs`), per
   * client address: far above what probes and scrapers ask (one every few seconds), far below a flood.
   */
  readonly operations: RateLimit | false;
  /**
   * The public routes (`/public/v1/*`, no token), per client address: a visitor's booking page
   * polls every few seconds (answers are cacheable for 5 s); a scraper of every tenant's calendar
   * is held far below what the database serves.
   */
  readonly publicReads: RateLimit | false;
};

export const defaultRateLimits: RateLimits = {
  booking: { max: 120, timeWindowMs: 60_000 },
  webhooks: { max: 60, timeWindowMs: 60_000 },
  operations: { max: 300, timeWindowMs: 60_000 },
  publicReads: { max: 120, timeWindowMs: 60_000 },
};

/** Distinct clients remembered per group; past that the least recently seen start afresh. */
const TRACKED_CLIENTS = 10_000;

const bookingRoutes: readonly RegExp[] = [/^\/v1\/reservations$/, /^\/v1\/reservations\/:[^/]+\/payments$/];

const operationsRoutes: readonly RegExp[] = [/^\/(health|livez|readyz|metrics)$/, /^\/docs(\/.*)?$/];

/** Routes anyone may read without a token: booking sites' calendars. */
export function isPublicRoute(url: string): boolean {
  return url.startsWith('/public/');
}

export function isOperationsRoute(url: string): boolean {
  return operationsRoutes.some((route) => route.test(url));
}

export function isBookingRoute(method: RouteOptions['method'], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  return methods.includes('POST') && bookingRoutes.some((route) => route.test(url));
}

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- declaration merging: only an interface adds a member to fastify's own
  interface FastifyInstance {
    /**
     * Counts a webhook delivery whose signature failed against its client address; throws the 429
     * problem once the address is over its allowance. Called only after a signature check failed.
     */
    countFailedSignature(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

function clientKey(request: FastifyRequest): string {
  const principal = request.principal;
  // NUL cannot occur in a verified claim's JSON string as sent by Cognito, so the pair stays unambiguous.
  return principal ? `client:${principal.tenantId}\u0000${principal.sub}` : `ip:${request.ip}`;
}

function limitExceeded(_request: FastifyRequest, context: { after: string }): ProblemError {
  return new ProblemError(problem(429, 'rate_limited', `too many requests, retry in ${context.after}`));
}

/**
 * Limits booking routes per client, and the operations and public routes per client address, by URL, so route groups that other plugins register later are
 * covered too. Must run before any route is added. Booking limits apply in each route's own onRequest
 * hook, which runs after the `/v1` scope's authentication, so the key is the verified caller, not a
 * claim an attacker can vary. Webhooks are limited only where their signature failed
 * (`countFailedSignature`, per client address): nothing is counted before the signature is checked.
 */
export async function registerRateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  await app.register(rateLimit, { global: false, cache: TRACKED_CLIENTS });

  const limiter = (limit: RateLimit, keyGenerator: (request: FastifyRequest) => string): onRequestAsyncHookHandler => {
    const handler = app.rateLimit({
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      keyGenerator,
      errorResponseBuilder: limitExceeded,
    });
    return async function rateLimited(request, reply) {
      await handler.call(app, request, reply);
    };
  };

  const booking = limits.booking === false ? undefined : limiter(limits.booking, clientKey);
  const failedSignatures = limits.webhooks === false ? undefined : limiter(limits.webhooks, (request) => `unsigned:${request.ip}`);
  app.decorate('countFailedSignature', async (request: FastifyRequest, reply: FastifyReply) => {
    await failedSignatures?.call(app, request, reply);
  });

  const operations = limits.operations === false ? undefined : limiter(limits.operations, (request) => `operations:${request.ip}`);

  const publicReads = limits.publicReads === false ? undefined : limiter(limits.publicReads, (request) => `public:${request.ip}`);

  app.addHook('onRoute', (route) => {
    const limit = isBookingRoute(route.method, route.url)
      ? booking
      : isOperationsRoute(route.url)
        ? operations
        : isPublicRoute(route.url)
          ? publicReads
          : undefined;
    if (!limit) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, limit];
  });
}
