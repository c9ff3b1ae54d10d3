import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- declaration merging: only an interface adds a member to fastify's own
  interface FastifyContextConfig {
    /** `false`: @fastify/cors adds nothing to this route's answers (read by the plugin's hook). */
    cors?: false;
  }
}

/** The paths browsers of other origins may call: the public reads and the bearer-token API. */
const CORS_PATHS: readonly RegExp[] = [/^\/public\/v1\//, /^\/v1\//];

/** What a booking page sends: its token, JSON, and the key that makes a retried hold safe. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'];
/** What a booking page must read: whether a hold was a replay, and the id to quote to support. */
const EXPOSED_HEADERS = ['Idempotent-Replayed', 'X-Request-Id'];
const METHODS = ['GET', 'PUT', 'POST'];
/** Browsers keep a preflight's answer this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

function isCorsPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? url;
  return CORS_PATHS.some((pattern) => pattern.test(path));
}

/**
 * CORS for the booking sites' origins (FRONTEND_URL's and CORS_ORIGINS) on `/public/v1/*` and
 * `/v1/*`, by @fastify/cors: preflights answered before authentication (the root's hook runs before
 * the `/v1` scope's). Any other origin, and every other route (webhooks, health, docs), gets no CORS
 * header at all: the plugin writes its headers only when the origin option is a string, so the
 * options name the request's own origin when it is allowed and `false` otherwise. Credentials
 * (cookies) are never allowed: callers authenticate with a bearer token.
 */
export async function registerCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const allowed = new Set(allowedOrigins);
  // Routes outside the CORS paths opt out entirely, so they do not even vary on Origin.
  app.addHook('onRoute', (route) => {
    if (route.url === '*' || isCorsPath(route.url)) return;
    route.config = { ...route.config, cors: false };
  });
  const optionsFor = (request: FastifyRequest): FastifyCorsOptions => {
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin) || !isCorsPath(request.url)) return { origin: false };
    return {
      origin,
      methods: METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      // A malformed preflight from an allowed origin is answered like any other (204), not with the plugin's text/plain 400.
      strictPreflight: false,
    };
  };
  await app.register(cors, { hideOptionsRoute: true, delegator: async (request: FastifyRequest) => optionsFor(request) });
}
