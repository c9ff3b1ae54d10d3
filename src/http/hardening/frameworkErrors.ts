import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem, type Problem } from '../problem.js';

/** The headers every answer carries, for the few that fastify sends before any hook has run. */
const baselineHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/**
 * Requests the router refuses before any route or hook runs: a URL that does not decode
 * (`%zz`, a broken UTF-8 escape) or a path parameter beyond `maxParamLength`. Without this fastify
 * answers them in its own JSON shape; the contract wants problem+json for every error.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers({ ...baselineHeaders, 'x-request-id': request.id });
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is too long' : 'the URL is not valid';
  void sendProblem(reply, problem(400, 'invalid_request', detail));
}

function clientProblem(error: { code?: string }): Problem {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem(408, 'invalid_request', 'the request did not arrive in time');
  if (error.code === 'HPE_HEADER_OVERFLOW') return problem(431, 'invalid_request', 'request headers are too large');
  return problem(400, 'invalid_request', 'malformed HTTP request');
}

/**
 * Requests Node's HTTP parser refuses (malformed, headers too large, too slow): answered with a
 * problem+json body on the raw socket, which is then closed, as fastify's default handler does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const p = clientProblem(error);
    const body = JSON.stringify(p);
    const headers = Object.entries({
      ...baselineHeaders,
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Bad Request'}\r\nconnection: close\r\n${headers}\r\n${body}`);
  }
  socket.destroy(error);
}
