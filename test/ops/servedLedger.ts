import { type ChildProcess, spawn } from 'node:child_process';
import { cliEnvironment } from '../cli/runLedgerCli.js';

export const REPOSITORY_ROOT = new URL('../../', import.meta.url).pathname;

/** One line the server wrote: pino's JSON when it parses, the raw text otherwise. */
export type ServerLine = { readonly text: string; readonly json: Record<string, unknown> | null };

export type LedgerProcess = {
  /** The pid of the process the test started (npm's own, or node's). */
  readonly pid: number;
  readonly lines: readonly ServerLine[];
  /** Resolves with the first line (seen so far or later) that matches, or rejects after `timeoutMs`. */
  readonly waitForLine: (matches: (line: ServerLine) => boolean, timeoutMs: number) => Promise<ServerLine>;
  /** How the started process ended. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Last resort for a failed test: SIGKILL to the whole process group (server, shell, and an embedded PostgreSQL). */
  readonly killGroup: () => void;
};

export type ServedLedger = LedgerProcess & { readonly url: string };

function parsed(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Starts `command args` in the repository as an operator would, in its own process group, so a
 * failed test can take down every process it left behind.
 */
export function spawnLedger(command: string, args: readonly string[], variables: Readonly<Record<string, string>>): LedgerProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: REPOSITORY_ROOT,
    env: cliEnvironment({ HOST: '127.0.0.1', PORT: '0', ...variables }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${command} did not start`);
  const lines: ServerLine[] = [];
  const waiters = new Set<{ matches: (line: ServerLine) => boolean; resolve: (line: ServerLine) => void }>();
  const take = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) {
        const line = { text, json: parsed(text) };
        lines.push(line);
        for (const waiter of waiters) if (waiter.matches(line)) waiter.resolve(line);
      }
    });
  };
  take(child.stdout as NodeJS.ReadableStream);
  take(child.stderr as NodeJS.ReadableStream);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  function waitForLine(matches: (line: ServerLine) => boolean, timeoutMs: number): Promise<ServerLine> {
    const seen = lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        matches,
        resolve: (line: ServerLine) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no such line within ${timeoutMs} ms; the server wrote:\n${lines.map((line) => line.text).join('\n')}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  return { pid, lines, waitForLine, exited, killGroup };
}

/** `spawnLedger`, then waits until the server says where it listens. */
export async function serveLedger(
  command: string,
  args: readonly string[],
  variables: Readonly<Record<string, string>>,
): Promise<ServedLedger> {
  const started = spawnLedger(command, args, variables);
  const { lines, waitForLine, exited, killGroup } = started;
  try {
    const listening = await Promise.race([
      waitForLine((line) => /listening on (http:\/\/\S+)/.test(line.text), 60_000),
      exited.then(({ code, signal }) => {
        throw new Error(`${command} exited (${code ?? signal}) before listening:\n${lines.map((line) => line.text).join('\n')}`);
      }),
    ]);
    const url = /listening on (http:\/\/[^\s"]+)/.exec(listening.text)?.[1];
    if (url === undefined) throw new Error(`no URL in ${listening.text}`);
    return { ...started, url };
  } catch (error) {
    killGroup();
    throw error;
  }
}

/** Whether a process with this pid is still running (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
