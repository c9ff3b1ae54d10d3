import { ConfigError } from '../config/errors.js';
import { NoLedgerError } from '../db/errors.js';
import { DevTokenUsageError } from '../identity/errors.js';
import { CommandLineUsageError } from './errors.js';

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function helpHint(command: string | undefined): string {
  return command === undefined ? 'run "ledger --help" for usage' : `run "ledger ${command} --help" for usage`;
}

/** The messages of an error and of its causes, one clause each: what an operator can act on. */
function messageChain(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && parts.length < 5;) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error can be anything; String() is the best an operator gets
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/**
 * Says on stderr why `command` did not run, and returns the exit code: 2 for a command line that
 * cannot run, 1 for everything else. Expected failures get their message alone; an unexpected one
 * also gets its causes, never a stack trace.
 */
export function reportFailure(error: unknown, command: string | undefined): number {
  const prefix = command === undefined ? 'ledger' : `ledger ${command}`;
  if (error instanceof CommandLineUsageError) {
    const about = error.command ?? command;
    console.error(`${about === undefined ? 'ledger' : `ledger ${about}`}: ${error.message}\n${helpHint(about)}`);
    return EXIT_USAGE;
  }
  if (error instanceof DevTokenUsageError) {
    console.error(`${prefix}: ${error.problem}\n${helpHint(command)}`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    console.error(`${prefix}: configuration error: ${error.message}`);
    return EXIT_FAILED;
  }
  if (error instanceof NoLedgerError) {
    console.error(`${prefix}: ${error.message}`);
    return EXIT_FAILED;
  }
  console.error(`${prefix}: ${messageChain(error)}`);
  return EXIT_FAILED;
}
