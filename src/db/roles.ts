/**
 * The database roles of migration 0020 (ADR 0014). The pool's connections run as `APP_ROLE`,
 * subject to row-level security on `app.tenant_id`; `SYSTEM_ROLE` sees every tenant and is taken
 * for one transaction at a time by system jobs (`withSystemTransaction`). The login role of the
 * connection string owns the schema and only runs migrations.
 */
export const APP_ROLE = 'ledger_app';
export const SYSTEM_ROLE = 'ledger_system';

export type DatabaseRole = typeof APP_ROLE | typeof SYSTEM_ROLE;

/**
 * The connection string with a startup option that makes every session of it run as `role`
 * (`options=-c role=…`, which slonik and pg pass to the server): no extra statement per checkout,
 * and a session is never seen in the owner's rights first. Options already in the URL are kept.
 */
export function connectionUrlAs(url: string, role: DatabaseRole): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${existing ? `${existing} ` : ''}-c role=${role}`);
  return parsed.toString();
}
