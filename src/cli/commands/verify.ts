import { trustedCheckpointKeyFor, verifyLedgerAt } from '../../audit/auditCommands.js';
import { loadConfig } from '../../config/config.js';
import { type CommandInput, stringFlag } from '../commandSpec.js';
import { createProgressLine } from '../progressLine.js';
import { withExistingLedger } from '../withExistingLedger.js';

/** Prints the report on stdout; exits 1 when anything does not verify. */
export async function run(input: CommandInput): Promise<number> {
  const config = await loadConfig();
  return withExistingLedger(config, async (logins) => {
    // After the ledger is found: without a configured key, this reads (or makes) the local one beside it.
    const trustedCheckpointKey = await trustedCheckpointKeyFor(stringFlag(input, 'public-key'), config);
    const progress = createProgressLine(process.stderr);
    const report = await verifyLedgerAt(logins.system, {
      trustedCheckpointKey,
      onProgress: ({ streams, events }) => progress.show(`verifying: ${streams} streams, ${events} events`),
    });
    progress.finish(`verified: ${report.streams} streams, ${report.events} events`);
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  });
}
