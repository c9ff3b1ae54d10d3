import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export const LEDGER_BIN = fileURLToPath(new URL('../../bin/ledger.js', import.meta.url));

/** Variables of the ledger's configuration that a test run may have set and a CLI test must not inherit. */
const CONFIG_VARIABLES = [
  'DATABASE_URL',
  'SYSTEM_DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'LEDGER_DATA_DIR',
  'LEDGER_CHECKPOINT_SIGNING_KEY',
  'PII_MASTER_KEY',
  'AWS_KMS_KEY_ID',
  'PII_RETENTION_DAYS',
  'PANEL_API_BASE',
  'PANEL_API_KEY',
  'PANEL_WEBHOOK_SECRET',
  'PANEL_ACCOUNTS',
  'SES_FROM_ADDRESS',
  'EVENTSTORE_CONNECTION_STRING',
  'EVENTSTORE_TENANTS',
  'AWS_SECRETS_ID',
  'COGNITO_USER_POOL_ID',
  'COGNITO_CLIENT_ID',
  'COGNITO_JWKS_FILE',
  'COGNITO_DOMAIN',
];

export type CliRun = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

export function cliEnvironment(variables: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  for (const name of CONFIG_VARIABLES) delete env[name];
  return { ...env, ...variables };
}

function collect(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npx ledger <args>` as a user runs it (bin/ledger.js), in `cwd`, with only `variables` configured. */
export function runLedgerCli(
  args: readonly string[],
  options: { cwd: string; variables: Readonly<Record<string, string>> },
): Promise<CliRun> {
  return collect(process.execPath, [LEDGER_BIN, ...args], { cwd: options.cwd, env: cliEnvironment(options.variables) });
}

const shellQuoted = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * The same, with stdout and stderr on a pseudo-terminal (util-linux `script`), as in an operator's
 * shell: both arrive merged in `stdout`.
 */
export function runLedgerCliOnTerminal(
  args: readonly string[],
  options: { cwd: string; variables: Readonly<Record<string, string>> },
): Promise<CliRun> {
  const command = [process.execPath, LEDGER_BIN, ...args].map(shellQuoted).join(' ');
  return collect('script', ['-qec', command, '/dev/null'], { cwd: options.cwd, env: cliEnvironment(options.variables) });
}

/**
 * Runs `tasks` at most `limit` at a time: each run is a Node process with tsx, and more of them than
 * cores would only slow down the test files running beside this one.
 */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit = Math.max(2, availableParallelism())): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
