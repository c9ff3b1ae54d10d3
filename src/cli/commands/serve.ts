import { loadConfig } from '../../config/config.js';
import { startLedger } from '../../main.js';
import type { CommandOutcome } from '../commandSpec.js';
import { cliLog as log } from '../log.js';

/** API.md: a SIGTERM or SIGINT ends the process within 10 s. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * `ledger serve`: the one command that runs until SIGINT or SIGTERM stops it. The first signal
 * starts the shutdown (main.ts's order) and exits 0 once it is done, or 1 when it fails or is not
 * done within the deadline, naming what was still stopping.
 */
export async function run(): Promise<CommandOutcome> {
  const ledger = await startLedger(await loadConfig(), log);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal}: already stopping (waiting for: ${ledger.stillStopping().join(', ')})`);
      return;
    }
    stopping = true;
    log.info(`${signal}: stopping within ${SHUTDOWN_DEADLINE_MS / 1000} s`);
    const deadline = setTimeout(() => {
      log.error(`shutdown not done within ${SHUTDOWN_DEADLINE_MS / 1000} s; still stopping: ${ledger.stillStopping().join(', ')}`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    ledger.stop().then(
      () => {
        clearTimeout(deadline);
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return 'serving';
}
