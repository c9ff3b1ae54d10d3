import { checkpointSignerFromConfig } from '../../audit/checkpointSignerFromConfig.js';
import { runCheckpointCommand } from '../../audit/checkpointsCommand.js';
import { loadConfig } from '../../config/config.js';
import { assertLedgerLocation } from '../../db/openExistingLedger.js';
import { booleanFlag, type CommandInput } from '../commandSpec.js';
import { withExistingLedger } from '../withExistingLedger.js';

export async function run(input: CommandInput): Promise<number> {
  const config = await loadConfig();
  if (booleanFlag(input, 'public-key')) {
    // A configured key needs no ledger; the local dev key lives beside the ledger and is made with it.
    if (config.checkpointSigningKey === undefined) await assertLedgerLocation(config);
    process.stdout.write((await checkpointSignerFromConfig(config)).publicKeyPem);
    return 0;
  }
  return withExistingLedger(config, async (logins) => runCheckpointCommand(logins.system, await checkpointSignerFromConfig(config)));
}
