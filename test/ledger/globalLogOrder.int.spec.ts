import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { type LogPosition, readGlobalLog, START_OF_LOG } from '../../src/ledger/readGlobalLog.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/**
 * Events of transactions whose ids have different numbers of digits: xids grow past 999, 9,999,
 * 99,999… in every long-lived cluster, and a reader that sorted them as text would hand out
 * '1000' before '998' — taking an event twice or stepping over one. Ids are written as the owner
 * (the column's default is the writing transaction's id); these are below any running transaction
 * of a cluster (initdb alone uses hundreds), so the gap-safe read takes them.
 */
const written: readonly { transactionId: string; version: number }[] = [
  { transactionId: '9', version: 1 },
  { transactionId: '10', version: 2 },
  { transactionId: '10', version: 3 },
  { transactionId: '99', version: 4 },
  { transactionId: '100', version: 5 },
];

describe('reading the global log in commit order', () => {
  it('orders transaction ids as numbers, and a reader paging one event at a time takes each once', async () => {
    const streamId = `order-${randomUUID()}`;
    for (const { transactionId, version } of written) {
      await db.asOwner(
        `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash, transaction_id)
         VALUES ('tenant-order', $1, $2, $3, 'Step', '{}', '{}', now(), 'p', 'h', $4::xid8)`,
        [streamId, version, randomUUID(), transactionId],
      );
    }
    const read = (after: LogPosition, limit: number) => withSystemTransaction(db.systemPool, (tx) => readGlobalLog(tx, after, limit));

    const all = (await read(START_OF_LOG, 100)).filter((event) => event.streamId === streamId);
    expect(all.map((event) => [event.transactionId, event.version])).toEqual(written.map((w) => [w.transactionId, w.version]));

    const taken: number[] = [];
    let position = START_OF_LOG;
    for (;;) {
      const [next] = await read(position, 1);
      if (!next) break;
      if (next.streamId === streamId) taken.push(next.version);
      position = { transactionId: next.transactionId, globalPosition: next.globalPosition };
    }
    expect(taken).toEqual([1, 2, 3, 4, 5]);
  });
});
