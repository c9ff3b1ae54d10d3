import { signStripePayload } from '../support/providers/fakeStripe.js';
import { type Phases, runTimed } from './figures.js';
import { KeepAliveConnection } from './keepAliveConnection.js';

/**
 * The webhooks bench's senders, in their own process (forked by webhooks.ts) so that sending and
 * signing do not eat the server's CPU: like Stripe, they are somewhere else. Each sender has one
 * keep-alive connection (KeepAliveConnection: light on the cores the server shares).
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

export async function sendWebhooks(job: SenderJob): Promise<SenderResult> {
  const connections = await Promise.all(Array.from({ length: job.senders }, () => KeepAliveConnection.open(job.url)));
  const sent: string[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let duplicates = 0;
  try {
    const run = await runTimed(job.senders, job.phases, async (sender) => {
      const repeat = sent.length > 0 && Math.random() < job.duplicateShare;
      const payload = repeat ? sent[Math.floor(Math.random() * sent.length)] : job.payloads[next++];
      if (payload === undefined) throw new Error('the webhooks bench ran out of seeded events');
      if (repeat) duplicates++;
      else sent.push(payload);
      const { status } = await connections[sender]!.request(
        'POST',
        '/webhooks/stripe',
        { 'stripe-signature': signStripePayload(payload, new Date(), job.secret) },
        payload,
      );
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    });
    return {
      completed: run.completed,
      seconds: run.seconds,
      latencies: run.latencies,
      statuses,
      uniqueSent: sent.length,
      duplicatesSent: duplicates,
    };
  } finally {
    for (const connection of connections) connection.close();
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
