import net from 'node:net';

export type Reply = { readonly status: number; readonly body: string };

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection that sends a request, waits for its answer, then the next:
 * what one bench client does. It is a few lines of parsing instead of `node:http`'s agent and
 * message objects because the load generator shares the machine's two cores with the server and
 * PostgreSQL, and every microsecond it spends is taken from them (it used about 0.2 ms of CPU per
 * request with `node:http`). It reads what the server sends: a status line, headers, and a body of
 * `Content-Length` bytes or in chunks.
 */
export class KeepAliveConnection {
  private readonly socket: net.Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve(reply: Reply): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  private constructor(
    socket: net.Socket,
    private readonly host: string,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.waiting?.reject(error);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  static open(baseUrl: string): Promise<KeepAliveConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
        socket.off('error', reject);
        resolve(new KeepAliveConnection(socket, url.host));
      });
      socket.once('error', reject);
    });
  }

  request(method: string, path: string, headers: Readonly<Record<string, string>>, body?: string): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\nconnection: keep-alive\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(body === undefined ? head : head + body);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Completes the waiting request once its whole answer has arrived. */
  private answer(): void {
    if (!this.waiting) return;
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const lines = this.buffered.subarray(0, headerEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const start = headerEnd + HEADER_END.length;
    const length = headers.get('content-length');
    let body: Buffer;
    let end: number;
    if (length !== undefined) {
      end = start + Number(length);
      if (this.buffered.length < end) return;
      body = this.buffered.subarray(start, end);
    } else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      let at = start;
      for (;;) {
        const sizeEnd = this.buffered.indexOf('\r\n', at);
        if (sizeEnd < 0) return;
        const size = Number.parseInt(this.buffered.subarray(at, sizeEnd).toString('latin1'), 16);
        const dataEnd = sizeEnd + 2 + size;
        if (this.buffered.length < dataEnd + 2) return;
        if (size === 0) {
          end = dataEnd + 2;
          break;
        }
        chunks.push(this.buffered.subarray(sizeEnd + 2, dataEnd));
        at = dataEnd + 2;
      }
      body = Buffer.concat(chunks);
    } else {
      // No length and no chunks: a body-less answer (204, 304) or one the server ends by closing.
      end = start;
      body = Buffer.alloc(0);
    }
    const waiting = this.waiting;
    this.waiting = null;
    this.buffered = this.buffered.subarray(end);
    waiting.resolve({ status, body: body.toString('utf8') });
  }
}
