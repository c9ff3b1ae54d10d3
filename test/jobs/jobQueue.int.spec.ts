import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import { type FollowUpJob, jobsAsJson, sendRefundJob } from '../../src/jobs/followUpJobs.js';
import { type JobWorker, periodicJobKey, runDueJobs, startJobWorker } from '../../src/jobs/jobWorker.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { jobsSettled, queuedJobs } from '../support/jobs.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Enqueues as the application role does: through ledger_enqueue_jobs, in a tenant transaction. */
async function enqueue(jobs: FollowUpJob[], tenantId = 'tenant-jobs'): Promise<void> {
  await withTransaction(db.pool, (tx) => tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson(jobs)}::jsonb)`), {
    tenantId,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the job queue', () => {
  it('is reached by the application role only through ledger_enqueue_jobs, never its tables', async () => {
    const { rows } = await db.asOwner<{ tables: boolean; schema: boolean; enqueue: boolean }>(`
      SELECT bool_or(has_table_privilege('ledger_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS tables,
             has_schema_privilege('ledger_app', 'graphile_worker', 'USAGE') AS schema,
             has_function_privilege('ledger_app', 'ledger_enqueue_jobs(jsonb)', 'EXECUTE') AS enqueue
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'graphile_worker'`);
    expect(rows[0]).toEqual({ tables: false, schema: false, enqueue: true });
    await expect(
      withTransaction(db.pool, (tx) => tx.query(sql.typeAlias('void')`DELETE FROM graphile_worker._private_jobs`), { tenantId: 't' }),
    ).rejects.toThrow(/permission denied/);
  });

  it('runs each job once across three workers of one database', async () => {
    const seen: string[] = [];
    const handlers = {
      sendRefund: async ({ paymentId }: { paymentId: string }) => {
        await sleep(2);
        seen.push(paymentId);
      },
    };
    const workers: JobWorker[] = await Promise.all(
      [1, 2, 3].map(() => startJobWorker({ connectionString: db.logins.system, handlers, log: silent, concurrency: 3 })),
    );
    try {
      const ids = Array.from({ length: 60 }, () => randomUUID());
      for (let i = 0; i < ids.length; i += 10) await enqueue(ids.slice(i, i + 10).map((id) => sendRefundJob('tenant-jobs', id)));
      await jobsSettled(db);
      expect([...seen].sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });

  it('keeps one pending job per key: asking twice before it runs sends once', async () => {
    const paymentId = randomUUID();
    await enqueue([sendRefundJob('tenant-jobs', paymentId)]);
    await enqueue([sendRefundJob('tenant-jobs', paymentId)]);
    expect((await queuedJobs(db, 'sendRefund')).filter((job) => job.payload.paymentId === paymentId)).toHaveLength(1);
    const seen: string[] = [];
    await runDueJobs({
      connectionString: db.logins.system,
      handlers: { sendRefund: async (p) => void seen.push(p.paymentId) },
      log: silent,
    });
    expect(seen.filter((id) => id === paymentId)).toHaveLength(1);
  });

  it('retries a failed job later, with its error kept where an operator sees it, and refuses a payload that does not parse', async () => {
    const paymentId = randomUUID();
    await enqueue([sendRefundJob('tenant-jobs', paymentId)]);
    const errors: string[] = [];
    const log = { ...silent, error: (message: string) => void errors.push(message) };
    await runDueJobs({
      connectionString: db.logins.system,
      handlers: {
        sendRefund: async () => {
          throw new Error('provider answered 503');
        },
      },
      log,
    });
    const [failed] = (await queuedJobs(db, 'sendRefund')).filter((job) => job.payload.paymentId === paymentId);
    expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringContaining('provider answered 503') });
    // Exponential backoff: not due again at once.
    expect(failed!.runAt.getTime()).toBeGreaterThan(Date.now());
    expect(errors.join('\n')).toContain('provider answered 503');

    await db.asOwner(
      `SELECT graphile_worker.add_job('sendRefund', '{"tenantId":"t","paymentId":"not-a-uuid"}'::json, job_key => 'malformed')`,
    );
    await runDueJobs({ connectionString: db.logins.system, handlers: { sendRefund: async () => undefined }, log: silent });
    const [malformed] = (await queuedJobs(db, 'sendRefund')).filter((job) => job.key === 'malformed');
    expect(malformed).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/uuid/i) });
  });

  it('runs a periodic job once per period however many instances run, and queues it at start', async () => {
    const periodicDb = await createTestDatabase();
    const runs: number[] = [];
    const start = () =>
      startJobWorker({
        connectionString: periodicDb.url,
        handlers: { expireDueHolds: async () => void runs.push(Date.now()) },
        periodic: [{ task: 'expireDueHolds', everySeconds: 1 }],
        log: silent,
      });
    const workers = await Promise.all([start(), start(), start()]);
    try {
      await sleep(3_500);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
    // At start, then about every second (found by a one-second poll): about four runs in 3.5 s, not
    // twelve as three instances each running it would make.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(5);
    const pending = await queuedJobs(periodicDb, 'expireDueHolds');
    expect(pending.map((job) => job.key)).toEqual([periodicJobKey('expireDueHolds')]);
    await periodicDb.drop();
  });
});
