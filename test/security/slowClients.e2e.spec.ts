import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS } from '../../src/http/server.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

/** What the server sent before it closed the socket, and whether the sender was still trickling then. */
function trickleHeaders(socket: Socket): Promise<{ answer: string; stillSending: boolean }> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let stillSending = true;
    // One more header line every second: the socket is never idle, so only the headers timeout can end it.
    const trickle = setInterval(() => {
      if (socket.writable) socket.write(`x-slow-${Date.now()}: 1\r\n`);
    }, 1_000);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(trickle);
      resolve({ answer, stillSending });
      stillSending = false;
    });
  });
}

describe('slow clients', () => {
  // Before the headers timeout and its one-second check, a slow-headers sender kept its socket 30-60 s.
  it(
    'cuts a sender whose headers never finish with a 408 problem, while other requests are served',
    { timeout: HEADERS_TIMEOUT_MS + 8_000 },
    async () => {
      const { port } = new URL(ledger.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      try {
        socket.write('GET /livez HTTP/1.1\r\nhost: 127.0.0.1\r\n');
        const ended = trickleHeaders(socket);
        expect((await ledger.call('GET', '/livez')).status).toBe(200);
        const { answer, stillSending } = await ended;
        expect(stillSending).toBe(true);
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(answer).toContain('application/problem+json');
      } finally {
        socket.destroy();
      }
    },
  );
});
