import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, Job, JobResult } from './loadProtocol.js';

export type LoadDriver = {
  run(job: Job): Promise<JobResult>;
  stop(): Promise<void>;
};

/** Forks the load generator (loadClient.ts, through tsx) and sends it one job at a time. */
export async function startLoadDriver(): Promise<LoadDriver> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./loadClient.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(result: JobResult): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const waiter of pending.values()) waiter.reject(new Error(`load generator exited (${code ?? signal})`));
      pending.clear();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if ('ready' in message) {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.once('error', reject);
    void exit.then(() => reject(new Error('load generator exited before it was ready')));
  });
  child.on('message', (message: ChildMessage) => {
    if ('ready' in message) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new Error(`load generator: ${message.error}`));
    else waiter.resolve(message.result);
  });

  return {
    run(job) {
      if (exited) return Promise.reject(new Error('load generator is gone'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, job });
      });
    },
    async stop() {
      if (exited) return;
      child.send({ id: nextId++, exit: true });
      const timer = setTimeout(() => {
        if (!exited && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
