import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MIRROR_CONSUMER, mirrorStreamName } from '../../src/mirror/mirroredEvent.js';
import { appendEvents, eventually } from '../consumers/logFixtures.js';
import { type EventStoreServer, startEventStoreServer } from '../support/eventStoreServer.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `name{labels} value` lines of the exposition, for the series asked about. */
async function scrape(ledger: TestLedger, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${ledger.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the mirror in the server', () => {
  let server: EventStoreServer;
  let ledger: TestLedger;

  const start = async () => {
    server = await startEventStoreServer();
    cleanups.push(() => server.stop());
    ledger = await startTestLedger({ eventStore: { connectionString: server.connectionString } });
    cleanups.push(() => ledger.close());
    const mirror = await ledger.composed.startMirror(ledger.db.logins.system);
    if (!mirror) throw new Error('the ledger started no mirror although EVENTSTORE_CONNECTION_STRING was given');
    cleanups.push(() => mirror.stop());
    return mirror;
  };

  it('shows its events, its lag and no halt in /metrics once it has caught up', async () => {
    await start();
    await appendEvents(ledger.db.pool, {
      events: [
        { type: 'SeatsHeld', data: {} },
        { type: 'Paid', data: {} },
      ],
    });
    await appendEvents(ledger.db.pool, { tenantId: 'tenant-b', events: [{ type: 'SeatsHeld', data: {} }] });
    // The lag is read from the database at most every 5 s (DATABASE_READ_TTL_MS): a scrape may show an older count.
    await eventually(
      async () => (await scrape(ledger, 'ledger_consumer_lag_events', `{consumer="${MIRROR_CONSUMER}"}`)) === 0,
      15_000,
      'no lag in /metrics',
    );

    expect(server.streams.size).toBe(2);
    expect(await scrape(ledger, 'ledger_mirror_events_total')).toBe(3);
    expect(await scrape(ledger, 'ledger_mirror_halted')).toBe(0);
  });

  it('shows ledger_mirror_halted 1 once it has stopped at a diverging stream', async () => {
    const mirror = await start();
    const stream = await appendEvents(ledger.db.pool, { events: [{ type: 'SeatsHeld', data: {} }] });
    await eventually(async () => server.streams.has(mirrorStreamName('tenant-a', stream)), 10_000, 'the first event mirrored');
    const client = EventStoreDBClient.connectionString(server.connectionString);
    cleanups.push(() => client.dispose());
    await client.appendToStream(mirrorStreamName('tenant-a', stream), jsonEvent({ type: 'Intruder', data: {} }));
    await appendEvents(ledger.db.pool, { streamId: stream, expectedVersion: 1, events: [{ type: 'Paid', data: {} }] });

    const halted = await mirror.ended;

    expect(halted?.stream).toBe(mirrorStreamName('tenant-a', stream));
    expect(await scrape(ledger, 'ledger_mirror_halted')).toBe(1);
  });

  it('is not started without a connection string', async () => {
    ledger = await startTestLedger();
    cleanups.push(() => ledger.close());

    expect(await ledger.composed.startMirror(ledger.db.logins.system)).toBeNull();
  });
});
