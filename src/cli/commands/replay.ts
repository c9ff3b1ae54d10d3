import { runReplayCommand } from '../../audit/auditCommands.js';
import { loadConfig } from '../../config/config.js';
import { type CommandInput, stringFlag } from '../commandSpec.js';
import { withExistingLedger } from '../withExistingLedger.js';

export async function run(input: CommandInput): Promise<number> {
  const [streamId] = input.positionals;
  if (streamId === undefined) throw new TypeError('replay runs with its <streamId> only');
  return withExistingLedger(await loadConfig(), (logins) => runReplayCommand(logins.system, streamId, stringFlag(input, 'tenant')));
}
