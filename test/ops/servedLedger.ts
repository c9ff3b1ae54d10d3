import { type ChildProcess, spawn } from 'node:child_process';
import { cliEnvironment } from '../cli/runLedgerCli.js';

export const REPOSITORY_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * One line the server wrote. The server logs through one pino logger as JSON lines (main.ts
 * createLedgerLogger): `json` is the parsed object, `msg` and `level` its message and pino level
 * (30 info, 40 warn, 50 error, 60 fatal). A line that is not pino's JSON (npm's banner, a CLI
 * failure on stderr, a crash's stack) has `json`, `msg` and `level` null and is kept as `text`.
 */
export type ServerLine = {
  readonly text: string;
  readonly json: Record<string, unknown> | null;
  readonly msg: string | null;
  readonly level: number | null;
};

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

/** pino's level numbers (the ones this ledger logs at). */
export const LOG_LEVEL = { info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** Parses one line of the server's output. */
export function serverLine(text: string): ServerLine {
  let json: Record<string, unknown> | null = null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) json = value as Record<string, unknown>;
  } catch {
    json = null;
  }
  const msg = typeof json?.msg === 'string' ? json.msg : null;
  const level = typeof json?.level === 'number' ? json.level : null;
  return { text, json, msg, level };
}

/** A pino line whose message starts with `prefix`. */
export const logged =
  (prefix: string) =>
  (line: ServerLine): boolean =>
    line.msg?.startsWith(prefix) === true;

const LISTENING = 'booking ledger listening on ';

/** The URL of the server's "booking ledger listening on <url>" line, or null for any other line. */
export function listeningUrl(line: ServerLine): string | null {
  if (!logged(LISTENING)(line)) return null;
  const url = (line.msg as string).slice(LISTENING.length).trim();
  return URL.canParse(url) ? url : null;
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
        const line = serverLine(text);
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
      waitForLine((line) => listeningUrl(line) !== null, 60_000),
      exited.then(({ code, signal }) => {
        throw new Error(`${command} exited (${code ?? signal}) before listening:\n${lines.map((line) => line.text).join('\n')}`);
      }),
    ]);
    return { ...started, url: listeningUrl(listening) as string };
  } catch (error) {
    killGroup();
    throw error;
  }
}
