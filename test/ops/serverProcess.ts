import { type ChildProcess, spawn } from 'node:child_process';
import { cliEnvironment, LEDGER_BIN } from '../cli/runLedgerCli.js';

export type ServerProcess = {
  /** http://127.0.0.1:<port>, from the server's own "listening on" line. */
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger serve did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: string) => {
      output += chunk;
      const listening = /booking ledger listening on (http:\/\/\S+)/.exec(output);
      if (!listening?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: listening[1],
        pid: child.pid as number,
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ledger serve exited with ${code} before listening:\n${output}`));
    });
  });
}
