import { type ChildProcess, spawn } from 'node:child_process';
import { cliEnvironment, LEDGER_BIN } from '../cli/runLedgerCli.js';
import { listeningUrl, type ServerLine, serverLine } from './servedLedger.js';

export type ServerProcess = {
  /** http://127.0.0.1:<port>, from the `msg` of the server's own JSON "booking ledger listening on" log line. */
  readonly url: string;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then waits for it to exit; returns its exit code. */
  stop(): Promise<number | null>;
};

/**
 * `ledger serve` as its own process (bin/ledger.js, as `npm start` runs it), configured by
 * `variables` only. Resolves once it listens; rejects with its output if it exits first.
 */
export function startServerProcess(variables: Readonly<Record<string, string>>, cwd: string, timeoutMs = 90_000): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [LEDGER_BIN, 'serve'], {
    cwd,
    env: cliEnvironment({ PORT: '0', HOST: '127.0.0.1', ...variables }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let url: string | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger serve did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    // stdout and stderr each split into whole lines (a chunk may end mid-line).
    const take = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output += chunk;
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const text of parts) onLine(serverLine(text));
      });
    };
    const onLine = (line: ServerLine) => {
      if (url !== null) return;
      url = listeningUrl(line);
      if (url === null) return;
      clearTimeout(timer);
      resolve({
        url,
        pid: child.pid as number,
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    if (child.stdout) take(child.stdout);
    if (child.stderr) take(child.stderr);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ledger serve exited with ${code} before listening:\n${output}`));
    });
  });
}
