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
