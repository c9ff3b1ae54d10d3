import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { answerHolding } from './answerGate.js';

export type ReceivedWebhook = {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
};

/**
 * An operator's receiver on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package, as a receiver would: a request that fails verification is answered 400 and not kept.
 * `stop` closes the socket (the next send finds the port refused); `start` listens on the same port.
 */
export async function startWebhookReceiver() {
  let webhook: Webhook | null = null;
  const received: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  let port = 0;
  let answersToRefuse = 0;
  let server: http.Server | null = null;
  const answers = answerHolding();

  const listen = async () => {
    const created = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (!answers.held(answer)) answer();
      });
      const answer = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          if (!webhook) throw new Error('the receiver has no secret yet');
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
          const payload = webhook.verify(body, headers) as Omit<ReceivedWebhook, 'id'>;
          if (answersToRefuse > 0) {
            answersToRefuse -= 1;
            res.writeHead(503).end();
            return;
          }
          received.push({ id: headers['webhook-id'] ?? '', ...payload });
          res.writeHead(204).end();
        } catch (error) {
          rejected.push(error instanceof Error ? error.message : String(error));
          res.writeHead(400).end();
        }
      };
    });
    await new Promise<void>((resolve) => created.listen(port, '127.0.0.1', resolve));
    port = (created.address() as AddressInfo).port;
    server = created;
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    rejected,
    /** The endpoint's secret, as the admin copied it from the creating answer. */
    useSecret(secret: string) {
      webhook = new Webhook(secret);
    },
    /** The next `count` verified requests are answered 503 and not kept: a receiver failing mid-way through a lane. */
    refuseNext(count: number) {
      answersToRefuse = count;
    },
    /**
     * Every request from now on waits for its answer until `release` (a receiver slow to answer, with
     * the request open); `arrived` resolves once the first one is waiting.
     */
    holdAnswers: answers.holdAnswers,
    get up() {
      return server !== null;
    },
    async stop() {
      const running = server;
      server = null;
      if (!running) return;
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
