import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfigValues } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { createLedgerLogger, logLevelOf, type LogLevel } from '../../src/main.js';
import { startTestLedger } from '../support/ledgerServer.js';

/** A destination that keeps each JSON line pino writes. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

/** The server with the process logger at `level`; the log lines of a request and of start-up-like calls. */
async function linesAt(level: LogLevel) {
  const { lines, stream } = capture();
  const log = createLedgerLogger(level, stream);
  const ledger = await startTestLedger({ loggerInstance: log.pino });
  try {
    expect((await ledger.call('GET', '/livez')).status).toBe(200);
    log.info('database: embedded');
    log.warn('dev identity');
    log.error('consumer daily-reports: batch failed, will retry', new Error('first line\nsecond line'));
  } finally {
    await ledger.close();
  }
  return lines;
}

describe('LOG_LEVEL', () => {
  it('is read from the environment: fatal…trace, and nothing else', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) {
      expect(parseConfigValues({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
    expect(() => parseConfigValues({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => parseConfigValues({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace/);
    expect(logLevelOf(parseConfigValues({}))).toBe('info');
  });

  it('warn silences the info lines of requests and start-up; warnings and errors stay, each one JSON line', async () => {
    const lines = await linesAt('warn');
    expect(lines.map((line) => line.msg)).toEqual(['dev identity', 'consumer daily-reports: batch failed, will retry']);
    const failure = lines[1] as { err: { message: string; stack: string } };
    expect(failure.err.message).toBe('first line\nsecond line');
    expect(failure.err.stack).toContain('first line');
  });

  it('info shows request lines and start-up lines through the same logger', async () => {
    const messages = (await linesAt('info')).map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['incoming request', 'request completed', 'database: embedded', 'dev identity']));
  });
});
