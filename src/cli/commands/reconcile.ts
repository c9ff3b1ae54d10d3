import { loadConfig } from '../../config/config.js';
import { runReconcileCommand } from '../../payments/reconcileCommand.js';
import { type CommandInput, numberFlag } from '../commandSpec.js';
import { cliLog } from '../log.js';
import { withExistingLedger } from '../withExistingLedger.js';

export async function run(input: CommandInput): Promise<number> {
  const config = await loadConfig();
  return withExistingLedger(config, async (url) => {
    console.log(JSON.stringify(await runReconcileCommand(url, config, numberFlag(input, 'older-than'), cliLog)));
    return 0;
  });
}
