import type { CommandOutcome } from './commandSpec.js';
import { parseCommandLine } from './parseCommandLine.js';
import { reportFailure } from './reportFailure.js';
import { commandUsage, overallUsage } from './usage.js';

/**
 * Runs `ledger <argv…>` and answers with its exit code. Help is printed to stdout and touches
 * nothing: the command line is read in full before any command is loaded.
 */
export async function runCommandLine(argv: readonly string[]): Promise<CommandOutcome> {
  let commandName: string | undefined;
  try {
    const line = parseCommandLine(argv);
    if (line.kind === 'help') {
      process.stdout.write(line.command ? commandUsage(line.command) : overallUsage());
      return 0;
    }
    commandName = line.command.name;
    const runner = await line.command.load();
    return await runner.run(line.input);
  } catch (error) {
    return reportFailure(error, commandName);
  }
}
