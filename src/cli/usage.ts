import type { CommandSpec, FlagSpec } from './commandSpec.js';
import { commands } from './commands.js';

const INDENT = '  ';

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows
    .map(([left, right]) => {
      const [firstLine = '', ...moreLines] = right.split('\n');
      return [INDENT + left.padEnd(width) + firstLine, ...moreLines.map((line) => INDENT + ' '.repeat(width) + line)].join('\n');
    })
    .join('\n');
}

function flagSyntax(name: string, flag: FlagSpec): string {
  return flag.type === 'boolean' ? `--${name}` : `--${name} ${flag.value ?? 'VALUE'}`;
}

/** `verify [--public-key FILE]`, `replay <streamId> [--tenant T]`, … */
export function commandSynopsis(command: CommandSpec): string {
  const positionals = command.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  const flags = Object.entries(command.flags).map(([name, flag]) => {
    const syntax = flagSyntax(name, flag);
    return flag.required ? syntax : `[${syntax}]`;
  });
  return [command.name, ...positionals, ...flags].join(' ');
}

/** What `ledger --help` and `ledger help` print. */
export function overallUsage(): string {
  return [
    'usage: ledger <command> [flags]',
    '',
    'commands:',
    ...commands.map((command) => `${INDENT}${commandSynopsis(command)}\n${INDENT.repeat(3)}${command.summary}`),
    '',
    "ledger help <command> (or ledger <command> --help) prints a command's flags.",
    'verify, replay, rebuild-projections, reconcile and checkpoint read an existing ledger and never create',
    'one: without DATABASE_URL, the embedded one in LEDGER_DATA_DIR (default .ledger) must exist. With it,',
    'they also need SYSTEM_DATABASE_URL (the system login).',
    '',
    'exit codes: 0 done, 1 failed (or verify found a problem), 2 wrong usage',
    '',
  ].join('\n');
}

/** What `ledger help <command>` and `ledger <command> --help` print. */
export function commandUsage(command: CommandSpec): string {
  const rows: [string, string][] = [
    ...command.positionals.map((p): [string, string] => [`<${p.name}>`, p.help]),
    ...Object.entries(command.flags).map(([name, flag]): [string, string] => [
      flagSyntax(name, flag),
      [flag.help, ...(flag.required ? [' (required)'] : []), ...(flag.multiple ? [' (may repeat)'] : [])].join(''),
    ]),
    ['-h, --help', 'print this help and exit'],
  ];
  return [
    `usage: ledger ${commandSynopsis(command)}`,
    '',
    command.summary,
    ...(command.details ? [command.details] : []),
    '',
    'arguments and flags:',
    table(rows),
    '',
  ].join('\n');
}
