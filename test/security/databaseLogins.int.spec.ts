import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import type { DatabasePool } from '../../src/db/pool.js';
import type { Queries } from '../../src/db/queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Issue 13, finding 2: the server's sessions logged in as the cluster's superuser and only took
 * `ledger_app` as a startup option, so a session (an injected statement) could drop that role and
 * do anything. Each attack runs in a transaction, so a session setting it changes is rolled back
 * with it; on the old code every one of them went through.
 */
let db: TestDatabase;
let owner: string;

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  const { rows } = await db.asOwner<{ owner: string }>(
    `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.events'::regclass`,
  );
  owner = rows[0]!.owner;
});
afterAll(async () => {
  await db.drop();
});

/** What `SET ROLE` is asked for: no role at all (the login itself), or the events table's owner by name. */
const roleTarget = (role: 'NONE' | 'owner') => (role === 'NONE' ? sql.fragment`NONE` : sql.identifier([owner]));

/** The server's three kinds of session: requests (slonik and command pools) and system work. */
const poolOf = (name: 'pool' | 'systemPool'): DatabasePool => db[name];
const sessions: readonly (readonly [string, (work: (tx: Queries) => Promise<unknown>) => Promise<unknown>])[] = [
  ['the request pool', (work) => withTransaction(poolOf('pool'), work)],
  ['the command pool', (work) => db.commands.transaction(work)],
  ['the system pool', (work) => withTransaction(poolOf('systemPool'), work)],
];

describe.each(sessions)('a session of %s', (_name, inTransaction) => {
  it.each(['NONE', 'owner'] as const)('cannot SET ROLE %s and then switch off the event log’s append-only triggers', async (role) => {
    await expect(
      inTransaction(async (tx) => {
        await tx.query(sql.typeAlias('void')`SET ROLE ${roleTarget(role)}`);
        await tx.query(sql.typeAlias('void')`ALTER TABLE events DISABLE TRIGGER USER`);
      }),
    ).rejects.toThrow(/permission denied|must be owner/);
  });

  it('cannot RESET ROLE and then rewrite history', async () => {
    await expect(
      inTransaction(async (tx) => {
        await tx.query(sql.typeAlias('void')`RESET ROLE`);
        await tx.query(sql.typeAlias('void')`ALTER TABLE events DISABLE TRIGGER USER`);
        await tx.query(sql.typeAlias('void')`UPDATE events SET data = '{}'::jsonb`);
      }),
    ).rejects.toThrow(/permission denied|must be owner/);
  });

  it('cannot run a program on the database server (COPY … TO PROGRAM), with its role or without', async () => {
    await expect(inTransaction((tx) => tx.query(sql.typeAlias('void')`COPY (SELECT 1) TO PROGRAM 'true'`))).rejects.toThrow(
      /permission denied|must be superuser/,
    );
    await expect(
      inTransaction(async (tx) => {
        await tx.query(sql.typeAlias('void')`RESET ROLE`);
        await tx.query(sql.typeAlias('void')`COPY (SELECT 1) TO PROGRAM 'true'`);
      }),
    ).rejects.toThrow(/permission denied|must be superuser/);
  });

  it('cannot become another session user (SET SESSION AUTHORIZATION)', async () => {
    await expect(
      inTransaction((tx) => tx.query(sql.typeAlias('void')`SET SESSION AUTHORIZATION ${sql.identifier([owner])}`)),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('the request sessions', () => {
  it('cannot take the cross-tenant system role', async () => {
    await expect(withTransaction(db.pool, (tx) => tx.query(sql.typeAlias('void')`SET LOCAL ROLE ledger_system`))).rejects.toThrow(
      /permission denied to set role "ledger_system"/,
    );
    await expect(db.commands.transaction((tx) => tx.query(sql.typeAlias('void')`SET LOCAL ROLE ledger_system`))).rejects.toThrow(
      /permission denied to set role "ledger_system"/,
    );
  });
});
