import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  COMMAND_CLIENT_TIMEOUT_MS,
  COMMAND_STATEMENT_TIMEOUT_MS,
  type CommandPool,
  type CommandTransaction,
  createCommandPool,
} from '../../src/db/commandPool.js';
import { sql } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The command pool (ADR 0018) against real PostgreSQL: BEGIN travels with the first statement and
 * COMMIT with the last, yet a transaction is still all or nothing, its row locks still serialize
 * concurrent commands, and its sessions are the application role's, under row-level security.
 */

let db: TestDatabase;
/** One connection: a transaction that left it in a bad state would break the next test. */
let single: CommandPool;

const counterRow = z.object({ id: z.number(), n: z.number() });
const countRow = z.object({ count: z.number() });

beforeAll(async () => {
  db = await createTestDatabase();
  single = createCommandPool(db.logins.app, { maximumPoolSize: 1 });
  await db.asOwner(`
    CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL CHECK (n >= 0));
    GRANT SELECT, INSERT, UPDATE ON counters TO ledger_app;
    INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)`);
});

afterAll(async () => {
  await single.end();
  await db.drop();
});

const valueOf = async (id: number) => Number((await db.asOwner<{ n: number }>('SELECT n FROM counters WHERE id = $1', [id])).rows[0]?.n);

/**
 * Runs a transaction that adds to counter 2 and then fails in `fail`; checks the failure with
 * `rejected` and that counter 2 is as before. Returns that value.
 */
async function expectRolledBack(
  fail: (tx: CommandTransaction) => Promise<unknown>,
  rejected: (failed: ReturnType<typeof expect<Promise<unknown>>>) => Promise<void>,
): Promise<number> {
  const before = await valueOf(2);
  await rejected(
    expect(
      single.transaction(async (tx) => {
        await tx.query(sql.typeAlias('void')`UPDATE counters SET n = n + 5 WHERE id = 2`);
        await fail(tx);
      }),
    ),
  );
  expect(await valueOf(2)).toBe(before);
  return before;
}

describe('command transactions', () => {
  it('commits the first statement and the last together, and parses rows with their schema', async () => {
    const before = await valueOf(1);
    const locked = await single.transaction(async (tx) => {
      const row = await tx.one(sql.type(counterRow)`SELECT id, n FROM counters WHERE id = 1 FOR UPDATE`);
      await tx.commitWith(sql.typeAlias('void')`UPDATE counters SET n = ${row.n + 1} WHERE id = 1`);
      return row;
    });
    expect(locked).toEqual({ id: 1, n: before });
    expect(await valueOf(1)).toBe(before + 1);
  });

  it('rolls the whole transaction back when the statement sent with COMMIT fails', async () => {
    const before = await expectRolledBack(
      (tx) => tx.commitWith(sql.typeAlias('void')`INSERT INTO counters (id, n) VALUES (1, 0)`),
      (failed) => failed.rejects.toBeInstanceOf(UniqueIntegrityConstraintViolationError),
    );
    // The connection is clean again: the next transaction on it works.
    await single.transaction((tx) => tx.commitWith(sql.typeAlias('void')`UPDATE counters SET n = n + 1 WHERE id = 2`));
    expect(await valueOf(2)).toBe(before + 1);
  });

  it('rolls back when the work throws after its first statement', async () => {
    await expectRolledBack(
      async () => {
        throw new Error('refused');
      },
      (failed) => failed.rejects.toThrow('refused'),
    );
  });

  it('rolls back when the first statement fails, and reports it', async () => {
    await expect(single.transaction((tx) => tx.query(sql.typeAlias('void')`UPDATE counters SET n = -1 WHERE id = 2`))).rejects.toThrow(
      /check constraint/,
    );
    expect(await valueOf(2)).toBeGreaterThanOrEqual(0);
  });

  it('commits work that never called commitWith, and refuses statements after the commit', async () => {
    const before = await valueOf(1);
    await single.transaction(async (tx) => {
      await tx.query(sql.typeAlias('void')`UPDATE counters SET n = n + 1 WHERE id = 1`);
    });
    expect(await valueOf(1)).toBe(before + 1);
    await expect(
      single.transaction(async (tx) => {
        await tx.commitWith(sql.typeAlias('void')`UPDATE counters SET n = n + 1 WHERE id = 1`);
        await tx.query(sql.typeAlias('void')`UPDATE counters SET n = n + 100 WHERE id = 1`);
      }),
    ).rejects.toThrow('this transaction is over');
    expect(await valueOf(1)).toBe(before + 2);
  });

  it('survives a connection that ends mid-transaction: the command fails, the process and the pool go on', async () => {
    const pidRow = z.object({ pid: z.number() });
    await expect(
      single.transaction(async (tx) => {
        const { pid } = await tx.one(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`);
        await db.asOwner('SELECT pg_terminate_backend($1)', [pid]);
        await tx.commitWith(sql.typeAlias('void')`UPDATE counters SET n = n + 1000 WHERE id = 2`);
      }),
    ).rejects.toThrow();
    expect(await valueOf(2)).toBeLessThan(1000);
    // The dead connection was not given back: the next transaction gets a new one.
    await expect(single.transaction((tx) => tx.one(sql.type(countRow)`SELECT 1::int AS count`))).resolves.toEqual({ count: 1 });
  });

  it('reports the first failure of statements sent together, and the connection is clean after it', async () => {
    const before = await valueOf(1);
    await expect(
      single.transaction(async (tx) => {
        await Promise.all([
          tx.query(sql.typeAlias('void')`UPDATE counters SET n = -5 WHERE id = 1`),
          tx.query(sql.typeAlias('void')`UPDATE counters SET n = n + 1 WHERE id = 2`),
          tx.one(sql.type(counterRow)`SELECT id, n FROM counters WHERE id = 1`),
        ]);
      }),
    ).rejects.toThrow(/check constraint/);
    expect(await valueOf(1)).toBe(before);
    await expect(single.transaction((tx) => tx.exists(sql.typeAlias('void')`SELECT FROM counters WHERE id = 1`))).resolves.toBe(true);
    await expect(single.transaction((tx) => tx.exists(sql.typeAlias('void')`SELECT FROM counters WHERE id = 99`))).resolves.toBe(false);
  });

  it('fails a row that does not match its schema', async () => {
    await expect(single.transaction((tx) => tx.one(sql.type(counterRow)`SELECT 'x' AS id, 1 AS n`))).rejects.toThrow(/schema/);
  });

  it('holds a row lock from the first statement to the commit: concurrent read-modify-writes serialize', async () => {
    const pool = createCommandPool(db.logins.app, { maximumPoolSize: 20 });
    try {
      const before = await valueOf(1);
      // Each reads the value under the lock, then writes value + 1: any race would lose increments.
      await Promise.all(
        Array.from({ length: 40 }, () =>
          pool.transaction(async (tx) => {
            const row = await tx.one(sql.type(counterRow)`SELECT id, n FROM counters WHERE id = 1 FOR UPDATE`);
            await new Promise((resolve) => setTimeout(resolve, 1));
            await tx.commitWith(sql.typeAlias('void')`UPDATE counters SET n = ${row.n + 1} WHERE id = 1`);
          }),
        ),
      );
      expect(await valueOf(1)).toBe(before + 40);
    } finally {
      await pool.end();
    }
  });

  it('runs as the application role, which sees no tenant row until the transaction names a tenant', async () => {
    await db.asOwner(`
      INSERT INTO users (tenant_id, sub, first_seen, last_seen) VALUES ('cmd-tenant', 'cmd-user', now(), now())
      ON CONFLICT DO NOTHING`);
    const seen = await single.transaction(async (tx) => {
      const role = await tx.one(sql.type(z.object({ role: z.string() }))`SELECT current_user AS role`);
      const without = await tx.one(sql.type(countRow)`SELECT count(*)::int AS count FROM users`);
      await tx.query(sql.typeAlias('void')`SELECT FROM set_config('app.tenant_id', 'cmd-tenant', true)`);
      const within = await tx.one(sql.type(countRow)`SELECT count(*)::int AS count FROM users`);
      return { role: role.role, without: without.count, within: within.count };
    });
    expect(seen).toEqual({ role: 'ledger_app', without: 0, within: 1 });
  });

  it('has the server give up on a statement before the client does (ADR 0032), and on an idle transaction after a minute', async () => {
    const settings = await single.transaction((tx) =>
      tx.one(sql.type(z.object({ statement: z.string(), idle: z.string() }))`
        SELECT current_setting('statement_timeout') AS statement,
          current_setting('idle_in_transaction_session_timeout') AS idle`),
    );
    expect(settings).toEqual({ statement: `${COMMAND_STATEMENT_TIMEOUT_MS / 1000}s`, idle: '1min' });
    expect(COMMAND_STATEMENT_TIMEOUT_MS).toBeLessThan(COMMAND_CLIENT_TIMEOUT_MS);
  });

  it('prepares a repeated statement once per connection', async () => {
    const statement = () => sql.type(countRow)`SELECT count(*)::int AS count FROM pg_prepared_statements WHERE name LIKE 'ledger_%'`;
    const first = await single.transaction((tx) => tx.one(statement()));
    const again = await single.transaction((tx) => tx.one(statement()));
    const third = await single.transaction((tx) => tx.one(statement()));
    // The statement is parsed (and named) before it runs, so it counts itself the first time too.
    expect(first.count).toBeGreaterThanOrEqual(1);
    expect([again.count, third.count]).toEqual([first.count, first.count]);
  });
});

describe('a statement as a transaction of its own (runAlone)', () => {
  it('commits the statement when it has run and returns its rows', async () => {
    const before = await valueOf(1);
    const result = await single.runAlone(sql.type(z.object({ n: z.number() }))`UPDATE counters SET n = n + 1 WHERE id = 1 RETURNING n`);
    expect(result).toMatchObject({ command: 'UPDATE', rowCount: 1, rows: [{ n: before + 1 }] });
    // Committed when it returns: another session sees the write.
    expect(await valueOf(1)).toBe(before + 1);
  });

  it('writes nothing when the statement fails, reports the error as transactions do, and the connection goes on', async () => {
    const before = await valueOf(2);
    await expect(
      single.runAlone(
        sql.typeAlias('void')`WITH added AS (UPDATE counters SET n = n + 7 WHERE id = 2) INSERT INTO counters (id, n) VALUES (1, 0)`,
      ),
    ).rejects.toBeInstanceOf(UniqueIntegrityConstraintViolationError);
    expect(await valueOf(2)).toBe(before);
    await single.runAlone(sql.typeAlias('void')`UPDATE counters SET n = n + 1 WHERE id = 2`);
    expect(await valueOf(2)).toBe(before + 1);
  });

  it('survives a connection that ends while its statement runs: the statement fails, the pool goes on', async () => {
    const running = single.runAlone(
      sql.typeAlias('void')`SELECT FROM pg_sleep(30), set_config('application_name', 'run-alone-sleeper', false)`,
    );
    const outcome = running.then(
      () => 'completed',
      (error: unknown) => error,
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await db.asOwner<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE query LIKE '%run-alone-sleeper%' AND pid <> pg_backend_pid()`,
      );
      if (rows[0]?.n === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await outcome).toBeInstanceOf(Error);
    // The dead connection was not given back (the pool has one): the next statement gets a new one.
    await expect(single.runAlone(sql.type(countRow)`SELECT 1::int AS count`)).resolves.toMatchObject({ rows: [{ count: 1 }] });
  });
});
