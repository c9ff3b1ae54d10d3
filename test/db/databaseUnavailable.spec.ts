import pg from 'pg';
import { BackendTerminatedError, ConnectionError, StatementTimeoutError, UniqueIntegrityConstraintViolationError } from 'slonik';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, databaseUnavailableFrom } from '../../src/db/errors.js';

/** A server error as node-postgres builds it from an ErrorResponse message. */
function serverError(code: string, message = 'server error'): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('databaseUnavailableFrom', () => {
  it.each([
    ['admin shutdown (57P01)', serverError('57P01')],
    ['crash shutdown (57P02)', serverError('57P02')],
    ['cannot connect now (57P03)', serverError('57P03')],
    ['too many connections (53300)', serverError('53300')],
    ['a connection exception (08006)', serverError('08006')],
    ['a refused socket', socketError('ECONNREFUSED')],
    ['a reset socket', socketError('ECONNRESET')],
    ['a lost session', new Error('Connection terminated unexpectedly')],
    ['a connect that timed out', new Error('Connection terminated due to connection timeout')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a statement the client stopped waiting for', new Error('Query read timeout')],
    ['a client that lost its connection', new Error('Client has encountered a connection error and is not queryable')],
    ['every address refused', new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')])],
    ['slonik: could not connect', new ConnectionError('connect ECONNREFUSED', { cause: socketError('ECONNREFUSED') })],
    ['slonik: backend terminated', new BackendTerminatedError(serverError('57P01'))],
  ])('recognises %s', (_name, error) => {
    const unavailable = databaseUnavailableFrom(error);
    expect(unavailable).toBeInstanceOf(DatabaseUnavailableError);
    expect(unavailable?.cause).toBe(error);
  });

  it.each([
    ['a statement the server cancelled (57014)', new StatementTimeoutError(serverError('57014'))],
    ['a unique violation', new UniqueIntegrityConstraintViolationError(serverError('23505'))],
    ['a syntax error', serverError('42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error at all', 'ECONNREFUSED'],
  ])('leaves %s alone', (_name, error) => {
    expect(databaseUnavailableFrom(error)).toBeNull();
  });

  it('ends on a cause chain that loops', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    Object.assign(first, { cause: second });
    expect(databaseUnavailableFrom(first)).toBeNull();
  });
});
