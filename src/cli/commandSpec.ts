/** A flag a command accepts: `--name VALUE` (string), `--name` (boolean), or a whole number. */
export type FlagSpec = {
  readonly type: 'string' | 'boolean';
  /** The command cannot run without it. */
  readonly required?: true;
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: true;
  /** The value's name in the usage text, e.g. `FILE`. */
  readonly value?: string;
  /** The value must be a whole number at least this large (checked when the command line is read). */
  readonly wholeNumberAtLeast?: number;
  readonly help: string;
};

export type PositionalSpec = { readonly name: string; readonly required: boolean; readonly help: string };

export type FlagValue = string | boolean | number | readonly string[];

/** A command line that matched its command's flags and positionals. */
export type CommandInput = {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, FlagValue | undefined>>;
  /** Everything after the command's name, as typed (for a command that parses its own flags further). */
  readonly args: readonly string[];
};

/** The exit code, or `serving` when the process must stay up until a signal stops it. */
export type CommandOutcome = number | 'serving';

export type CommandRunner = { run(input: CommandInput): Promise<CommandOutcome> };

export type CommandSpec = {
  readonly name: string;
  /** One line, for the list of commands. */
  readonly summary: string;
  /** Further lines for the command's own help. */
  readonly details?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /**
   * Loads what runs the command only once the command line is known to be good, so that help and
   * usage errors load no configuration, database driver or server code, and touch nothing.
   */
  readonly load: () => Promise<CommandRunner>;
};

export function stringFlag(input: CommandInput, name: string): string | undefined {
  const value = input.flags[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new TypeError(`flag --${name} is not a single string`);
}

export function booleanFlag(input: CommandInput, name: string): boolean {
  const value = input.flags[name];
  if (value === undefined || typeof value === 'boolean') return value === true;
  throw new TypeError(`flag --${name} is not a boolean`);
}

export function numberFlag(input: CommandInput, name: string): number | undefined {
  const value = input.flags[name];
  if (value === undefined || typeof value === 'number') return value;
  throw new TypeError(`flag --${name} is not a number`);
}
