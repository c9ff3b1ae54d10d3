/**
 * The HTTP load generator, run as its own process (forked by loadDriver.ts) so that sending
 * requests never competes with the server for its event loop — as real clients would not.
 * Load jobs: one keep-alive connection per concurrent client (KeepAliveConnection, lighter than
 * `node:http` on the shared cores). Bursts: `node:http`, each request on its own new connection.
 */
import http from 'node:http';
import { KeepAliveConnection, type Reply } from './keepAliveConnection.js';
import type { BurstJob, ChildMessage, JobResult, LoadJob, ParentMessage } from './loadProtocol.js';

function send(
  agent: http.Agent,
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname,
        headers:
          body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`timeout: ${method} ${path}`)));
    request.on('error', reject);
    request.end(body);
  });
}

function assertLoopback(baseUrl: string): void {
  const host = new URL(baseUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`refusing to send load to ${host}`);
}

class Tally {
  readonly statuses: Record<string, number> = {};
  readonly codes: Record<string, number> = {};
  readonly createdPerSlot: Record<string, number> = {};
  readonly sampleErrors: string[] = [];
  sent = 0;

  record(reply: Reply, slotId: string | undefined): void {
    this.sent++;
    this.statuses[reply.status] = (this.statuses[reply.status] ?? 0) + 1;
    if (reply.status === 201 && slotId !== undefined) this.createdPerSlot[slotId] = (this.createdPerSlot[slotId] ?? 0) + 1;
    if (reply.status >= 300) {
      let code = `http_${reply.status}`;
      try {
        const parsed = JSON.parse(reply.body) as { code?: unknown };
        if (typeof parsed.code === 'string') code = parsed.code;
      } catch {
        // Not a problem document: keep the status.
      }
      this.codes[code] = (this.codes[code] ?? 0) + 1;
      if (reply.status !== 409 && this.sampleErrors.length < 5) this.sampleErrors.push(`${reply.status} ${reply.body.slice(0, 300)}`);
    }
  }
}

const customer = (index: number) => ({ name: `Bench Customer ${index}`, email: `bench-${index}@example.com` });

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function runLoad(job: LoadJob): Promise<JobResult> {
  const cpu = process.cpuUsage();
  const connections = await Promise.all(Array.from({ length: job.concurrency }, () => KeepAliveConnection.open(job.baseUrl)));
  const tally = new Tally();
  const latencies: number[] = [];
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const deadline = measureFrom + job.measureMs;
  const spec = job.request;
  try {
    await Promise.all(
      Array.from({ length: job.concurrency }, async (_, client) => {
        for (let iteration = 0; performance.now() < deadline; iteration++) {
          const began = performance.now();
          let reply: Reply;
          let slotId: string | undefined;
          if (spec.type === 'hold') {
            slotId = spec.slotIds.length === 1 ? spec.slotIds[0]! : spec.slotIds[Math.floor(Math.random() * spec.slotIds.length)]!;
            const token = spec.tokens[client % spec.tokens.length]!;
            reply = await connections[client]!.request(
              'POST',
              spec.path ?? '/v1/reservations',
              { authorization: `Bearer ${token}`, 'idempotency-key': `${spec.keyPrefix}-${client}-${iteration}` },
              JSON.stringify({ slotId, seats: 1, customer: customer(client) }),
            );
          } else {
            reply = await connections[client]!.request('GET', spec.path, spec.token ? { authorization: `Bearer ${spec.token}` } : {});
          }
          const ended = performance.now();
          tally.record(reply, slotId);
          if (began >= measureFrom && ended <= deadline) latencies.push(ended - began);
        }
      }),
    );
  } finally {
    for (const connection of connections) connection.close();
  }
  return resultOf(job.label, latencies, job.measureMs / 1000, tally, cpu);
}

async function runBurst(job: BurstJob): Promise<JobResult> {
  const cpu = process.cpuUsage();
  const agent = new http.Agent({ keepAlive: false, maxSockets: job.count });
  const tally = new Tally();
  const latencies: number[] = [];
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: job.count }, async (_, index) => {
        const began = performance.now();
        const reply = await send(
          agent,
          job.baseUrl,
          'POST',
          '/v1/reservations',
          { authorization: `Bearer ${job.tokens[index % job.tokens.length]!}`, 'idempotency-key': `${job.keyPrefix}-${index}` },
          JSON.stringify({ slotId: job.slotId, seats: 1, customer: customer(index) }),
        );
        latencies.push(performance.now() - began);
        tally.record(reply, job.slotId);
      }),
    );
  } finally {
    agent.destroy();
  }
  return resultOf(job.label, latencies, (performance.now() - start) / 1000, tally, cpu);
}

function resultOf(label: string, latencies: number[], seconds: number, tally: Tally, cpu: NodeJS.CpuUsage): JobResult {
  return {
    label,
    completed: latencies.length,
    seconds,
    sent: tally.sent,
    latenciesMs: latencies,
    statuses: tally.statuses,
    codes: tally.codes,
    createdPerSlot: tally.createdPerSlot,
    sampleErrors: tally.sampleErrors,
    clientCpuMs: cpuMsSince(cpu),
  };
}

function reply(message: ChildMessage): void {
  process.send?.(message);
}

async function handle(message: ParentMessage): Promise<void> {
  if ('exit' in message) {
    process.disconnect();
    return;
  }
  try {
    assertLoopback(message.job.baseUrl);
    const result = message.job.kind === 'load' ? await runLoad(message.job) : await runBurst(message.job);
    reply({ id: message.id, result });
  } catch (error) {
    reply({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

if (!process.send) throw new Error('loadClient.ts runs as a child of the bench (forked with an IPC channel)');
process.on('message', (message: ParentMessage) => void handle(message));
// Without the parent there is nothing to do: leave instead of lingering.
process.on('disconnect', () => process.exit(0));
reply({ ready: true });
