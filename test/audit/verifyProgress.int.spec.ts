import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VerifyProgress, verifyLedger } from '../../src/audit/verifyLedger.js';
import { appendEvents } from '../consumers/logFixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
});
afterAll(async () => {
  await db.drop();
});

describe('verifyLedger progress', () => {
  it('tells after each stream how many streams and events it has checked, ending at the report', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    for (const eventsInStream of [3, 1, 2]) {
      await appendEvents(db.pool, {
        tenantId,
        events: Array.from({ length: eventsInStream }, (_, i) => ({ type: `Step${i}`, data: { i } })),
      });
    }
    const seen: VerifyProgress[] = [];

    const report = await verifyLedger(db.systemPool, { onProgress: (progress) => seen.push(progress) });

    expect(report).toMatchObject({ ok: true, streams: 3, events: 6 });
    expect(seen.map((progress) => progress.streams)).toEqual([1, 2, 3]);
    expect(seen.map((progress) => progress.events).sort((a, b) => a - b)).toEqual(seen.map((progress) => progress.events));
    expect(seen.at(-1)).toEqual({ streams: 3, events: 6 });
  });
});
