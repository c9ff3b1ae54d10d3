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
