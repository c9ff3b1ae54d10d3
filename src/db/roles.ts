/**
 * The database roles of migration 0020 (ADR 0014) and the logins that hold them (ADR 0034). The
 * pool's connections run as `APP_ROLE`, subject to row-level security on `app.tenant_id`;
 * `SYSTEM_ROLE` sees every tenant and is what system work (jobs, consumers, audits) runs as. Neither
 * is a login: the server logs in as a login role that holds only one of them and is neither a
 * superuser nor the schema owner, so no `SET ROLE` or `RESET ROLE` can give a session more.
 */
export const APP_ROLE = 'ledger_app';
export const SYSTEM_ROLE = 'ledger_system';

export type DatabaseRole = typeof APP_ROLE | typeof SYSTEM_ROLE;

/**
 * Where the server's two kinds of session log in: `app` holds `ledger_app` (requests), `system`
 * holds `ledger_system` (cross-tenant jobs, consumers, the job queue, audits). Connection strings.
 */
export type DatabaseLogins = { readonly app: string; readonly system: string };

/**
 * The connection string with a startup option that makes every session of it run as `role`
 * (`options=-c role=…`, which slonik and pg pass to the server): no extra statement per checkout,
 * and the login role itself, which holds nothing else, is never what a query runs as.
 * Options already in the URL are kept.
 */
export function connectionUrlAs(url: string, role: DatabaseRole): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${existing ? `${existing} ` : ''}-c role=${role}`);
  return parsed.toString();
}
