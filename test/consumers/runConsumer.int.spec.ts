import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Consumer } from '../../src/consumers/consumer.js';
import { lockCheckpoint } from '../../src/consumers/consumerCheckpoint.js';
import { consumerLag } from '../../src/consumers/consumerLag.js';
import { catchUp, ConsumerBusyError, processNextBatch } from '../../src/consumers/processNextBatch.js';
import { runConsumer } from '../../src/consumers/runConsumer.js';
import { sql } from '../../src/db/sql.js';
import { withSystemTransaction, withTransaction } from '../../src/db/transaction.js';
import { appendToStream } from '../../src/ledger/testing/appendToStream.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { appendEvents, crashOnce, drain, eventually } from './logFixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 20 });
  // The consumers under test record what they see here; the primary key makes a double effect fail loudly.
  await db.asOwner(`CREATE TABLE test_seen (
    consumer text NOT NULL, event_id uuid NOT NULL, type text NOT NULL, seq bigserial,
    PRIMARY KEY (consumer, event_id))`);
  // Consumers run as the system role (ADR 0014); the test reads what they saw through the app's pool.
  await db.asOwner(`GRANT SELECT, INSERT ON test_seen TO ledger_system, ledger_app;
    GRANT USAGE ON SEQUENCE test_seen_seq_seq TO ledger_system`);
});
afterAll(async () => {
  await db.drop();
});

/** A consumer whose effect is one row per event, written in the batch's transaction. */
function recordingConsumer(name = `test-${randomUUID()}`): Consumer {
  return {
    name,
    async handle(tx, events) {
      for (const event of events) {
        await tx.query(sql.typeAlias('void')`
          INSERT INTO test_seen (consumer, event_id, type) VALUES (${name}, ${event.eventId}::uuid, ${event.type})`);
      }
    },
  };
}

async function seen(consumer: Consumer): Promise<string[]> {
  return [
    ...(await db.pool.anyFirst(sql.type(z.object({ type: z.string() }))`
      SELECT type FROM test_seen WHERE consumer = ${consumer.name} ORDER BY seq`)),
  ];
}

const onError = (error: unknown) => {
  throw error;
};

describe('consumers of the global log', () => {
  it('never skips an event whose transaction started earlier and commits later', async () => {
    const consumer = recordingConsumer();
    await drain(db.systemPool, consumer);
    const before = (await seen(consumer)).length;

    let release!: () => void;
    const mayCommit = new Promise<void>((resolve) => (release = resolve));
    let signalInserted!: () => void;
    const inserted = new Promise<void>((resolve) => (signalInserted = resolve));
    const early = withTransaction(
      db.pool,
      async (tx) => {
        await appendToStream(tx, {
          tenantId: 'tenant-a',
          streamId: `test-${randomUUID()}`,
          expectedVersion: 0,
          recordedAt: new Date().toISOString(),
          events: [{ type: 'Early', data: {} }],
        });
        signalInserted();
        await mayCommit;
      },
      { tenantId: 'tenant-a' },
    );
    await inserted;
    await appendEvents(db.pool, { events: [{ type: 'Late', data: {} }] });

    // The late event is committed, but taking it now would move the checkpoint past the early one.
    expect(await catchUp(db.systemPool, consumer)).toBe(0);
    expect((await seen(consumer)).slice(before)).toEqual([]);

    release();
    await early;
    expect(await drain(db.systemPool, consumer)).toBe(2);
    expect((await seen(consumer)).slice(before)).toEqual(['Early', 'Late']);
  });

  it('re-runs a batch that failed between its effects and its checkpoint, applying it once', async () => {
    const consumer = recordingConsumer();
    await drain(db.systemPool, consumer);
    await appendEvents(db.pool, {
      events: [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ],
    });
    // The process dies after the handler wrote its effects and before the checkpoint moved.
    const crashing: Consumer = {
      name: consumer.name,
      async handle(tx, events) {
        await consumer.handle(tx, events);
        throw new Error('killed before the checkpoint');
      },
    };
    await crashOnce(db.systemPool, crashing, 'killed before the checkpoint');
    expect(await seen(consumer)).not.toContain('A');
    const [lagAfterCrash] = await consumerLag(db.systemPool, [consumer.name]).then((all) => all.filter((c) => c.name === consumer.name));
    expect(lagAfterCrash?.lag).toBe(2);

    expect(await drain(db.systemPool, consumer)).toBe(2);
    expect(await catchUp(db.systemPool, consumer)).toBe(0);
    const types = await seen(consumer);
    expect(types.filter((t) => t === 'A')).toHaveLength(1);
    expect(types.filter((t) => t === 'B')).toHaveLength(1);
  });

  it('lets one instance of a consumer work at a time', async () => {
    const consumer = recordingConsumer();
    await drain(db.systemPool, consumer);
    await appendEvents(db.pool, { events: [{ type: 'A', data: {} }] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let signalLocked!: () => void;
    const locked = new Promise<void>((resolve) => (signalLocked = resolve));
    const other = withSystemTransaction(db.systemPool, async (tx) => {
      await lockCheckpoint(tx, consumer.name);
      signalLocked();
      await held;
    });
    await locked;
    expect(await processNextBatch(db.systemPool, consumer)).toEqual({ kind: 'busy' });
    await expect(catchUp(db.systemPool, consumer)).rejects.toBeInstanceOf(ConsumerBusyError);
    release();
    await other;
    expect(await drain(db.systemPool, consumer)).toBeGreaterThan(0);
  });

  it('continues from its checkpoint after a restart, without repeating or losing events', async () => {
    const consumer = recordingConsumer();
    await drain(db.systemPool, consumer);
    const start = (await seen(consumer)).length;
    const first = await runConsumer(db.systemPool, consumer, { pollIntervalMs: 50, batchSize: 3, onError });
    for (let i = 0; i < 5; i += 1) await appendEvents(db.pool, { events: [{ type: `First${i}`, data: {} }] });
    await eventually(async () => (await seen(consumer)).length === start + 5, 5_000, 'the first five events');
    await first.stop();

    for (let i = 0; i < 5; i += 1) await appendEvents(db.pool, { events: [{ type: `Second${i}`, data: {} }] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await seen(consumer)).length).toBe(start + 5);

    const second = await runConsumer(db.systemPool, consumer, { pollIntervalMs: 50, batchSize: 3, onError });
    await eventually(async () => (await seen(consumer)).length === start + 10, 5_000, 'the second five events');
    await second.stop();
    expect((await seen(consumer)).slice(start)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `First${i}`),
      ...Array.from({ length: 5 }, (_, i) => `Second${i}`),
    ]);
  });

  it('is woken by the commit notification without waiting for its poll', async () => {
    const consumer = recordingConsumer();
    await drain(db.systemPool, consumer);
    const running = await runConsumer(db.systemPool, consumer, { databaseUrl: db.logins.system, pollIntervalMs: 60_000, onError });
    try {
      // Let the first (immediate) batch finish so only a notification can wake the consumer.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await appendEvents(db.pool, { events: [{ type: 'Notified', data: {} }] });
      await eventually(async () => (await seen(consumer)).includes('Notified'), 3_000, 'the notified event');
    } finally {
      await running.stop();
    }
  });

  it('reports its lag in events', async () => {
    const consumer = recordingConsumer();
    const total = await db.systemPool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM events`);
    const [before] = (await consumerLag(db.systemPool, [consumer.name])).filter((c) => c.name === consumer.name);
    expect(before).toMatchObject({ name: consumer.name, lag: total, position: { transactionId: '0', globalPosition: 0 } });

    await drain(db.systemPool, consumer);
    await appendEvents(db.pool, {
      events: [
        { type: 'X', data: {} },
        { type: 'Y', data: {} },
        { type: 'Z', data: {} },
      ],
    });
    const [behind] = (await consumerLag(db.systemPool)).filter((c) => c.name === consumer.name);
    expect(behind?.lag).toBe(3);
    expect(behind?.position.globalPosition).toBeGreaterThan(0);

    await drain(db.systemPool, consumer);
    const [current] = (await consumerLag(db.systemPool)).filter((c) => c.name === consumer.name);
    expect(current?.lag).toBe(0);
  });
});
