import type { FastifyInstance } from 'fastify';

/**
 * Once the server is closing, every response it still sends (the requests in flight when a
 * shutdown began) says `Connection: close`, so its socket ends with it. Closing the server only
 * ends the sockets idle at that moment; a keep-alive socket whose request finishes later would
 * otherwise stay open until its keep-alive timeout (72 s), and the server would not finish closing.
 */
export function endConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
