import { isPublicRoute } from './rateLimits.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's headers for a JSON API that no browser should render, frame or cache: a CSP that allows
 * nothing, no framing, no MIME sniffing, no referrer, same-origin resources only, HSTS (ignored by
 * browsers over plain-http localhost, honoured behind TLS).
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  frameguard: { action: 'deny' },
};

/**
 * The headers helmet sets with `options`, asked of it once. With static directives (no per-request
 * functions, no nonces) they are the same for every response, and building helmet's middleware per
 * request, as @fastify/helmet does, cost every request its CSP string and a dozen closures again.
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader() {
      // X-Powered-By: Node's server never sets it, so there is nothing to remove.
    },
  };
  // A property, not a `let`: the flow analysis cannot see the callback set it.
  const progress = { finished: false };
  helmet(options)({} as unknown as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what helmet passed to next(), as it came
    if (error) throw error;
    progress.finished = true;
  });
  if (!progress.finished) throw new Error('helmet did not finish setting its headers at once');
  return Object.freeze(headers);
}

const SECURITY_HEADERS = helmetHeaders(HELMET_OPTIONS);

/**
 * The public routes' answers are for other origins to read (booking sites, widgets): the same
 * headers, but a resource policy that lets a page of another origin embed or load them. Browsers
 * apply CORP to no-cors loads only, so a CORS fetch of `/v1` needs no such exception.
 */
const PUBLIC_SECURITY_HEADERS = Object.freeze({ ...SECURITY_HEADERS, 'cross-origin-resource-policy': 'cross-origin' });

/** On every response, errors and 404s included; answers carry tenants' bookings and customers' e-mails, so no shared cache may keep them. */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isPublicRoute(request.url) ? PUBLIC_SECURITY_HEADERS : SECURITY_HEADERS);
    // A public route that may be cached says so itself, on its successful answers only.
    reply.header('cache-control', 'no-store');
    done();
  });
}
