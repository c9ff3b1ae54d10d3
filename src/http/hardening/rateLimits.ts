import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { problem, ProblemError } from '../problem.js';

export type RateLimit = { readonly max: number; readonly timeWindowMs: number };

/** Per group: a limit, or `false` for none (load benchmarks). */
export type RateLimits = {
  /** Per client (tenant + `sub` of the verified token; the IP address when there is none) on creating requests. */
  readonly booking: RateLimit | false;
  /** Per provider on `/webhooks/<provider>`. Providers send bursts and retry, so this is a flood guard, not a quota. */
  readonly webhooks: RateLimit | false;
};

export const defaultRateLimits: RateLimits = {
  booking: { max: 120, timeWindowMs: 60_000 },
  webhooks: { max: 600, timeWindowMs: 60_000 },
};

/** Distinct clients remembered per group; past that the least recently seen start afresh. */
const TRACKED_CLIENTS = 10_000;

const bookingRoutes: readonly RegExp[] = [/^\/v1\/reservations$/, /^\/v1\/reservations\/:[^/]+\/payments$/];

export function isBookingRoute(method: RouteOptions['method'], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  return methods.includes('POST') && bookingRoutes.some((route) => route.test(url));
}

/** `stripe` for `/webhooks/stripe`; for a parametric route, the path segment the request names. */
export function webhookProviderOf(routeUrl: string): ((request: FastifyRequest) => string) | undefined {
  const match = /^\/webhooks\/([^/?]+)/.exec(routeUrl);
  if (!match?.[1]) return undefined;
  const segment = match[1];
  if (!segment.startsWith(':')) return () => segment;
  return (request) => (/^\/webhooks\/([^/?]+)/.exec(request.url)?.[1] ?? '').slice(0, 64);
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
 * Limits booking routes per client and webhook routes per provider, by URL, so route groups that
 * other plugins register later are covered too. Must run before any route is added. Booking limits
 * apply in each route's own onRequest hook, which runs after the `/v1` scope's authentication, so the
 * key is the verified caller, not a claim an attacker can vary; webhook limits apply before the
 * body is read or its signature checked.
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
  // One store for all webhook routes, keyed by provider: two routes of one provider share a budget.
  const webhooks =
    limits.webhooks === false
      ? undefined
      : limiter(limits.webhooks, (request) => `provider:${webhookProviderOf(request.routeOptions.url ?? '')?.(request) ?? 'unknown'}`);

  app.addHook('onRoute', (route) => {
    let hook: onRequestAsyncHookHandler | undefined;
    if (booking && isBookingRoute(route.method, route.url)) hook = booking;
    if (webhooks && webhookProviderOf(route.url)) hook = webhooks;
    if (hook === undefined) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, hook];
  });
}
