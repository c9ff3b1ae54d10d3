import { Writable } from 'node:stream';
import { createLedgerLogger, type LedgerLogger, type Logger } from '../../src/main.js';

/** A pino destination that drops every line. */
const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/**
 * A ledger logger whose start-up, job and consumer lines go to `lines` (for tests that check what
 * an operator is told) and whose HTTP request lines are dropped.
 */
export function recordingLedgerLogger(): { readonly log: LedgerLogger; readonly lines: string[] } {
  const lines: string[] = [];
  const record: Logger = {
    info: (message) => lines.push(message),
    warn: (message) => lines.push(message),
    error: (message) => lines.push(message),
  };
  return { log: { ...record, pino: createLedgerLogger('fatal', discard()).pino }, lines };
}

/** A ledger logger that says nothing. */
export function quietLedgerLogger(): LedgerLogger {
  return recordingLedgerLogger().log;
}

/** A pino destination that keeps every line written to it, as written, in `lines`. */
export function capturedLogLines(): { readonly stream: Writable; readonly lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line.length > 0),
      );
      done();
    },
  });
  return { stream, lines };
}
