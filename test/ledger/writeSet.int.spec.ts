import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWriteSet } from '../../src/app/writeSet.js';
import { sendRefundJob } from '../../src/jobs/followUpJobs.js';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import { appendToStream } from '../../src/ledger/testing/appendToStream.js';
import { StreamVersionConflictError } from '../../src/ledger/errors.js';
import { findChainBreak } from '../../src/ledger/hashChain.js';
import { readStream } from '../../src/ledger/readStream.js';
import { EMPTY_STREAM_HEAD, headAfter, type StreamHead } from '../../src/ledger/streamHead.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queuedJobs } from '../support/jobs.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const TENANT = 'tenant-ws';
const metadata = { actor: 'test' };
const recordedAt = '2026-11-26T10:00:00.000Z';

/** One marker row per write, in a tenant table the application may write (webhook_inbox keyed by a fresh id), and one job. */
const markers = new Map<string, string>();
const markerOf = (label: string, stream: string) => {
  const key = `${label}-${stream}`;
  if (!markers.has(key)) markers.set(key, randomUUID());
  return markers.get(key) as string;
};

async function writeTwoStreams(a: string, aHead: StreamHead, b: string, bHead: StreamHead, label: string) {
  return withTransaction(
    db.pool,
    async (tx) => {
      const writes = createWriteSet();
      const headA = writes.append({
        tenantId: TENANT,
        streamId: a,
        head: aHead,
        events: [{ type: `${label}A`, data: {} }],
        recordedAt,
        metadata,
      });
      const headB = writes.append({
        tenantId: TENANT,
        streamId: b,
        head: bHead,
        events: [
          { type: `${label}B1`, data: { n: 1 } },
          { type: `${label}B2`, data: { n: 2 } },
        ],
        recordedAt,
        metadata,
      });
      writes.save(
        `marker:${label}`,
        sql.fragment`
      INSERT INTO webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
      VALUES ('stripe', ${markerOf(label, a)}, 'webhook', 'applied', ${TENANT}, '{}'::jsonb, ${recordedAt}::timestamptz)`,
      );
      writes.enqueue(sendRefundJob(TENANT, markerOf(label, a)));
      await writes.flush(tx);
      return { headA, headB };
    },
    { tenantId: TENANT },
  );
}

/** The payment ids of the refund jobs queued for these ids. */
async function refundJobsOf(paymentIds: string[]): Promise<string[]> {
  const jobs = await queuedJobs(db, 'sendRefund');
  return jobs
    .map((job) => String(job.payload.paymentId))
    .filter((id) => paymentIds.includes(id))
    .sort();
}

describe('write set', () => {
  it('writes several streams and other rows in one statement, each stream chained from the head it was given', async () => {
    const a = `ws-${randomUUID()}`;
    const b = `ws-${randomUUID()}`;
    const first = await writeTwoStreams(a, EMPTY_STREAM_HEAD, b, EMPTY_STREAM_HEAD, 'one');
    const second = await writeTwoStreams(a, first.headA, b, first.headB, 'two');
    const streamA = await readStream(db.systemPool, TENANT, a);
    const streamB = await readStream(db.systemPool, TENANT, b);
    expect(streamA.map((e) => e.type)).toEqual(['oneA', 'twoA']);
    expect(streamB.map((e) => e.type)).toEqual(['oneB1', 'oneB2', 'twoB1', 'twoB2']);
    expect(findChainBreak(streamA)).toBeNull();
    expect(findChainBreak(streamB)).toBeNull();
    expect(second.headA).toEqual(headAfter(streamA));
    expect(second.headB).toEqual(headAfter(streamB));
    const written = await db.systemPool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM webhook_inbox
      WHERE provider_event_id = ANY(${sql.array([markerOf('one', a), markerOf('two', a)], 'text')})`);
    expect(written).toBe(2);
    expect(await refundJobsOf([markerOf('one', a), markerOf('two', a)])).toEqual([markerOf('one', a), markerOf('two', a)].sort());
  });

  it('refuses a stale head with StreamVersionConflictError and writes nothing of the set', async () => {
    const a = `ws-${randomUUID()}`;
    const b = `ws-${randomUUID()}`;
    const first = await writeTwoStreams(a, EMPTY_STREAM_HEAD, b, EMPTY_STREAM_HEAD, 'one');
    // Another writer appends to b after our "read".
    await withTransaction(
      db.pool,
      (tx) =>
        appendToStream(tx, {
          tenantId: TENANT,
          streamId: b,
          expectedVersion: 2,
          expectedHash: first.headB.hash,
          recordedAt,
          events: [{ type: 'Other', data: {} }],
        }),
      { tenantId: TENANT },
    );
    const failure = await writeTwoStreams(a, first.headA, b, first.headB, 'stale').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamVersionConflictError);
    // Under row-level security PostgreSQL hides the colliding key, so the error names the candidates.
    expect((failure as StreamVersionConflictError).streamId).toContain(b);
    expect((await readStream(db.systemPool, TENANT, a)).map((e) => e.type)).toEqual(['oneA']);
    const marker = await db.systemPool.maybeOne(sql.type(z.object({ provider_event_id: z.string() }))`
      SELECT provider_event_id FROM webhook_inbox WHERE provider_event_id = ${markerOf('stale', a)}`);
    expect(marker).toBeNull();
    // The job of a set that did not commit does not exist.
    expect(await refundJobsOf([markerOf('stale', a)])).toEqual([]);
    expect(findChainBreak(await readStream(db.systemPool, TENANT, b))).toBeNull();
  });

  it('refuses to write one row twice or to append to one stream twice in a set (one snapshot per statement)', () => {
    const writes = createWriteSet();
    writes.save('row:1', sql.fragment`SELECT 1`);
    expect(() => writes.save('row:1', sql.fragment`SELECT 1`)).toThrow(/twice/);
    writes.append({ tenantId: TENANT, streamId: 's', head: EMPTY_STREAM_HEAD, events: [{ type: 'A', data: {} }], recordedAt, metadata });
    expect(() =>
      writes.append({ tenantId: TENANT, streamId: 's', head: EMPTY_STREAM_HEAD, events: [{ type: 'B', data: {} }], recordedAt, metadata }),
    ).toThrow(/twice/);
  });
});
