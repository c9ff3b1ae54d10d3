import { describe, expect, it } from 'vitest';
import { CommandLineUsageError } from './errors.js';
import { parseCommandLine } from './parseCommandLine.js';

const usageError = (argv: readonly string[]) => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CommandLineUsageError) return { message: error.message, command: error.command };
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseCommandLine', () => {
  it('reads flags in both spellings, positionals and whole numbers', () => {
    const replay = parseCommandLine(['replay', 'reservation-1', '--tenant=t-1']);
    const reconcile = parseCommandLine(['reconcile', '--older-than', '0']);
    const token = parseCommandLine(['dev-token', '--tenant', 't', '--groups', 'admin', '--groups=staff', '--ttl', '60']);

    expect(replay).toMatchObject({ kind: 'run', input: { positionals: ['reservation-1'], flags: { tenant: 't-1' } } });
    expect(reconcile).toMatchObject({ kind: 'run', input: { flags: { 'older-than': 0 } } });
    expect(token).toMatchObject({ kind: 'run', input: { flags: { tenant: 't', groups: ['admin', 'staff'], ttl: 60 } } });
  });

  it('keeps everything after the command, as typed, for a command that reads its flags further', () => {
    const line = parseCommandLine(['dev-token', '--tenant', 't', '--groups', 'admin,staff']);

    expect(line.kind === 'run' && line.input.args).toEqual(['--tenant', 't', '--groups', 'admin,staff']);
  });

  it('answers help wherever it is asked, before any other check', () => {
    expect(parseCommandLine(['help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['help', 'verify'])).toMatchObject({ kind: 'help', command: { name: 'verify' } });
    expect(parseCommandLine(['rebuild-projections', '--help'])).toMatchObject({ kind: 'help', command: { name: 'rebuild-projections' } });
    expect(parseCommandLine(['replay', '--bogus', '-h'])).toMatchObject({ kind: 'help', command: { name: 'replay' } });
  });

  it('takes --help after -- as a positional, not as a request for help', () => {
    expect(parseCommandLine(['replay', '--', '--help'])).toMatchObject({ kind: 'run', input: { positionals: ['--help'] } });
  });

  it.each([
    [[], 'no command given', undefined],
    [['--version'], 'unknown flag --version (a command comes first)', undefined],
    [['help', 'verify', 'replay'], 'help takes one command, not 2', undefined],
    [['verify', '-x'], 'unknown flag -x', 'verify'],
    [['replay', 'a', '--tenant'], '--tenant needs a value: T', 'replay'],
    [['replay', 'a', '--tenant', '--other'], '--tenant needs a value: T', 'replay'],
    [['replay', 'a', '--tenant='], '--tenant needs a value: T', 'replay'],
    [['reconcile', '--older-than'], '--older-than needs a value: SECONDS', 'reconcile'],
    [['reconcile', '--older-than', '1.5'], '--older-than SECONDS must be a whole number, not "1.5"', 'reconcile'],
    [['dev-token', '--tenant', 't', '--ttl', '0'], '--ttl SECONDS must be a whole number of at least 1, not "0"', 'dev-token'],
    [['mirror', 'a', 'b'], 'unexpected argument "b"', 'mirror'],
    [['serve', 'now'], 'unexpected argument "now"', 'serve'],
  ])('%j is a usage error', (argv, message, command) => {
    expect(usageError(argv)).toEqual({ message, command });
  });
});
