/**
 * The loopback EventStoreDB (test/support/eventStoreServer.ts) as its own process, forked by
 * eventStoreChild.ts, so that in the mirror's bench the server's decoding and storing does not
 * share the mirror's event loop: a real server is another process too.
 */
import { startEventStoreServer } from '../support/eventStoreServer.js';
import type { EventStoreChildMessage, EventStoreParentMessage } from './eventStoreProtocol.js';

const send = (message: EventStoreChildMessage) => process.send?.(message);

const server = await startEventStoreServer();
process.on('message', (message: EventStoreParentMessage) => {
  if (message.kind === 'contents') {
    let events = 0;
    for (const stream of server.streams.values()) events += stream.length;
    send({ kind: 'contents', events, streams: server.streams.size, appends: server.appendRequests() });
    return;
  }
  void server.stop().then(() => process.exit(0));
});
// The parent went away without asking: nothing is left to serve.
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready', connectionString: server.connectionString });
