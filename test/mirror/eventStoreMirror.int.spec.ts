import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/consumers/consumer.js';
import { consumerLag } from '../../src/consumers/consumerLag.js';
import { MirrorDivergenceError } from '../../src/mirror/errors.js';
import { eventStoreMirror } from '../../src/mirror/eventStoreMirror.js';
import { MIRROR_CONSUMER, mirrorStreamName } from '../../src/mirror/mirroredEvent.js';
import { runMirror } from '../../src/mirror/runMirror.js';
import { appendEvents, crashOnce, drain, eventually } from '../consumers/logFixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type EventStoreServer, startEventStoreServer } from '../support/eventStoreServer.js';
import { actualMirror, expectedMirror } from './mirrorFixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh ledger database, a loopback EventStoreDB and the real client connected to it. */
async function setUp(
  serverOptions: Parameters<typeof startEventStoreServer>[0] = {},
): Promise<{ db: TestDatabase; server: EventStoreServer; client: EventStoreDBClient }> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const server = await startEventStoreServer(serverOptions);
  cleanups.push(() => server.stop());
  const client = EventStoreDBClient.connectionString(server.connectionString);
  cleanups.push(() => client.dispose());
  return { db, server, client };
}

const text = fc.string({ unit: fc.constantFrom('a', 'Z', '7', ' ', 'é', '😀', '"', '\\', '\n'), maxLength: 12 });
const eventData = fc.record({ amount: fc.integer(), note: text, tags: fc.array(text, { maxLength: 3 }), paid: fc.boolean() });
/** One command's worth of events on one of a few streams of two tenants; `mirrorNow` runs the mirror after it. */
const workloadStep = fc.record({
  tenant: fc.constantFrom('tenant-a', 'tenant-b'),
  stream: fc.integer({ min: 0, max: 4 }),
  events: fc.array(fc.record({ type: fc.constantFrom('SeatsHeld', 'PaymentStarted', 'Paid'), data: eventData }), {
    minLength: 1,
    maxLength: 4,
  }),
  mirrorNow: fc.boolean(),
});

type WorkloadStep = typeof workloadStep extends fc.Arbitrary<infer Step> ? Step : never;

/** Appends the workload, running the mirror where a step says so; returns the workload's stream ids. */
async function applyWorkload(db: TestDatabase, mirror: Consumer, steps: readonly WorkloadStep[]) {
  const run = randomUUID().slice(0, 8);
  const versions = new Map<string, number>();
  for (const step of steps) {
    const streamId = `reservation-${run}-${step.stream}`;
    const key = `${step.tenant}/${streamId}`;
    const expectedVersion = versions.get(key) ?? 0;
    await appendEvents(db.pool, { tenantId: step.tenant, streamId, expectedVersion, events: step.events });
    versions.set(key, expectedVersion + step.events.length);
    if (step.mirrorNow) await drain(db.systemPool, mirror);
  }
}

describe('the EventStoreDB mirror', () => {
  it('mirrors a random workload exactly: same streams, ids, revisions, types, data and metadata', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(workloadStep, { minLength: 1, maxLength: 25 }), async (steps) => {
        const { db, server, client } = await setUp();
        const mirror = eventStoreMirror(client);
        await applyWorkload(db, mirror, steps);
        await drain(db.systemPool, mirror);

        expect(actualMirror(server)).toEqual(await expectedMirror(db.systemPool));
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      }),
      { numRuns: 4 },
    );
  });

  it('mirrors only the tenants it is given, and moves its checkpoint past the others', async () => {
    const { db, server, client } = await setUp();
    const mirror = eventStoreMirror(client, { tenants: ['tenant-b'] });
    await appendEvents(db.pool, { tenantId: 'tenant-a', streamId: 'slot-kayak', events: [{ type: 'SlotDefined', data: { capacity: 4 } }] });
    await appendEvents(db.pool, { tenantId: 'tenant-b', streamId: 'slot-kayak', events: [{ type: 'SlotDefined', data: { capacity: 9 } }] });
    await drain(db.systemPool, mirror);

    expect([...server.streams.keys()]).toEqual([mirrorStreamName('tenant-b', 'slot-kayak')]);
    expect(actualMirror(server)).toEqual(await expectedMirror(db.systemPool, ['tenant-b']));
  });

  it('repeats a batch whose checkpoint was lost after its appends without writing an event twice', async () => {
    const { db, server, client } = await setUp();
    const mirror = eventStoreMirror(client);
    const stream = await appendEvents(db.pool, {
      events: [
        { type: 'SeatsHeld', data: { seats: 2 } },
        { type: 'PaymentStarted', data: {} },
      ],
    });
    await appendEvents(db.pool, { tenantId: 'tenant-b', events: [{ type: 'SeatsHeld', data: { seats: 1 } }] });
    const crashing: Consumer = {
      name: mirror.name,
      async handle(tx, events) {
        await mirror.handle(tx, events);
        throw new Error('crash between append and checkpoint');
      },
    };
    await crashOnce(db.systemPool, crashing, 'crash between append and checkpoint');
    const appendsBeforeRepeat = server.appendRequests();
    // The same stream grows before the repeat: the repeated batch holds events the mirror has and one it lacks.
    await appendEvents(db.pool, { streamId: stream, expectedVersion: 2, events: [{ type: 'Paid', data: { amount: 9000 } }] });
    await drain(db.systemPool, mirror);

    expect(server.appendRequests()).toBeGreaterThan(appendsBeforeRepeat);
    expect(actualMirror(server)).toEqual(await expectedMirror(db.systemPool));
    expect(server.streams.get(mirrorStreamName('tenant-a', stream))?.map((event) => event.type)).toEqual([
      'SeatsHeld',
      'PaymentStarted',
      'Paid',
    ]);
  });

  it('mirrors through Append, repeats and divergences included, when the server offers no batch append', async () => {
    const { db, server, client } = await setUp({ batchAppend: false });
    const mirror = eventStoreMirror(client);
    const stream = await appendEvents(db.pool, { events: [{ type: 'SeatsHeld', data: { seats: 2 } }] });
    const crashing: Consumer = {
      name: mirror.name,
      async handle(tx, events) {
        await mirror.handle(tx, events);
        throw new Error('crash between append and checkpoint');
      },
    };
    await crashOnce(db.systemPool, crashing, 'crash between append and checkpoint');
    await appendEvents(db.pool, { streamId: stream, expectedVersion: 1, events: [{ type: 'Paid', data: { amount: 9000 } }] });
    await drain(db.systemPool, mirror);
    expect(actualMirror(server)).toEqual(await expectedMirror(db.systemPool));

    await client.appendToStream(mirrorStreamName('tenant-a', stream), jsonEvent({ type: 'Intruder', data: {} }), { expectedRevision: 1n });
    await appendEvents(db.pool, { streamId: stream, expectedVersion: 2, events: [{ type: 'Refunded', data: {} }] });
    await expect(drain(db.systemPool, mirror)).rejects.toThrow(MirrorDivergenceError);
  });

  it('stops at a stream whose mirror holds another event, names it, and keeps its checkpoint before it', async () => {
    const { db, client } = await setUp();
    const mirror = eventStoreMirror(client);
    const stream = await appendEvents(db.pool, { events: [{ type: 'SeatsHeld', data: { seats: 2 } }] });
    await drain(db.systemPool, mirror);
    // Someone else writes revision 1 of the mirrored stream, through the real client.
    await client.appendToStream(mirrorStreamName('tenant-a', stream), jsonEvent({ type: 'Intruder', data: { seats: 99 } }), {
      expectedRevision: 0n,
    });
    await appendEvents(db.pool, { streamId: stream, expectedVersion: 1, events: [{ type: 'HoldCancelled', data: {} }] });

    const halts: MirrorDivergenceError[] = [];
    const running = await runMirror(db.systemPool, mirror, {
      pollIntervalMs: 20,
      onRetry: (error) => {
        throw error;
      },
      onListenerError: (error) => {
        throw error;
      },
      onHalted: (error) => halts.push(error),
    });
    cleanups.push(() => running.stop());
    const halted = await running.ended;

    expect(halted).toBeInstanceOf(MirrorDivergenceError);
    expect(halted).toMatchObject({ stream: mirrorStreamName('tenant-a', stream), revision: 1n });
    expect(halted?.message).toMatch(/^the mirror's stream .+ diverges from the ledger at revision 1: event id .+ instead of /);
    expect(halts).toEqual([halted]);
    const lag = (await consumerLag(db.systemPool, [MIRROR_CONSUMER])).find((consumer) => consumer.name === MIRROR_CONSUMER);
    expect(lag?.lag).toBe(1);
  });

  it('detects an event with the ledger id whose data differs in the mirror', async () => {
    const { db, server, client } = await setUp();
    const mirror = eventStoreMirror(client);
    const stream = await appendEvents(db.pool, { events: [{ type: 'SeatsHeld', data: { seats: 2 } }] });
    await drain(db.systemPool, mirror);
    const stored = server.streams.get(mirrorStreamName('tenant-a', stream));
    const first = stored?.[0];
    if (!stored || !first) throw new Error('the stream was not mirrored');
    stored[0] = { ...first, data: Buffer.from(JSON.stringify({ seats: 3 })) };
    // The checkpoint is lost: the next run meets the stream at its old expected revision and reads what is there.
    await db.asOwner(`UPDATE consumer_checkpoints SET transaction_id = '0', global_position = 0 WHERE name = $1`, [MIRROR_CONSUMER]);

    await expect(drain(db.systemPool, mirror)).rejects.toThrow(
      new MirrorDivergenceError(mirrorStreamName('tenant-a', stream), 0n, 'different data'),
    );
  });

  it('waits out a server that is down, with backoff, and catches up once it is back', async () => {
    const { db, server, client } = await setUp();
    const mirror = eventStoreMirror(client);
    await appendEvents(db.pool, { events: [{ type: 'SeatsHeld', data: { seats: 1 } }] });
    await server.stop();
    const retries: number[] = [];
    const running = await runMirror(db.systemPool, mirror, {
      databaseUrl: db.logins.system,
      pollIntervalMs: 50,
      backoff: { firstDelayMs: 20, maxDelayMs: 200 },
      onRetry: (_error, attempt) => retries.push(attempt),
      onListenerError: (error) => {
        throw error;
      },
      onHalted: (error) => {
        throw error;
      },
    });
    cleanups.push(() => running.stop());
    await eventually(async () => retries.length >= 3, 10_000, 'three failed tries while the server is down');
    for (let index = 0; index < 5; index += 1) {
      await appendEvents(db.pool, { tenantId: 'tenant-b', events: [{ type: 'SeatsHeld', data: { seats: index } }] });
    }
    expect(server.streams.size).toBe(0);
    expect(retries.slice(0, 3)).toEqual([1, 2, 3]);

    await server.start();
    const expected = await expectedMirror(db.systemPool);
    await eventually(async () => actualMirror(server).size === expected.size, 20_000, 'the mirror to catch up');
    expect(actualMirror(server)).toEqual(expected);
  });
});
