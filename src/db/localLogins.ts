import pg from 'pg';
import type { DatabaseLogins } from './roles.js';

/**
 * The login roles of a cluster this process set up itself (the embedded cluster, the tests' one), by
 * name and password. Like the embedded owner's, the passwords are fixed: such a cluster listens on
 * loopback only and is a local store; what matters is that these logins hold no more than their role.
 */
const LOCAL_LOGINS = {
  app: { name: 'ledger_app_login', password: 'ledger-app-local', roles: ['ledger_app'] },
  // A tenant's `ledger verify` drops from the system role into the tenant's application role (ADR 0014).
  system: { name: 'ledger_system_login', password: 'ledger-system-local', roles: ['ledger_system', 'ledger_app'] },
} as const;

/** The connection strings of the local logins, on the same server and database as `ownerUrl`. */
export function localLoginsOf(ownerUrl: string): DatabaseLogins {
  const as = (login: { readonly name: string; readonly password: string }) => {
    const url = new URL(ownerUrl);
    url.username = login.name;
    url.password = login.password;
    return url.toString();
  };
  return { app: as(LOCAL_LOGINS.app), system: as(LOCAL_LOGINS.system) };
}

/**
 * Creates the local logins if missing and grants them their roles, as the owner (a superuser here)
 * after the migrations made the roles. NOSUPERUSER, NOBYPASSRLS, NOCREATEROLE, NOCREATEDB and
 * NOINHERIT: a session that drops its role (`RESET ROLE`, `SET ROLE NONE`) is left with no rights at
 * all. Roles are cluster-wide, and a CLI command may run this beside a starting server: a login
 * another process created a moment ago is fine.
 */
export async function provideLocalLogins(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (const login of Object.values(LOCAL_LOGINS)) {
      const name = pg.escapeLiteral(login.name);
      const grants = login.roles.map(
        (role) => `IF NOT pg_catalog.pg_has_role(${name}, ${pg.escapeLiteral(role)}, 'MEMBER') THEN
              BEGIN
                GRANT ${pg.escapeIdentifier(role)} TO ${pg.escapeIdentifier(login.name)};
              EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
              END;
            END IF;`,
      );
      await client.query(`DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${name}) THEN
            BEGIN
              CREATE ROLE ${pg.escapeIdentifier(login.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT
                PASSWORD ${pg.escapeLiteral(login.password)};
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
              NULL; -- another process created it a moment ago
            END;
          END IF;
          ${grants.join('\n          ')}
        END;
        $$`);
    }
  } finally {
    await client.end();
  }
}
