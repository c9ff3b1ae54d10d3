import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { BackendTerminatedError, BackendTerminatedUnexpectedlyError, type DatabasePool as SlonikPool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createDatabasePool, type DatabasePool } from '../../src/db/pool.js';
import { sql } from '../../src/db/sql.js';
import { TRANSACTION_ATTEMPTS, withTransaction } from '../../src/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
/** One connection: a transaction that left it broken or in a transaction would stall the next one. */
let single: DatabasePool;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 4 });
  await db.asOwner('CREATE TABLE tx_probe (id text PRIMARY KEY, n integer NOT NULL)');
  await db.asOwner('GRANT SELECT, INSERT, UPDATE ON tx_probe TO ledger_app');
  single = await createDatabasePool(db.logins.app, { maximumPoolSize: 1 });
});
afterAll(async () => {
  await single.end();
  await db.drop();
});

const countRow = z.object({ n: z.number() });
const insert = (id: string, n = 0) => sql.typeAlias('void')`INSERT INTO tx_probe (id, n) VALUES (${id}, ${n})`;
const valueOf = async (id: string) => (await db.asOwner<{ n: number }>('SELECT n FROM tx_probe WHERE id = $1', [id])).rows[0]?.n;
/** Fails the statement with a SQLSTATE of class 40, as a lost serialization conflict does. */
const serializationFailure = sql.typeAlias('void')`
  DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END $$`;

describe('withTransaction', () => {
  it('commits the work and returns its value', async () => {
    const id = randomUUID();
    const value = await withTransaction(single, async (tx) => {
      await tx.query(insert(id, 7));
      return 'done';
    });
    expect(value).toBe('done');
    expect(await valueOf(id)).toBe(7);
  });

  it('rolls back when the work fails, passes its error on, and leaves the connection usable', async () => {
    const id = randomUUID();
    const failure = new Error('the decider said no');
    await expect(
      withTransaction(single, async (tx) => {
        await tx.query(insert(id));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await valueOf(id)).toBeUndefined();
    // The single connection went back to the pool out of any transaction: this one commits on its own.
    await withTransaction(single, (tx) => tx.query(insert(id, 1)));
    expect(await valueOf(id)).toBe(1);
  });

  it('refuses to report a commit when a statement the work caught left the transaction aborted', async () => {
    const id = randomUUID();
    await expect(
      withTransaction(single, async (tx) => {
        await tx.query(insert(id));
        await tx.query(insert(id)).catch(() => undefined);
        return 'pretends to have worked';
      }),
    ).rejects.toThrow(/did not commit \(ROLLBACK\)/);
    expect(await valueOf(id)).toBeUndefined();
  });

  it('runs the whole transaction again after a serialization failure, and gives up after TRANSACTION_ATTEMPTS', async () => {
    const id = randomUUID();
    let attempts = 0;
    await withTransaction(single, async (tx) => {
      attempts++;
      await tx.query(insert(`${id}-${attempts}`));
      if (attempts === 1) await tx.query(serializationFailure);
    });
    expect(attempts).toBe(2);
    expect(await valueOf(`${id}-1`)).toBeUndefined();
    expect(await valueOf(`${id}-2`)).toBe(0);

    let hopeless = 0;
    await expect(
      withTransaction(single, async (tx) => {
        hopeless++;
        await tx.query(serializationFailure);
      }),
    ).rejects.toMatchObject({ code: '40001' });
    expect(hopeless).toBe(TRANSACTION_ATTEMPTS);
  });

  it('does not run again after an error that is not a conflict', async () => {
    let attempts = 0;
    await expect(
      withTransaction(single, async (tx) => {
        attempts++;
        await tx.query(sql.typeAlias('void')`SELECT 1 / 0`);
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(attempts).toBe(1);
  });

  it('resolves a real repeatable-read conflict between two transactions: both increments land', async () => {
    const id = randomUUID();
    await withTransaction(db.pool, (tx) => tx.query(insert(id)));
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => {
      let waiting = 2;
      bothRead = () => {
        waiting--;
        if (waiting === 0) resolve();
      };
    });
    let attempts = 0;
    const increment = () =>
      withTransaction(
        db.pool,
        async (tx) => {
          attempts++;
          const firstAttempt = attempts <= 2;
          const { n } = await tx.one(sql.type(countRow)`SELECT n FROM tx_probe WHERE id = ${id}`);
          // Both snapshots are taken before either writes: the second writer must lose.
          if (firstAttempt) {
            bothRead();
            await barrier;
          }
          await tx.query(sql.typeAlias('void')`UPDATE tx_probe SET n = ${n + 1} WHERE id = ${id}`);
        },
        { repeatableRead: true },
      );
    await Promise.all([increment(), increment()]);
    expect(await valueOf(id)).toBe(2);
    expect(attempts).toBe(3);
  });

  it('drops a connection that broke inside the work, passes the error on, and the pool goes on', async () => {
    // The application role may not end backends: the owner ends this transaction's own from outside.
    const pidRow = z.object({ pid: z.number() });
    const failure = await withTransaction(single, async (tx) => {
      const { pid } = await tx.one(sql.type(pidRow)`SELECT pg_backend_pid() AS pid`);
      await db.asOwner('SELECT pg_terminate_backend($1)', [pid]);
      await tx.query(insert(randomUUID()));
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    // Which of the two the driver reports depends on whether PostgreSQL's message or the closed socket arrives first.
    expect(failure instanceof BackendTerminatedError || failure instanceof BackendTerminatedUnexpectedlyError).toBe(true);
    const id = randomUUID();
    await withTransaction(single, (tx) => tx.query(insert(id, 3)));
    expect(await valueOf(id)).toBe(3);
  });

  it("never enters slonik's AsyncLocalStorage, which would switch on promise hooks for the whole process", async () => {
    // slonik keeps it in one module; the spy sees every transaction slonik itself begins.
    const require = createRequire(import.meta.url);
    const { transactionContext } = require('slonik/dist/contexts/transactionContext.js') as {
      transactionContext: { run: (...args: unknown[]) => unknown };
    };
    const run = vi.spyOn(transactionContext, 'run');
    try {
      const id = randomUUID();
      await withTransaction(db.pool, (tx) => tx.query(insert(id)), { tenantId: 'tenant-a' });
      await withTransaction(db.pool, async () => Promise.reject(new Error('rolled back'))).catch(() => undefined);
      await withTransaction(db.systemPool, async () => undefined, { system: true, repeatableRead: true });
      expect(run).not.toHaveBeenCalled();
      // The spy does see slonik's own transactions (which the pool's type no longer offers): this check can fail.
      await (db.pool as SlonikPool).transaction(async () => undefined);
      expect(run).toHaveBeenCalledTimes(1);
    } finally {
      run.mockRestore();
    }
  });
});
