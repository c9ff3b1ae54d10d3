import http from 'node:http';
import { signStripePayload } from '../support/providers/fakeStripe.js';
import { type Phases, runTimed } from './figures.js';

/**
 * The webhooks bench's senders, in their own process (forked by webhooks.ts) so that sending and
 * signing do not eat the server's CPU: like Stripe, they are somewhere else.
 */
export type SenderJob = {
  readonly url: string;
  readonly payloads: readonly string[];
  readonly secret: string;
  readonly senders: number;
  readonly duplicateShare: number;
  readonly phases: Phases;
};
export type SenderResult = {
  readonly completed: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly statuses: Record<string, number>;
  readonly uniqueSent: number;
  readonly duplicatesSent: number;
};

function post(agent: http.Agent, target: URL, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'stripe-signature': signature },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export async function sendWebhooks(job: SenderJob): Promise<SenderResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.senders });
  const target = new URL(`${job.url}/webhooks/stripe`);
  const sent: string[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let duplicates = 0;
  try {
    const run = await runTimed(job.senders, job.phases, async () => {
      const repeat = sent.length > 0 && Math.random() < job.duplicateShare;
      const payload = repeat ? sent[Math.floor(Math.random() * sent.length)] : job.payloads[next++];
      if (payload === undefined) throw new Error('the webhooks bench ran out of seeded events');
      if (repeat) duplicates++;
      else sent.push(payload);
      const status = await post(agent, target, payload, signStripePayload(payload, new Date(), job.secret));
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    });
    return { completed: run.completed, seconds: run.seconds, latencies: run.latencies, statuses, uniqueSent: sent.length, duplicatesSent: duplicates };
  } finally {
    agent.destroy();
  }
}

if (process.send) {
  process.once('message', (job: SenderJob) => {
    sendWebhooks(job).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
    );
  });
  process.send({ ready: true });
}
