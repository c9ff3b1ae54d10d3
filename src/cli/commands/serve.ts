import { loadConfig } from '../../config/config.js';
import { createLedgerLogger, logLevelOf, startLedger } from '../../main.js';
import type { CommandOutcome } from '../commandSpec.js';

/** `ledger serve`: the one command that runs until SIGINT or SIGTERM stops it. */
export async function run(): Promise<CommandOutcome> {
  const config = await loadConfig();
  const log = createLedgerLogger(logLevelOf(config));
  const ledger = await startLedger(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    ledger.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return 'serving';
}
