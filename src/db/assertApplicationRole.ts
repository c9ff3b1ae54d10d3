import type { Queries } from './queries.js';
import { z } from 'zod';
import { sql } from './sql.js';

export class UnsafeDatabaseRoleError extends Error {
  override readonly name = 'UnsafeDatabaseRoleError';
  constructor(
    readonly role: string,
    readonly reasons: readonly string[],
  ) {
    super(`the application's database role ${role} would not be held by row-level security: ${reasons.join('; ')}`);
  }
}

const roleRow = z.object({
  role: z.string(),
  superuser: z.boolean(),
  bypass_rls: z.boolean(),
  owns_events: z.boolean(),
  may_change_events: z.boolean(),
});

export type ApplicationRole = { readonly role: string };

/**
 * Refuses to serve when a pool's sessions (`db`: the pool, or a transaction of the command pool) could bypass row-level security or rewrite history:
 * a superuser, a BYPASSRLS role, the events table's owner (owners are exempt from RLS) or a role
 * allowed to UPDATE or DELETE events would make ADR 0014 a comment rather than a guarantee.
 */
export async function assertApplicationRole(db: Queries): Promise<ApplicationRole> {
  const row = await db.one(sql.type(roleRow)`
    SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
           pg_has_role(current_user, c.relowner, 'USAGE') AS owns_events,
           has_table_privilege(current_user, c.oid, 'UPDATE') OR has_table_privilege(current_user, c.oid, 'DELETE')
             OR has_table_privilege(current_user, c.oid, 'TRUNCATE') AS may_change_events
    FROM pg_roles r, pg_class c
    WHERE r.rolname = current_user AND c.oid = 'public.events'::regclass`);
  const reasons = [
    ...(row.superuser ? ['it is a superuser'] : []),
    ...(row.bypass_rls ? ['it has BYPASSRLS'] : []),
    ...(row.owns_events ? ['it owns (or inherits the owner of) the events table'] : []),
    ...(row.may_change_events ? ['it may UPDATE, DELETE or TRUNCATE events'] : []),
  ];
  if (reasons.length > 0) throw new UnsafeDatabaseRoleError(row.role, reasons);
  return { role: row.role };
}
