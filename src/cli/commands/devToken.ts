import { loadConfig } from '../../config/config.js';
import { ConfigError } from '../../config/errors.js';
import { runDevTokenCommand } from '../../identity/devTokenCommand.js';
import type { CommandInput } from '../commandSpec.js';

export async function run(input: CommandInput): Promise<number> {
  const config = await loadConfig();
  if (config.nodeEnv === 'production') throw new ConfigError('dev-token is not available in production', { keys: ['NODE_ENV'] });
  // The flags are checked twice over: generically on the command line, then for their meaning (groups, ttl).
  console.log(await runDevTokenCommand(input.args, config.dataDir));
  return 0;
}
