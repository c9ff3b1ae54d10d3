import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepAliveConnection } from './keepAliveConnection.js';

/**
 * The bench's load generator reads the server's answers itself; a misread answer would miscount
 * holds and the overbooking check after them. A raw TCP server plays the HTTP side byte by byte.
 */

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that answers the n-th request on a connection with `answers[n]`, written in the pieces given. */
async function serve(answers: readonly (readonly string[])[], seen: string[] = []): Promise<string> {
  server = net.createServer((socket) => {
    let received = '';
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One request per answer: each ends with its body, whose length its header gives (or none).
      while (answered < answers.length) {
        const headerEnd = received.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(received.slice(0, headerEnd))?.[1] ?? 0);
        if (received.length < headerEnd + 4 + length) return;
        seen.push(received.slice(0, headerEnd + 4 + length));
        received = received.slice(headerEnd + 4 + length);
        const pieces = answers[answered++]!;
        void (async () => {
          for (const piece of pieces) {
            socket.write(piece);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

describe('KeepAliveConnection', () => {
  it('reads answers by Content-Length, in pieces or not, one after another on one connection', async () => {
    const seen: string[] = [];
    const url = await serve(
      [
        // 13 bytes: é takes two.
        ['HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"ok":"héj"}'],
        ['HTTP/1.1 409 Conflict\r\nContent-Length: 2', '0\r\n\r\n{"code":"slot', '_full"}'],
      ],
      seen,
    );
    const connection = await KeepAliveConnection.open(url);
    try {
      await expect(connection.request('POST', '/v1/reservations', { 'idempotency-key': 'k1' }, '{"seats":1}')).resolves.toEqual({
        status: 201,
        body: '{"ok":"héj"}',
      });
      await expect(connection.request('GET', '/v1/slots/s1', {})).resolves.toEqual({ status: 409, body: '{"code":"slot_full"}' });
    } finally {
      connection.close();
    }
    expect(seen[0]).toMatch(/^POST \/v1\/reservations HTTP\/1\.1\r\n/);
    expect(seen[0]).toContain('idempotency-key: k1\r\n');
    expect(seen[0]).toContain('content-type: application/json\r\ncontent-length: 11\r\n\r\n{"seats":1}');
    expect(seen[1]).toMatch(/^GET \/v1\/slots\/s1 HTTP\/1\.1\r\n/);
    expect(seen[1]).not.toContain('content-length');
  });

  it('reads a chunked answer', async () => {
    const url = await serve([['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n', '6\r\n world\r\n0\r\n\r\n']]);
    const connection = await KeepAliveConnection.open(url);
    try {
      await expect(connection.request('GET', '/', {})).resolves.toEqual({ status: 200, body: 'hello world' });
    } finally {
      connection.close();
    }
  });

  it('fails the waiting request when the server closes the connection', async () => {
    server = net.createServer((socket) => socket.on('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const connection = await KeepAliveConnection.open(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    try {
      await expect(connection.request('GET', '/', {})).rejects.toThrow(/closed the connection/);
    } finally {
      connection.close();
    }
  });
});
