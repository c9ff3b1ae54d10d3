import { z } from 'zod';
import type { Queries } from './queries.js';
import { sql } from './sql.js';

export class UnsafeDatabaseLoginError extends Error {
  override readonly name = 'UnsafeDatabaseLoginError';
  constructor(
    readonly login: string,
    /** Where the login came from, e.g. `DATABASE_URL`. */
    readonly source: string,
    readonly role: string,
    readonly reasons: readonly string[],
  ) {
    super(
      `refusing to start: the database login ${login} (${source}) could take more rights than ${role}: ${reasons.join('; ')}. ` +
        `Log in as a role that is granted only ${role}, is no superuser, has no BYPASSRLS nor CREATEROLE and is not a member of the ` +
        `schema owner; give the owner's connection string only to migrations (MIGRATION_DATABASE_URL). See README, "Database logins".`,
    );
  }
}

const loginRow = z.object({
  login: z.string(),
  superuser: z.boolean(),
  bypass_rls: z.boolean(),
  create_role: z.boolean(),
  owner_member: z.boolean(),
});

/**
 * Refuses a pool whose sessions log in (`session_user`, whatever role they run as) with more rights
 * than the role they are meant to run as (ADR 0034): `RESET ROLE` or `SET ROLE` gives a session
 * back its login's rights, so a superuser, a BYPASSRLS role, a member of one of them, a member of
 * the events table's owner, or a CREATEROLE login (which can grant itself roles) would make
 * row-level security and the log's append-only triggers a formality.
 */
export async function assertSafeLogin(db: Queries, expected: { readonly role: string; readonly source: string }): Promise<void> {
  const row = await db.one(sql.type(loginRow)`
    SELECT s.rolname AS login,
           EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolsuper AND pg_catalog.pg_has_role(s.oid, r.oid, 'MEMBER')) AS superuser,
           EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolbypassrls AND pg_catalog.pg_has_role(s.oid, r.oid, 'MEMBER')) AS bypass_rls,
           EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolcreaterole AND pg_catalog.pg_has_role(s.oid, r.oid, 'MEMBER')) AS create_role,
           pg_catalog.pg_has_role(s.oid, c.relowner, 'MEMBER') AS owner_member
    FROM pg_catalog.pg_roles s, pg_catalog.pg_class c
    WHERE s.rolname = session_user AND c.oid = 'public.events'::regclass`);
  const reasons = [
    ...(row.superuser ? ['it is (or may become) a superuser'] : []),
    ...(row.bypass_rls ? ['it has (or may take) BYPASSRLS'] : []),
    ...(row.create_role ? ['it has (or may take) CREATEROLE'] : []),
    ...(row.owner_member && !row.superuser ? ['it is (or may become) the owner of the ledger schema'] : []),
  ];
  if (reasons.length > 0) throw new UnsafeDatabaseLoginError(row.login, expected.source, expected.role, reasons);
}
