import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** An id a client or a balancer may choose: short, and nothing a log line or a header could be bent by. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when it is a sane value (a balancer's or a client's
 * trace id, so one id follows the request across systems), otherwise a fresh uuid. Anything else —
 * repeated headers, spaces, quotes, control characters, very long values — is not let into the logs.
 */
export function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/**
 * Every response names its request id (`X-Request-Id`), the `reqId` on that request's log lines,
 * so a client's report leads straight to the logs.
 */
export function exposeRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
