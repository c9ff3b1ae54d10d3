/**
 * The command line cannot be run as typed: an unknown command or flag, a flag without its value, a
 * bad number, too many or too few arguments. Exit code 2; nothing has been touched yet.
 */
export class CommandLineUsageError extends Error {
  override readonly name = 'CommandLineUsageError';
  /** The command whose help to point at, when the command itself was recognised. */
  readonly command: string | undefined;

  constructor(problem: string, command?: string) {
    super(problem);
    this.command = command;
  }
}
