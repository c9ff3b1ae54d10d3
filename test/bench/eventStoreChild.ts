import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventStoreChildMessage, EventStoreParentMessage } from './eventStoreProtocol.js';

export type EventStoreChild = {
  /** `esdb://127.0.0.1:PORT?tls=false`, for the real client. */
  readonly connectionString: string;
  /** What the server holds now. */
  contents(): Promise<{ readonly events: number; readonly streams: number; readonly appends: number }>;
  stop(): Promise<void>;
};

/** Forks the loopback EventStoreDB (eventStoreProcess.ts, through tsx) and waits until it listens. */
export async function startEventStoreChild(): Promise<EventStoreChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./eventStoreProcess.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <K extends EventStoreChildMessage['kind']>(kind: K) =>
    new Promise<Extract<EventStoreChildMessage, { kind: K }>>((resolve, reject) => {
      const onMessage = (message: EventStoreChildMessage) => {
        if (message.kind !== kind) return;
        child.off('message', onMessage);
        resolve(message as Extract<EventStoreChildMessage, { kind: K }>);
      };
      child.on('message', onMessage);
      child.once('error', reject);
      void exited.then(() => reject(new Error('the loopback EventStoreDB process exited')));
    });
  const send = (message: EventStoreParentMessage) => child.send(message);

  const ready = await next('ready');
  return {
    connectionString: ready.connectionString,
    async contents() {
      const answer = next('contents');
      send({ kind: 'contents' });
      const { events, streams, appends } = await answer;
      return { events, streams, appends };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ kind: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
