import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForCommits } from '../../src/consumers/logListener.js';
import { withTransaction } from '../../src/db/transaction.js';
import { appendAndCommit } from '../../src/ledger/testing/appendAndCommit.js';
import { EventIdReusedError, StreamVersionConflictError } from '../../src/ledger/errors.js';
import { findChainBreak, GENESIS_HASH } from '../../src/ledger/hashChain.js';
import { readGlobalLog, START_OF_LOG } from '../../src/ledger/readGlobalLog.js';
import { readStream } from '../../src/ledger/readStream.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 20 });
});
afterAll(async () => {
  await db.drop();
});

const TENANT = 'tenant-a';
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, seconds)).toISOString();

function append(
  streamId: string,
  expectedVersion: number,
  types: string[],
  options: { eventIds?: string[]; expectedHash?: string; tenantId?: string } = {},
) {
  return appendAndCommit(
    { commands: db.commands, pool: db.pool },
    {
      tenantId: options.tenantId ?? TENANT,
      streamId,
      expectedVersion,
      ...(options.expectedHash === undefined ? {} : { expectedHash: options.expectedHash }),
      recordedAt: at(expectedVersion),
      events: types.map((type, i) => ({
        type,
        data: { n: i, nested: { b: 2, a: 1 } },
        metadata: { actor: 'test' },
        ...(options.eventIds?.[i] === undefined ? {} : { eventId: options.eventIds[i] }),
      })),
    },
  );
}

describe('appendAndCommit', () => {
  it('appends to a new stream, chained from the genesis hash, in the tenant it names', async () => {
    const stream = `test-${randomUUID()}`;
    expect(await append(stream, 0, ['A', 'B'])).toEqual({ nextVersion: 2, appended: true });
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events.map((e) => [e.version, e.type, e.tenantId])).toEqual([
      [1, 'A', TENANT],
      [2, 'B', TENANT],
    ]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[0]?.data).toEqual({ n: 0, nested: { a: 1, b: 2 } });
    expect(findChainBreak(events)).toBeNull();
    // Row-level security: another tenant's transaction sees none of it.
    const seenByOther = await withTransaction(db.pool, (tx) => readStream(tx, 'tenant-b', stream), { tenantId: 'tenant-b' });
    expect(seenByOther).toEqual([]);
  });

  it('chains onto a head it reads, and onto a head the caller gives', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A']);
    expect(await append(stream, 1, ['B', 'C'])).toEqual({ nextVersion: 3, appended: true });
    const [, , third] = await readStream(db.systemPool, TENANT, stream);
    expect(await append(stream, 3, ['D'], { expectedHash: third!.hash })).toEqual({ nextVersion: 4, appended: true });
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
    expect(findChainBreak(events)).toBeNull();
  });

  it('refuses a stale expected version, whether the head is read, known or a new stream’s', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A']);
    const [first] = await readStream(db.systemPool, TENANT, stream);
    await append(stream, 1, ['B'], { expectedHash: first!.hash });
    await expect(append(stream, 0, ['X'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    await expect(append(stream, 1, ['X'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    await expect(append(stream, 1, ['X'], { expectedHash: first!.hash })).rejects.toBeInstanceOf(StreamVersionConflictError);
    await expect(append(stream, 5, ['X'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events.map((e) => e.type)).toEqual(['A', 'B']);
    expect(findChainBreak(events)).toBeNull();
  });

  it('lets exactly one of many concurrent appends to a new stream win', async () => {
    const stream = `test-${randomUUID()}`;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => append(stream, 0, [`Writer${i}`])));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(StreamVersionConflictError);
    }
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events).toHaveLength(1);
    expect(findChainBreak(events)).toBeNull();
  });

  it('treats a retried append with the same event ids as a no-op, even after the stream moved on', async () => {
    const stream = `test-${randomUUID()}`;
    const ids = [randomUUID(), randomUUID()];
    expect(await append(stream, 0, ['A', 'B'], { eventIds: ids })).toEqual({ nextVersion: 2, appended: true });
    expect(await append(stream, 0, ['A', 'B'], { eventIds: ids })).toEqual({ nextVersion: 2, appended: false });
    // Concurrent retries: still no duplicate and no error.
    const retries = await Promise.all(Array.from({ length: 6 }, () => append(stream, 0, ['A', 'B'], { eventIds: ids })));
    expect(retries.every((r) => !r.appended && r.nextVersion === 2)).toBe(true);
    await append(stream, 2, ['C']);
    expect(await append(stream, 0, ['A', 'B'], { eventIds: ids })).toEqual({ nextVersion: 3, appended: false });
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events.map((e) => e.eventId)).toEqual([...ids, events[2]!.eventId]);
    expect(findChainBreak(events)).toBeNull();
  });

  it('refuses an event id already recorded for other events', async () => {
    const id = randomUUID();
    await append(`test-${randomUUID()}`, 0, ['A'], { eventIds: [id] });
    await expect(append(`test-${randomUUID()}`, 0, ['A'], { eventIds: [id] })).rejects.toBeInstanceOf(EventIdReusedError);
    const stream = `test-${randomUUID()}`;
    await expect(append(stream, 0, ['A', 'B'], { eventIds: [randomUUID(), id] })).rejects.toBeInstanceOf(EventIdReusedError);
    expect(await readStream(db.systemPool, TENANT, stream)).toEqual([]);
  });

  it('records the transaction id for the global log and wakes its listeners after the commit', async () => {
    let woken = 0;
    const listener = await listenForCommits(db.logins.system, {
      onCommit: () => (woken += 1),
      onError: (error) => {
        throw error;
      },
    });
    try {
      const stream = `test-${randomUUID()}`;
      await append(stream, 0, ['A']);
      const own = await db.asOwner<{ transaction_id: string }>(`SELECT transaction_id::text FROM events WHERE stream_id = $1`, [stream]);
      expect(Number(own.rows[0]?.transaction_id)).toBeGreaterThan(0);
      for (let attempt = 0; woken === 0 && attempt < 100; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(woken).toBeGreaterThan(0);
      let found = false;
      for (let attempt = 0; !found && attempt < 100; attempt++) {
        const log = await readGlobalLog(db.systemPool, START_OF_LOG, 10_000);
        found = log.some((event) => event.streamId === stream);
        if (!found) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(found).toBe(true);
    } finally {
      await listener.close();
    }
  });

  it('takes the checked path only after a conflict: a new stream, a given head and a read head append in one go', async () => {
    let checked = 0;
    // The checked path is `appendToStream` in a transaction on the slonik pool; the commit notice only queries it.
    const pool = new Proxy(db.pool, {
      get(target, property, receiver) {
        if (property === 'connect') checked += 1;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const appendTo = (streamId: string, expectedVersion: number, expectedHash?: string) =>
      appendAndCommit(
        { commands: db.commands, pool },
        {
          tenantId: TENANT,
          streamId,
          expectedVersion,
          ...(expectedHash === undefined ? {} : { expectedHash }),
          recordedAt: at(expectedVersion),
          events: [{ type: 'A', data: {}, eventId: randomUUID() }],
        },
      );
    const stream = `test-${randomUUID()}`;
    await appendTo(stream, 0);
    await appendTo(stream, 1);
    const [, second] = await readStream(db.systemPool, TENANT, stream);
    await appendTo(stream, 2, second!.hash);
    expect(checked).toBe(0);
    await expect(appendTo(stream, 1)).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect(checked).toBe(1);
    expect(findChainBreak(await readStream(db.systemPool, TENANT, stream))).toBeNull();
  });

  it('gives its connection back after every append that lost', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A']);
    // More losers than the pool has connections: one kept checked out would leave the last append waiting in vain.
    for (let i = 0; i < 25; i++) await expect(append(stream, 0, ['X'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect(await append(stream, 1, ['B'])).toEqual({ nextVersion: 2, appended: true });
  });
});
