import { parseArgs } from 'node:util';
import type { CommandInput, CommandSpec, FlagSpec, FlagValue } from './commandSpec.js';
import { findCommand } from './commands.js';
import { CommandLineUsageError } from './errors.js';

/** What the command line asks for: a usage text, or one command with its checked input. */
export type CommandLine =
  | { readonly kind: 'help'; readonly command?: CommandSpec }
  | { readonly kind: 'run'; readonly command: CommandSpec; readonly input: CommandInput };

const HELP_FLAGS = ['--help', '-h'];

/** `argv` is what follows `ledger`. Throws `CommandLineUsageError` for anything it cannot run. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) throw new CommandLineUsageError('no command given');
  if (first === 'help' || HELP_FLAGS.includes(first)) return helpFor(rest);
  if (first.startsWith('-')) throw new CommandLineUsageError(`unknown flag ${first} (a command comes first)`);
  const command = commandNamed(first);
  // Asking for help wins over every other mistake on the line: it is what the user wants next anyway.
  if (beforeTerminator(rest).some((arg) => HELP_FLAGS.includes(arg))) return { kind: 'help', command };
  return { kind: 'run', command, input: readInput(command, rest) };
}

function helpFor(rest: readonly string[]): CommandLine {
  if (rest.length === 0) return { kind: 'help' };
  if (rest.length > 1) throw new CommandLineUsageError(`help takes one command, not ${rest.length}`);
  return { kind: 'help', command: commandNamed(rest[0] as string) };
}

function commandNamed(name: string): CommandSpec {
  const command = findCommand(name);
  if (command === undefined) throw new CommandLineUsageError(`unknown command "${name}"`);
  return command;
}

function beforeTerminator(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}

/**
 * Reads the flags with `node:util`'s parser in its lenient mode, which reports every token, and checks
 * them here: its strict mode's messages name the parser's own terms rather than this command's usage.
 */
function readInput(command: CommandSpec, args: readonly string[]): CommandInput {
  const usageError = (problem: string) => new CommandLineUsageError(problem, command.name);
  const { tokens } = parseArgs({
    args: [...args],
    options: Object.fromEntries(Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const flag = Object.hasOwn(command.flags, token.name) ? command.flags[token.name] : undefined;
    if (flag === undefined) throw usageError(`unknown flag ${token.rawName}`);
    const value = flagValue(token.rawName, flag, token.value, token.inlineValue === true, usageError);
    const earlier = flags[token.name];
    flags[token.name] = flag.multiple ? [...(typeof earlier === 'object' ? earlier : []), String(value)] : value;
  }
  const missingFlags = Object.entries(command.flags).filter(([name, flag]) => flag.required && flags[name] === undefined);
  if (missingFlags.length > 0) throw usageError(`missing ${missingFlags.map(([name]) => `--${name}`).join(', ')}`);
  const required = command.positionals.filter((positional) => positional.required).length;
  if (positionals.length < required) {
    throw usageError(
      `missing ${command.positionals
        .slice(positionals.length, required)
        .map((p) => `<${p.name}>`)
        .join(' ')}`,
    );
  }
  if (positionals.length > command.positionals.length) {
    throw usageError(`unexpected argument "${positionals[command.positionals.length]}"`);
  }
  return { positionals, flags, args };
}

function flagValue(
  rawName: string,
  flag: FlagSpec,
  value: string | undefined,
  inline: boolean,
  usageError: (problem: string) => CommandLineUsageError,
): string | boolean | number {
  if (flag.type === 'boolean') {
    if (value !== undefined) throw usageError(`${rawName} takes no value`);
    return true;
  }
  if (flag.wholeNumberAtLeast !== undefined) {
    if (value === undefined) throw usageError(`${rawName} needs a value: ${flag.value ?? 'a whole number'}`);
    return wholeNumber(`${rawName} ${flag.value ?? 'VALUE'}`, value, flag.wholeNumberAtLeast, usageError);
  }
  // The lenient parser takes the next argument whatever it is; `--tenant --sub x` is a missing value.
  if (value === undefined || value === '' || (!inline && value.startsWith('-'))) {
    throw usageError(`${rawName} needs a value${flag.value ? `: ${flag.value}` : ''}`);
  }
  return value;
}

function wholeNumber(syntax: string, value: string, atLeast: number, usageError: (problem: string) => CommandLineUsageError): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < atLeast) {
    throw usageError(`${syntax} must be a whole number${atLeast > 0 ? ` of at least ${atLeast}` : ''}, not "${value}"`);
  }
  return number;
}
