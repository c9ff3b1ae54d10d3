/**
 * A command that reads a ledger found none where the configuration points: no embedded cluster in
 * the data directory, or a database without the ledger's schema. Such commands never create one.
 */
export class NoLedgerError extends Error {
  override readonly name = 'NoLedgerError';
  /** Where the ledger was looked for, e.g. `at /srv/.ledger` (never a password). */
  readonly where: string;

  constructor(where: string, problem: string) {
    super(`no ledger ${where}: ${problem}`);
    this.where = where;
  }
}

/**
 * A statement or connection failed because the database cannot be reached: it refused or dropped
 * the connection, is shutting down or starting up, has no connection slot left, or did not answer
 * within the client's own bound. Not a fault of the request: the HTTP layer answers `503
 * unavailable` with Retry-After, and the same request (same Idempotency-Key) may be retried.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';

  constructor(cause: unknown) {
    super('the database cannot be reached', { cause });
  }
}

/**
 * SQLSTATEs of a server that ends or refuses sessions: admin shutdown, crash shutdown, cannot
 * connect now (starting up, shutting down, recovering), too many connections.
 */
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Class 08: connection exceptions. */
const CONNECTION_EXCEPTION_CLASS = '08';
/** The socket's own failures (Node's errno codes). */
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * node-postgres reports a lost session, a connect that timed out and a statement cut off by the
 * client's `query_timeout` only in its message (no code); slonik wraps the first two in
 * BackendTerminated(Unexpectedly)Error, whose cause this classification follows anyway.
 */
const UNREACHABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Query read timeout$/,
  /is not queryable$/,
];

/** Causes followed at most this deep (an error's cause chain is not guaranteed to end). */
const MAX_CAUSE_DEPTH = 8;

function isUnreachableItself(error: object): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNREACHABLE_SQLSTATES.has(code) || UNREACHABLE_ERRNOS.has(code)) return true;
    if (code.length === 5 && code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message));
}

function isUnreachable(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_CAUSE_DEPTH) return false;
  if (error instanceof DatabaseUnavailableError || isUnreachableItself(error)) return true;
  // Node reports a refused connection to a host with several addresses as an AggregateError of each attempt's error.
  if (error instanceof AggregateError && error.errors.some((one) => isUnreachable(one, depth + 1))) return true;
  return isUnreachable((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * The one classification of driver errors (pg, slonik, pg-pool, Node's sockets): the error as a
 * DatabaseUnavailableError when it says the database cannot be reached, otherwise null.
 */
export function databaseUnavailableFrom(error: unknown): DatabaseUnavailableError | null {
  if (error instanceof DatabaseUnavailableError) return error;
  return isUnreachable(error, 0) ? new DatabaseUnavailableError(error) : null;
}

/**
 * The embedded cluster cannot be used as asked: another server runs it, its postmaster does not
 * answer, or the database's system user cannot reach its directory. The message says what to do.
 */
export class EmbeddedClusterError extends Error {
  override readonly name = 'EmbeddedClusterError';
  /** What an operator can do about it. */
  readonly remedy: string;

  constructor(problem: string, remedy: string) {
    super(`${problem}: ${remedy}`);
    this.remedy = remedy;
  }
}

/** `DATABASE_URL` names the requests' login, which cannot take the system role: system work needs its own. */
export class MissingSystemLoginError extends Error {
  override readonly name = 'MissingSystemLoginError';
  constructor() {
    super(
      'DATABASE_URL is set but SYSTEM_DATABASE_URL is not: set it to a login that holds ledger_system (and is not the schema owner nor a superuser); see README, "Database logins"',
    );
  }
}

/** Migrating needs the schema owner's login, which the server's own (`DATABASE_URL`) is not. */
export class MissingOwnerLoginError extends Error {
  override readonly name = 'MissingOwnerLoginError';
  constructor() {
    super(
      'migrations run as the schema owner: set MIGRATION_DATABASE_URL to its connection string (DATABASE_URL is the server login, not the owner)',
    );
  }
}
