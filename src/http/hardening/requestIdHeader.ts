import type { FastifyInstance } from 'fastify';

/**
 * Every response names its request id (`X-Request-Id`), the `reqId` on that request's log lines,
 * so a client's report leads straight to the logs. The id is always ours (a uuid from `genReqId`):
 * an id sent by the client is not trusted into the logs.
 */
export function exposeRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
