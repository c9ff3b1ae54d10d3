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
