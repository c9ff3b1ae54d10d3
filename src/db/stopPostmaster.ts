import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessRunning } from './processRunning.js';

/** How often a stopping postmaster is looked for: short beside the time a fast shutdown takes. */
const POLL_MS = 25;

export class PostmasterDidNotStopError extends Error {
  constructor(
    readonly pid: number,
    readonly waitedMs: number,
  ) {
    super(`PostgreSQL (postmaster pid ${pid}) did not stop within ${waitedMs} ms`);
    this.name = 'PostmasterDidNotStopError';
  }
}

/** The postmaster's pid from `postmaster.pid` in `databaseDir` (its first line), or null when there is none. */
export async function postmasterPid(databaseDir: string): Promise<number | null> {
  let pidFile: string;
  try {
    pidFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number(pidFile.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Stops the cluster in `databaseDir` with a fast shutdown (SIGINT to the postmaster: open sessions
 * are ended, committed work is kept) and waits until the postmaster is gone, at most `timeoutMs`.
 * The postmaster is the one `postmaster.pid` names now, not the child process started earlier:
 * that one may have exited long ago (a cluster restarted by hand), and waiting for its exit would
 * never end.
 */
export async function stopPostmaster(databaseDir: string, timeoutMs: number): Promise<void> {
  const pid = await postmasterPid(databaseDir);
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch (error) {
    // A postmaster that died without removing its pid file: nothing is left to stop.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw error;
  }
  const startedAt = Date.now();
  while (isProcessRunning(pid)) {
    if (Date.now() - startedAt >= timeoutMs) throw new PostmasterDidNotStopError(pid, timeoutMs);
    await sleep(POLL_MS);
  }
}
