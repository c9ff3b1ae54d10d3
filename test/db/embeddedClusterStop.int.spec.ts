import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { postmasterPid } from '../../src/db/stopPostmaster.js';
import { isProcessRunning } from '../../src/db/processRunning.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const startedAt = Date.now();
  while (!(await condition())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The user and group a process runs as (its real ids, from /proc): the `postgres` user when the tests run as root. */
async function idsOf(pid: number): Promise<{ uid: number; gid: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const id = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: id('Uid'), gid: id('Gid') };
}

it.skipIf(process.platform !== 'linux')(
  'stop() stops a cluster restarted by hand (its first postmaster long gone) and returns instead of waiting for that one',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-stop-pg-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const databaseDir = path.join(dir, 'data');
    const cluster = await startEmbeddedPostgres({ dataDir: databaseDir, durable: false });
    const first = await postmasterPid(databaseDir);
    if (first === null) throw new Error('no postmaster.pid after start');
    const binary = await readlink(`/proc/${first}/exe`);
    const ids = await idsOf(first);

    // An operator restarts the cluster by hand: the postmaster the server started exits, another takes its place.
    process.kill(first, 'SIGINT');
    await until(() => !isProcessRunning(first), 'the first postmaster gone');
    const restarted = spawn(
      binary,
      ['-D', databaseDir, '-p', String(cluster.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...ids, detached: true, stdio: 'ignore' },
    );
    restarted.unref();
    const second = restarted.pid;
    if (second === undefined) throw new Error('the hand-started postmaster did not start');
    cleanups.push(async () => {
      if (isProcessRunning(second)) process.kill(second, 'SIGKILL');
    });
    await until(async () => {
      const client = new pg.Client({ connectionString: cluster.adminUrl });
      client.on('error', () => undefined); // a refused connection also rejects connect(), which is what is waited on
      try {
        await client.connect();
        await client.end();
        return true;
      } catch {
        return false;
      }
    }, 'the restarted cluster accepting connections');

    const outcome = await Promise.race([cluster.stop().then(() => 'stopped' as const), sleep(15_000).then(() => 'still waiting' as const)]);

    expect(outcome).toBe('stopped');
    expect(isProcessRunning(second)).toBe(false);
  },
);
