import type { FastifyInstance } from 'fastify';
import { problem, ProblemError } from '../problem.js';

/**
 * No id, query or path of this API can contain a NUL character, and PostgreSQL text and jsonb refuse
 * one (an error, not a miss), so an encoded NUL (`%00`) anywhere in the URL is refused up front as a
 * bad request, for every route, including route groups added later. (Bodies are the schemas' job.)
 */
export function refuseNulInUrl(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request and has nothing to wait for.
  app.addHook('onRequest', (request, _reply, done) => {
    done(
      request.url.includes('%00')
        ? new ProblemError(problem(400, 'invalid_request', 'the URL must not contain NUL characters'))
        : undefined,
    );
  });
}
