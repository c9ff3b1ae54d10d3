import { loadConfig } from '../../config/config.js';
import { createLedgerLogger, logLevelOf, startLedger } from '../../main.js';
import type { CommandOutcome } from '../commandSpec.js';
import { stopOnSignal } from '../stopOnSignal.js';

/** API.md: a SIGTERM or SIGINT ends the server with exit code 0 within 10 s. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * `ledger serve`: the one command that runs until SIGINT or SIGTERM stops it, in main.ts's order.
 * Signals are watched from before the start, so one that comes during the start stops the server as soon as it is up.
 */
export async function run(): Promise<CommandOutcome> {
  const config = await loadConfig();
  const log = createLedgerLogger(logLevelOf(config));
  const signals = stopOnSignal({ log, deadlineMs: SHUTDOWN_DEADLINE_MS, exitCode: () => 0 });
  try {
    signals.started(await startLedger(config, log));
  } catch (error) {
    // startLedger has stopped what it started. The log aggregator gets the failure as a JSON line
    // like every other; the CLI's one-line message on stderr (reportFailure) is for the person at the terminal.
    log.error('the server did not start', error);
    signals.release();
    throw error;
  }
  return 'serving';
}
