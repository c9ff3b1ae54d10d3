import { createHash } from 'node:crypto';
import pg from 'pg';
import { type QuerySqlToken, UniqueIntegrityConstraintViolationError } from 'slonik';
import type { Queries } from './queries.js';
import { queryMethodsOf, type StatementResult } from './queryMethods.js';
import { CONNECT_TIMEOUT_MS } from './timeouts.js';
import { databaseUnavailableFrom } from './errors.js';
import { APP_ROLE, connectionUrlAs } from './roles.js';
import { LEDGER_TYPE_PARSERS } from './typeParsers.js';

/**
 * A transaction of the command pool. Its first statement travels with BEGIN, and `commitWith`
 * sends its last statement with COMMIT: a command that locks, decides and writes costs two round
 * trips, and only one of them — the write and its commit — runs while the lock is held.
 */
export type CommandTransaction = Queries & {
  /** Runs `statement` and commits in the same round trip; the transaction is over when it returns. */
  commitWith(statement: QuerySqlToken): Promise<void>;
};

export type CommandPool = {
  transaction<T>(work: (tx: CommandTransaction) => Promise<T>): Promise<T>;
  /**
   * Runs one statement as a transaction of its own: PostgreSQL's implicit one, which commits when
   * the statement has run (durably, as any commit) and rolls back if it fails. No BEGIN or COMMIT
   * travels with it, so a write that is a whole transaction costs one message and one round trip.
   */
  runAlone(statement: QuerySqlToken): Promise<StatementResult>;
  /** Connections in use, idle, and requests waiting for one: what `/metrics` shows of this pool. */
  usage(): PoolUsage;
  end(): Promise<void>;
};

/** How long PostgreSQL lets one command statement run (a lock wait included) before it cancels it. */
export const COMMAND_STATEMENT_TIMEOUT_MS = 8_000;
/** How long the client waits for an answer to one statement before it gives the connection up as unreachable. */
export const COMMAND_CLIENT_TIMEOUT_MS = 10_000;
export type PoolUsage = { readonly inUse: number; readonly idle: number; readonly waiting: number };

/** Named statements one connection keeps prepared at most; statements beyond it are parsed each time. */
const PREPARED_PER_CONNECTION = 200;

/** pg's own OID type (an enum of pg-types, which this package does not depend on directly). */
type PgTypeId = Parameters<typeof pg.types.getTypeParser>[0];

const parserByOid = new Map<number, (value: string) => unknown>(LEDGER_TYPE_PARSERS.map(({ oid, parse }) => [oid, parse]));

/**
 * The pool the booking and webhook commands run on (ADR 0018): plain `pg` clients in pipeline mode,
 * so a statement can be sent right behind BEGIN, and a write right ahead of COMMIT, without waiting
 * for the answer in between. Statements are still built with the `sql` tag and their rows checked by
 * their zod schema, as on the slonik pool; the repeated ones are prepared once per connection, which
 * spares PostgreSQL the parse and plan of the large write statement on every command. Sessions run
 * as `ledger_app` from their start, like the slonik pool's.
 */
export function createCommandPool(url: string, options: { readonly maximumPoolSize?: number } = {}): CommandPool {
  const pool = new pg.Pool({
    connectionString: connectionUrlAs(url, APP_ROLE),
    max: options.maximumPoolSize ?? 20,
    // Bounds on how long a command waits on the database (ADR 0032). The server cancels a statement
    // stuck behind a lock first (statement_timeout); the client's own bound comes later and only
    // fires when the server does not answer at all (frozen, or a network that drops packets). A
    // transaction left open by a crashed request gives its locks back within a minute.
    statement_timeout: COMMAND_STATEMENT_TIMEOUT_MS,
    query_timeout: COMMAND_CLIENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: 60_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    pipeline: true,
    types: {
      getTypeParser: ((oid: PgTypeId, format?: 'text'): unknown => parserByOid.get(oid) ?? pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // An idle client that loses its connection is dropped by the pool; nothing waits on it to report to.
  pool.on('error', () => undefined);
  return {
    transaction: (work) => runTransaction(pool, work),
    runAlone: (statement) => runAlone(pool, statement),
    usage: () => ({ inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    end: () => pool.end(),
  };
}

type Prepared = { readonly names: Set<string> };
const preparedByClient = new WeakMap<pg.PoolClient, Prepared>();

/**
 * A statement as PostgreSQL reads it, and its name: the `sql` tag numbers parameters `$slonik_N`
 * (slonik's own pool rewrites them as `$N` too). Kept per text seen lately: a composed statement
 * (composedStatement.ts) comes back as the same string, found without rewriting or hashing it again.
 */
type StatementText = { readonly text: string; readonly name: string };
const statementByTokenText = new Map<string, StatementText>();
const TEXTS_REMEMBERED = 1_000;

function statementTextOf(token: QuerySqlToken): StatementText {
  let statement = statementByTokenText.get(token.sql);
  if (statement === undefined) {
    const text = token.sql.replaceAll('$slonik_', '$');
    statement = { text, name: `ledger_${createHash('sha1').update(text).digest('hex')}` };
    if (statementByTokenText.size >= TEXTS_REMEMBERED) statementByTokenText.clear();
    statementByTokenText.set(token.sql, statement);
  }
  return statement;
}

/** The statement's name, while the connection has room for more prepared statements. */
function statementName(client: pg.PoolClient, name: string): string | undefined {
  const prepared = preparedByClient.get(client) ?? { names: new Set<string>() };
  preparedByClient.set(client, prepared);
  if (prepared.names.has(name)) return name;
  if (prepared.names.size >= PREPARED_PER_CONNECTION) return undefined;
  prepared.names.add(name);
  return name;
}

/** Sends `token`, prepared under its name while the connection has room for it (the same text is then only bound and run). */
function sendStatement(client: pg.PoolClient, token: QuerySqlToken) {
  const { text, name: stable } = statementTextOf(token);
  const name = statementName(client, stable);
  return client.query({ text, values: token.values as unknown[], ...(name === undefined ? {} : { name }) });
}

/** slonik's error for a unique violation, so callers handle both pools' errors alike. */
function asLedgerError(error: unknown): unknown {
  if (error instanceof pg.DatabaseError && error.code === '23505') return new UniqueIntegrityConstraintViolationError(error);
  return error;
}

type RowSchema = { safeParse(row: unknown): { success: true; data: unknown } | { success: false; error: unknown } };

/** Every row checked against the statement's zod schema, as the slonik pool's row interceptor does. */
function parseRows(token: QuerySqlToken, rows: readonly unknown[]): unknown[] {
  const schema = token.parser as unknown as RowSchema;
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw new Error(`a row does not match its schema: ${String(parsed.error)}`);
    return parsed.data;
  });
}

async function runTransaction<T>(pool: pg.Pool, work: (tx: CommandTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Held in an object: the closures below change it, which narrowing on a local `let` would not see.
  const phase: { now: 'not_begun' | 'open' | 'over' } = { now: 'not_begun' };
  let broken: Error | undefined;
  // A connection that ends while checked out (a restart, a terminated backend, the idle timeout)
  // fails the statements in flight, which report it; the client's own 'error' event must have a
  // listener or it would end the process. The client is then not given back to the pool.
  const onConnectionError = (error: Error) => {
    broken = error;
  };
  client.on('error', onConnectionError);

  const send = (token: QuerySqlToken) => sendStatement(client, token);
  /** Messages sent together leave in one write to the socket (each query would otherwise be its own). */
  const together = <R>(queue: () => R): R => {
    const socket = client.connection.stream;
    socket.cork();
    try {
      return queue();
    } finally {
      socket.uncork();
    }
  };
  /** Sends BEGIN first when the transaction has not begun: both go out without waiting in between. */
  const beginWith = async (token: QuerySqlToken) => {
    if (phase.now === 'over') throw new Error('this transaction is over');
    const [begin, statement] = together(() => {
      const begun = phase.now === 'not_begun' ? client.query('BEGIN') : undefined;
      phase.now = 'open';
      return [begun, send(token)] as const;
    });
    try {
      const [, result] = await Promise.all([begin, statement]);
      return result;
    } catch (error) {
      throw asLedgerError(error);
    }
  };
  const tx: CommandTransaction = {
    ...queryMethodsOf(async (token) => {
      const result = await beginWith(token);
      const rows = parseRows(token, result.rows);
      return { command: result.command, rowCount: result.rowCount ?? rows.length, rows };
    }),
    async commitWith(token) {
      if (phase.now === 'over') throw new Error('this transaction is over');
      const [begin, write, commit] = together(() => {
        const begun = phase.now === 'not_begun' ? client.query('BEGIN') : undefined;
        phase.now = 'over';
        return [begun, send(token), client.query('COMMIT')] as const;
      });
      const [begun, written, committed] = await Promise.allSettled([begin, write, commit]);
      // A failed statement leaves the transaction aborted, and the COMMIT behind it then rolls back.
      if (begun.status === 'rejected') throw asLedgerError(begun.reason);
      if (written.status === 'rejected') throw asLedgerError(written.reason);
      if (committed.status === 'rejected') throw asLedgerError(committed.reason);
      if (committed.value.command !== 'COMMIT') throw new Error(`the transaction did not commit (${committed.value.command})`);
    },
  };

  try {
    const result = await work(tx);
    if (phase.now === 'open') {
      phase.now = 'over';
      const committed = await client.query('COMMIT');
      // A statement that failed inside `work` without `work` failing leaves the transaction aborted.
      if (committed.command !== 'COMMIT') throw new Error(`the transaction did not commit (${committed.command})`);
    }
    return result;
  } catch (error) {
    if (databaseUnavailableFrom(error) !== null) {
      // The session is gone or does not answer (a statement cut off by the client's timeout is still
      // pending on it): a ROLLBACK would only wait out another timeout. The connection is not pooled
      // again, and the server rolls back whatever was open when the session ends.
      phase.now = 'over';
      broken ??= error instanceof Error ? error : new Error(String(error));
    }
    if (phase.now === 'open') {
      phase.now = 'over';
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
        // The connection is in doubt: the pool must not hand it out again.
        broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
      });
    }
    throw error;
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
}

/** An error after which the session is gone or in doubt: not a SQL error (a reset socket), or the server ending it (57P0x, class 08). */
function endsTheConnection(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return true;
  const code = error.code ?? '';
  return code.startsWith('57P') || code.startsWith('08');
}

async function runAlone(pool: pg.Pool, token: QuerySqlToken): Promise<StatementResult> {
  const client = await pool.connect();
  // As in a transaction: a connection that ends meanwhile fails the statement and is not pooled again.
  let broken: Error | undefined;
  const onConnectionError = (error: Error) => {
    broken = error;
  };
  client.on('error', onConnectionError);
  try {
    let result: pg.QueryResult;
    try {
      result = await sendStatement(client, token);
    } catch (error) {
      // The server's notice that it ends the session can come before the socket's own error: the
      // connection is not pooled again unless the statement failed as plain SQL on a live session.
      if (endsTheConnection(error)) broken ??= error instanceof Error ? error : new Error(String(error));
      throw asLedgerError(error);
    }
    const rows = parseRows(token, result.rows);
    return { command: result.command, rowCount: result.rowCount ?? rows.length, rows };
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
}
