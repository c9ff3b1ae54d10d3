import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import { appendToStream } from '../../src/ledger/testing/appendToStream.js';
import { EventIdReusedError, StreamVersionConflictError } from '../../src/ledger/errors.js';
import { findChainBreak, GENESIS_HASH } from '../../src/ledger/hashChain.js';
import { positionOf, readGlobalLog, START_OF_LOG } from '../../src/ledger/readGlobalLog.js';
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
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, seconds)).toISOString();

async function append(streamId: string, expectedVersion: number, types: string[], eventIds?: string[]) {
  return withTransaction(
    db.pool,
    (tx) =>
      appendToStream(tx, {
        tenantId: TENANT,
        streamId,
        expectedVersion,
        recordedAt: at(expectedVersion),
        events: types.map((type, i) => ({
          type,
          data: { n: i, nested: { b: 2, a: 1 } },
          metadata: { actor: 'test' },
          eventId: eventIds?.[i],
        })),
      }),
    { tenantId: TENANT },
  );
}

describe('event log', () => {
  it('appends in version order and chains every event to the one before', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A', 'B']);
    await append(stream, 2, ['C']);
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [1, 'A'],
      [2, 'B'],
      [3, 'C'],
    ]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[2]?.prevHash).toBe(events[1]?.hash);
    expect(events[0]?.data).toEqual({ n: 0, nested: { a: 1, b: 2 } });
    expect(findChainBreak(events)).toBeNull();
  });

  it('refuses an append at a stale expected version', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A']);
    await expect(append(stream, 0, ['B'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    await expect(append(stream, 5, ['B'])).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect((await readStream(db.systemPool, TENANT, stream)).map((e) => e.type)).toEqual(['A']);
  });

  it('lets exactly one of many concurrent appends at the same version win', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['Opened']);
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => append(stream, 1, [`Writer${i}`])));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const r of lost) expect(r.reason).toBeInstanceOf(StreamVersionConflictError);
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(events).toHaveLength(2);
    expect(findChainBreak(events)).toBeNull();
  });

  it('treats a repeated event id as a no-op, and refuses an id reused for another stream', async () => {
    const stream = `test-${randomUUID()}`;
    const ids = [randomUUID(), randomUUID()];
    const first = await append(stream, 0, ['A', 'B'], ids);
    const retry = await append(stream, 0, ['A', 'B'], ids);
    expect(first).toEqual({ nextVersion: 2, appended: true });
    expect(retry).toEqual({ nextVersion: 2, appended: false });
    expect(await readStream(db.systemPool, TENANT, stream)).toHaveLength(2);
    await expect(append(`test-${randomUUID()}`, 0, ['A'], [ids[0]!])).rejects.toBeInstanceOf(EventIdReusedError);
  });

  it('cannot be updated, deleted or truncated, even by the table owner', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A']);
    await expect(db.asOwner(`UPDATE events SET data = '{"n":99}' WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only/);
    await expect(db.asOwner(`DELETE FROM events WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only/);
    await expect(db.asOwner(`TRUNCATE events`)).rejects.toThrow(/append-only/);
    // The application's role has no UPDATE or DELETE privilege on the log at all (migration 0020).
    await expect(
      withTransaction(db.pool, (tx) => tx.query(sql.typeAlias('void')`UPDATE events SET type = 'X' WHERE stream_id = ${stream}`), {
        tenantId: TENANT,
      }),
    ).rejects.toThrow(/permission denied/);
    expect((await readStream(db.systemPool, TENANT, stream))[0]?.data).toEqual({ n: 0, nested: { a: 1, b: 2 } });
  });

  it('detects an altered event by its hash, naming the stream and version', async () => {
    const stream = `test-${randomUUID()}`;
    await append(stream, 0, ['A', 'B', 'C']);
    // Tampering needs the owner to switch the guard off first: exactly what an attacker with owner rights would do.
    await db.asOwner(`
      BEGIN;
      ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;
      UPDATE events SET data = '{"n": 1, "nested": {"a": 1, "b": 3}}' WHERE stream_id = '${stream}' AND stream_version = 2;
      ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;
      COMMIT;`);
    const events = await readStream(db.systemPool, TENANT, stream);
    expect(findChainBreak(events)).toEqual({ streamId: stream, version: 2, reason: 'hash_mismatch' });
  });

  it('never skips an event committed by a transaction that started earlier and finished later', async () => {
    const streamEarly = `test-${randomUUID()}`;
    const streamLate = `test-${randomUUID()}`;
    // Move the reader past everything committed so far.
    let position = START_OF_LOG;
    for (;;) {
      const batch = await readGlobalLog(db.systemPool, position, 1000);
      if (batch.length === 0) break;
      position = positionOf(batch[batch.length - 1]!);
    }

    let releaseEarly!: () => void;
    const earlyMayCommit = new Promise<void>((resolve) => (releaseEarly = resolve));
    let signalInserted!: () => void;
    const earlyInserted = new Promise<void>((resolve) => (signalInserted = resolve));
    const early = withTransaction(
      db.pool,
      async (tx) => {
        await appendToStream(tx, {
          tenantId: TENANT,
          streamId: streamEarly,
          expectedVersion: 0,
          recordedAt: at(0),
          events: [{ type: 'Early', data: {} }],
        });
        signalInserted();
        await earlyMayCommit;
      },
      { tenantId: TENANT },
    );
    await earlyInserted;
    await append(streamLate, 0, ['Late']);

    const whileEarlyRuns = await readGlobalLog(db.systemPool, position, 1000);
    expect(whileEarlyRuns.map((e) => e.type)).not.toContain('Late');
    expect(whileEarlyRuns.map((e) => e.type)).not.toContain('Early');

    releaseEarly();
    await early;
    // The snapshot horizon is cluster-wide: other test files' open transactions may hold it back a moment.
    // Earlier tests' events may also have been held back by then; only this test's two streams matter.
    const ours = async () =>
      (await readGlobalLog(db.systemPool, position, 1000)).filter((e) => e.streamId === streamEarly || e.streamId === streamLate);
    let afterCommit = await ours();
    for (let attempt = 0; afterCommit.length < 2 && attempt < 100; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      afterCommit = await ours();
    }
    const types = afterCommit.map((e) => e.type);
    expect(types).toEqual(['Early', 'Late']);
    // The late event was committed first but is delivered after the early one: commit-safe order.
    expect(afterCommit[0]!.globalPosition).toBeLessThan(afterCommit[1]!.globalPosition);
  });
});
