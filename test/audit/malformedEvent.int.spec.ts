import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventSchemaError, slotAggregate } from '../../src/aggregates/index.js';
import { replayStream } from '../../src/audit/auditCommands.js';
import { rebuildProjections } from '../../src/audit/rebuildProjections.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { withSystemTransaction } from '../../src/db/transaction.js';
import { readStream } from '../../src/ledger/readStream.js';
import { ReportProjectionError } from '../../projections/reports/errors.js';
import { foldOccupancy } from '../../projections/reports/occupancy.js';
import { appendEvents } from '../consumers/logFixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rewriteStreamHistory } from './tamper.js';

/**
 * An event in the log that its aggregate's schema refuses — here written by the table's owner, with
 * the stream's hash chain recomputed so that nothing but its shape is wrong — must stop every fold
 * that meets it with EventSchemaError naming where it is, not be cast and folded into a guess.
 */

let db: TestDatabase;
const tenantId = 'malformed';
const slotStream = 'slot-s-malformed';

beforeAll(async () => {
  db = await createTestDatabase();
  await appendEvents(db.pool, {
    tenantId,
    streamId: slotStream,
    events: [
      {
        type: 'SlotDefined',
        data: {
          slotId: 's-malformed',
          activityId: 'a',
          startsAt: '2030-01-01T09:00:00Z',
          capacity: 4,
          unitPrice: { amount: 100, currency: 'EUR' },
        },
      },
      { type: 'SeatsHeld', data: { reservationId: 'r1', seats: 2 } },
      { type: 'SeatsHeld', data: { reservationId: 'r2', seats: 1 } },
    ],
  });
  // Folds as it is; then its second event loses its number of seats (as a string, "two").
  await rebuildProjections(db.systemPool);
  await rewriteStreamHistory(db, tenantId, slotStream, 2, { reservationId: 'r1', seats: 'two' });
});
afterAll(async () => {
  await db.drop();
});

const refusal = /^event SeatsHeld at slot-s-malformed version 2 does not match its schema: data\.seats: /;

describe('a malformed event in the log', () => {
  it('keeps its stream hash chain intact: only its shape is wrong', async () => {
    const events = await readStream(db.systemPool, tenantId, slotStream);
    expect(events[1]).toMatchObject({ type: 'SeatsHeld', data: { seats: 'two' } });
  });

  it('stops a rebuild, which changes nothing', async () => {
    const before = await db.asOwner('SELECT * FROM slot_availability WHERE tenant_id = $1', [tenantId]);
    const rebuilt = rebuildProjections(db.systemPool);
    await expect(rebuilt).rejects.toThrow(EventSchemaError);
    await expect(rebuilt).rejects.toThrow(refusal);
    await expect(rebuilt).rejects.toMatchObject({ streamId: slotStream, version: 2, type: 'SeatsHeld', code: 'EVENT_SCHEMA_MISMATCH' });
    expect((await db.asOwner('SELECT * FROM slot_availability WHERE tenant_id = $1', [tenantId])).rows).toEqual(before.rows);
    expect(before.rows).toMatchObject([{ held: 3, version: 3 }]);
  });

  it('stops verification', async () => {
    await expect(verifyLedger(db.systemPool)).rejects.toThrow(refusal);
  });

  it('stops a replay after printing the events before it', async () => {
    const printed: unknown[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(JSON.parse(line)));
    try {
      await expect(withSystemTransaction(db.systemPool, (tx) => replayStream(tx, slotStream, tenantId))).rejects.toThrow(refusal);
    } finally {
      log.mockRestore();
    }
    expect(printed).toMatchObject([{ version: 1, type: 'SlotDefined', stateAfter: { status: 'open', held: 0 } }]);
  });

  it("stops a command's fold (the registry's, as runCommand folds what it loaded)", async () => {
    const events = await readStream(db.systemPool, tenantId, slotStream);
    expect(() => slotAggregate.fold(events, { streamId: slotStream })).toThrow(refusal);
  });

  it('stops the daily reports consumer, which retries it rather than count wrong seats', async () => {
    const events = await readStream(db.systemPool, tenantId, slotStream);
    const folded = withSystemTransaction(db.systemPool, (tx) => foldOccupancy(tx, events[1]!));
    await expect(folded).rejects.toThrow(ReportProjectionError);
    await expect(folded).rejects.toMatchObject({ cause: { name: 'EventSchemaError', streamId: slotStream, version: 2 } });
  });
});
